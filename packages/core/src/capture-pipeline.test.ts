import { describe, expect, it } from 'vitest';
import { BroadcastHub } from './broadcast-hub.js';
import { CapturePipeline, runEndReason, type RunEnd } from './capture-pipeline.js';
import type { CaptureSession } from './ports/capture.js';
import type { MediaRunner, RunningMedia } from './ports/media-runner.js';
import { RecordingLogger } from './test-support/fakes.js';

describe('runEndReason: what viewers and the log are told when a capture run ends', () => {
  const exit0 = { code: 0, reason: '' };
  it.each<[string, RunEnd, string]>([
    ['stopped on purpose: nothing to report, whatever else happened', { stopping: true, sourceEnded: 'window closed', exit: { code: 1, reason: 'boom' } }, ''],
    ['the source ended first (window closed)', { stopping: false, sourceEnded: 'the shared window 0x1 was closed', exit: exit0 }, 'capture source ended: the shared window 0x1 was closed'],
    ['the media process said why it died', { stopping: false, exit: { code: 1, reason: 'GStreamer element "x" is missing' } }, 'GStreamer element "x" is missing'],
    ['it died without a reason', { stopping: false, exit: { code: 137, reason: '' } }, 'pipeline exited with code 137'],
    ['killed by a signal (no code)', { stopping: false, exit: { code: null, reason: '' } }, 'pipeline exited with code null'],
  ])('%s', (_name, end, expected) => {
    expect(runEndReason(end)).toBe(expected);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One 188-byte MPEG-TS packet (sync byte, null PID). */
const packet = (): Uint8Array => {
  const p = new Uint8Array(188);
  p[0] = 0x47;
  p[1] = 0x1f;
  p[2] = 0xff;
  return p;
};

/** A media process whose output the test feeds; stop() ends it like a clean EOS. */
class FakeMedia implements RunningMedia {
  readonly pid = 4242;
  readonly exited: Promise<{ code: number | null; reason: string }>;
  stopped = false;
  #exit!: (e: { code: number | null; reason: string }) => void;
  #queue: Uint8Array[] = [];
  #wake: (() => void) | undefined;

  constructor() {
    this.exited = new Promise((r) => (this.#exit = r));
  }

  emit(): void {
    this.#queue.push(packet());
    this.#wake?.();
  }

  get output(): AsyncIterable<Uint8Array> {
    return { [Symbol.asyncIterator]: () => this.#chunks() };
  }

  async *#chunks(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const next = this.#queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.stopped) return;
      await new Promise<void>((r) => (this.#wake = r));
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.#wake?.();
    this.#exit({ code: 0, reason: '' });
  }
}

function setup(session: Partial<CaptureSession>) {
  const media = new FakeMedia();
  const runner: MediaRunner = { start: async () => media };
  const log = new RecordingLogger();
  const closed: string[] = [];
  const pipeline = new CapturePipeline(
    {
      capture: {
        id: 'fake',
        open: async () => ({ video: { launch: 'fakesrc' }, description: 'fake source', close: async () => void closed.push('closed'), ...session }),
      },
      audio: undefined,
      encoder: { id: 'fakeenc', probe: async () => ({ usable: true, detail: '' }), fragment: () => 'fakeenc' },
      runner,
      hub: new BroadcastHub(),
      log,
    },
    { fps: 30, bitrateKbps: 1000, keyframeIntervalSec: 1 },
  );
  return { media, log, closed, pipeline };
}

describe('CapturePipeline: a capture stream that goes silent', () => {
  it('ends the run as "source gone" once output pauses longer than stallTimeoutMs', async () => {
    const { media, log, closed, pipeline } = setup({ stallTimeoutMs: 400 });
    const run = await pipeline.start(new AbortController().signal);
    for (let i = 0; i < 5; i++) {
      media.emit();
      await sleep(50);
    }
    expect(media.stopped).toBe(false);
    const why = await run.exited;
    expect(why).toMatch(/^capture source ended: the capture stream stopped \(nothing for 0\.4 s\)/);
    expect(media.stopped).toBe(true);
    expect(closed).toEqual(['closed']);
    expect(log.lines.filter((l) => /capture stream stopped/.test(l))).toHaveLength(1);
  });

  it('keeps a run whose output keeps coming', async () => {
    const { media, pipeline } = setup({ stallTimeoutMs: 1000 });
    const run = await pipeline.start(new AbortController().signal);
    for (let i = 0; i < 20; i++) {
      media.emit();
      await sleep(50);
    }
    expect(media.stopped).toBe(false);
    await run.stop();
    expect(await run.exited).toBe('');
  });

  it('never takes a stream that has not started for a dead one, and says so once', async () => {
    const { media, log, pipeline } = setup({ stallTimeoutMs: 200, firstFrameNotice: { afterMs: 300, message: 'no picture yet' } });
    const run = await pipeline.start(new AbortController().signal);
    await sleep(1200);
    expect(media.stopped, 'no output yet is not a stall').toBe(false);
    expect(log.lines.filter((l) => l === 'warn: no picture yet')).toHaveLength(1);
    await run.stop();
  });

  it('without stallTimeoutMs a pause ends nothing', async () => {
    const { media, pipeline } = setup({});
    const run = await pipeline.start(new AbortController().signal);
    media.emit();
    await sleep(700);
    expect(media.stopped).toBe(false);
    await run.stop();
  });
});
