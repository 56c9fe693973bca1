import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BroadcastHub, type HubOptions } from './broadcast-hub.js';
import { CaptureFailed } from './errors.js';
import type { PublishConnection, Publisher, PublishTarget } from './ports/publish.js';
import { parsePublishTarget } from './publish-target.js';
import { isPublishLabel, PublishSession, type PublishTuning } from './publish-session.js';
import { FakeSink } from './test-support/fakes.js';
import { audioPacket, concatBytes, H264_STREAMS, patPacket, pmtPacket, videoFrame } from './test-support/ts-synth.js';

const HEAD = concatBytes([patPacket(), pmtPacket(H264_STREAMS)]);
const frame = (key: boolean): Uint8Array => concatBytes([...videoFrame({ key, extraPackets: 4 }), audioPacket()]);

type Behaviour = 'accept' | 'refuse' | 'silent' | 'throw';

/** A connection the test steers: accepted or not, reading or not, ending when told. */
class FakeConnection implements PublishConnection {
  readonly connected: Promise<void>;
  readonly ended: Promise<string>;
  readonly received: Uint8Array[] = [];
  closedCleanly = false;
  aborted = false;
  reading = true;
  #accept!: () => void;
  #end!: (reason: string) => void;
  #over = false;
  #waiting: Array<() => void> = [];

  constructor() {
    this.connected = new Promise((resolve) => (this.#accept = resolve));
    this.ended = new Promise((resolve) => (this.#end = resolve));
  }

  accept(): void {
    this.#accept();
  }

  end(reason: string): void {
    if (this.#over) return;
    this.#over = true;
    this.#end(reason);
    for (const w of this.#waiting.splice(0)) w();
  }

  get over(): boolean {
    return this.#over;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.#over) throw new Error('EPIPE');
    if (!this.reading) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (this.#over) throw new Error('EPIPE');
    this.received.push(bytes);
  }

  async close(): Promise<void> {
    this.closedCleanly = true;
    this.end('');
  }

  bytes(): number {
    return this.received.reduce((n, b) => n + b.length, 0);
  }
}

class FakePublisher implements Publisher {
  readonly id = 'fake';
  readonly connections: FakeConnection[] = [];
  /** What the next attempts do; the last one repeats. */
  script: Behaviour[] = ['accept'];
  opened: PublishTarget[] = [];

  async open(target: PublishTarget, signal: AbortSignal): Promise<PublishConnection> {
    this.opened.push(target);
    const behaviour = this.script.length > 1 ? this.script.shift()! : this.script[0]!;
    if (behaviour === 'throw') throw new Error('cannot start');
    const c = new FakeConnection();
    this.connections.push(c);
    signal.addEventListener('abort', () => {
      c.aborted = true;
      c.end('killed');
    });
    if (behaviour === 'accept') setTimeout(() => c.accept(), 10);
    if (behaviour === 'refuse') setTimeout(() => c.end('connection refused'), 10);
    return c;
  }

  get last(): FakeConnection {
    return this.connections.at(-1)!;
  }
}

/** The capture supervisor as a publish session sees it. */
class FakeCapture {
  holders = 0;
  acquires = 0;
  running = false;
  failWith: Error | undefined;
  startDelayMs = 0;

  async acquire(): Promise<void> {
    this.acquires++;
    if (this.startDelayMs) await new Promise((r) => setTimeout(r, this.startDelayMs));
    if (this.failWith) throw this.failWith;
    this.holders++;
    this.running = true;
  }

  release(): void {
    this.holders--;
  }
}

const TARGET = parsePublishTarget('srt://127.0.0.1:9000?streamid=publish:cam:alice:hunter2');

function setup(hubOptions: Partial<HubOptions> = {}, tuning: Partial<PublishTuning> = {}) {
  const hub = new BroadcastHub({ join: 'replay', ...hubOptions });
  const publisher = new FakePublisher();
  const capture = new FakeCapture();
  const session = new PublishSession({ publisher, hub, capture }, TARGET, `publish:${TARGET.name}`, tuning);
  const events: string[] = [];
  session.on('connected', (s) => events.push(`connected #${s.connections}`));
  session.on('failed', (_s, reason, ms) => events.push(`failed: ${reason}; retry in ${ms}`));
  session.on('lost', (_s, reason, ms) => events.push(`lost: ${reason}; retry in ${ms}`));
  /** Publishes `gops` GOPs of `perGop` frames, one frame per 33 ms of (fake) time. */
  const play = async (gops: number, perGop = 30): Promise<void> => {
    for (let g = 0; g < gops; g++) {
      for (let f = 0; f < perGop; f++) {
        if (f === 0) hub.publish(HEAD);
        hub.publish(frame(f === 0));
        await vi.advanceTimersByTimeAsync(33);
      }
    }
  };
  /** Stops, letting (fake) time run: a stop waits up to 1 s for the frame in flight to end. */
  const stop = async (): Promise<void> => {
    const stopping = session.stop();
    await vi.advanceTimersByTimeAsync(1100);
    await stopping;
  };
  return { hub, publisher, capture, session, events, play, stop };
}

describe('PublishSession', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('holds the capture with no viewer at all, sends the stream from PAT/PMT and a keyframe, and finishes cleanly on stop', async () => {
    const { publisher, capture, session, events, play, stop } = setup();
    session.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(capture.holders).toBe(1);
    expect(session.subscribed).toBe(true);
    await play(2);
    expect(events).toEqual(['connected #1']);
    const c = publisher.last;
    // The first bytes a server gets are PAT/PMT, then a keyframe.
    expect(c.received[0]![0]).toBe(0x47);
    expect(c.bytes()).toBeGreaterThan(0);
    expect(session.stats()).toMatchObject({ state: 'connected', connections: 1, reconnects: 0, bytesSent: c.bytes() });
    await stop();
    expect(c.closedCleanly).toBe(true);
    expect(c.aborted).toBe(false);
    expect(capture.holders).toBe(0);
    expect(session.subscribed).toBe(false);
    expect(session.state).toBe('stopped');
  });

  it('stopping ends the stream at a frame boundary: the frame in flight is finished, the next one never starts', async () => {
    const { hub, publisher, session, play } = setup();
    session.start();
    await play(1);
    const c = publisher.last;
    const whole = frame(false);
    const half = whole.length / 2 - ((whole.length / 2) % 188);
    hub.publish(whole.subarray(0, half));
    await vi.advanceTimersByTimeAsync(5);
    const stopping = session.stop();
    await vi.advanceTimersByTimeAsync(5);
    hub.publish(whole.subarray(half));
    hub.publish(frame(false));
    await vi.advanceTimersByTimeAsync(50);
    await stopping;
    const last = c.received.at(-1)!;
    // The video frame's rest goes out; the sound packet after it starts a PES of its own, a boundary too.
    const rest = whole.subarray(half, whole.length - 188);
    expect(Buffer.from(last).equals(Buffer.from(rest))).toBe(true);
    expect(c.closedCleanly).toBe(true);
  });

  it('an unreachable server: an attempt after 0.5, 1, 2, 4 … s, at most 30 s apart; the capture stays held, a viewer beside it gets everything', async () => {
    const { hub, publisher, capture, session, events, play, stop } = setup();
    publisher.script = ['refuse'];
    const viewer = new FakeSink();
    await vi.advanceTimersByTimeAsync(0);
    session.start();
    hub.addViewer('viewer', viewer);
    await play(1);
    await vi.advanceTimersByTimeAsync(120_000);
    const waits = events.map((e) => Number(/retry in (\d+)/.exec(e)?.[1]));
    expect(waits.slice(0, 8)).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(events[0]).toBe('failed: connection refused; retry in 500');
    expect(session.stats()).toMatchObject({ state: 'retrying', connections: 0, failuresInRow: events.length, lastError: 'connection refused' });
    expect(capture.holders).toBe(1);
    expect(capture.acquires).toBe(1);
    // The P2P viewer saw the whole stream: nothing was held back for the publish attempts.
    expect(viewer.chunks.reduce((n, ch) => n + ch.length, 0)).toBe(hub.bytesPublished);
    expect(viewer.ended).toBeUndefined();
    await stop();
    expect(capture.holders).toBe(0);
  });

  it('a server that goes away and comes back: lost, then connected again; a stable connection starts the backoff over', async () => {
    const { publisher, session, events, play, stop } = setup({}, { stableMs: 2000 });
    publisher.script = ['accept', 'refuse', 'refuse', 'accept', 'accept'];
    session.start();
    await play(3); // ~3 s connected: stable
    publisher.last.end('Input/output error');
    await play(5);
    expect(events).toEqual([
      'connected #1',
      'lost: Input/output error; retry in 500',
      'failed: connection refused; retry in 1000',
      'failed: connection refused; retry in 2000',
      'connected #2',
    ]);
    expect(session.stats()).toMatchObject({ connections: 2, reconnects: 1, failuresInRow: 0 });
    // The new connection starts at PAT/PMT + keyframe again.
    expect(publisher.last.received.length).toBeGreaterThan(0);
    // A short-lived connection does not reset the wait.
    publisher.last.end('gone again');
    await vi.advanceTimersByTimeAsync(10);
    expect(events.at(-1)).toBe('lost: gone again; retry in 4000');
    await stop();
  });

  it('a server that stops reading is dropped by the hub like a slow viewer, the viewer beside it unaffected, and publishing reconnects', async () => {
    const { hub, publisher, session, events, play, stop } = setup({ maxQueueBytes: 20_000, maxSkips: 3, slowWindowMs: 30_000 });
    const viewer = new FakeSink();
    hub.addViewer('viewer', viewer);
    session.start();
    await play(1);
    const stuck = publisher.last;
    stuck.reading = false;
    const skipped: number[] = [];
    hub.on('viewer-skipped', (label, bytes) => isPublishLabel(label) && skipped.push(bytes));
    await play(8);
    expect(skipped.length).toBeGreaterThanOrEqual(2);
    expect(events[1]).toMatch(/^lost: too slow: skipped ahead 3 times in 30 s; retry in 500$/);
    expect(stuck.aborted).toBe(true);
    expect(events[2]).toBe('connected #2');
    expect(publisher.last).not.toBe(stuck);
    expect(session.stats().bytesSkipped).toBeGreaterThan(0);
    expect(viewer.chunks.reduce((n, ch) => n + ch.length, 0)).toBe(hub.bytesPublished);
    expect(viewer.ended).toBeUndefined();
    await stop();
  });

  it('a server that takes the connection and never answers is given up after the connect timeout', async () => {
    const { publisher, session, events, play, stop } = setup({}, { connectTimeoutMs: 3000 });
    publisher.script = ['silent', 'accept'];
    session.start();
    await play(4);
    expect(events.slice(0, 2)).toEqual(['failed: the server did not accept the stream within 3 s; retry in 500', 'connected #1']);
    expect(publisher.connections[0]!.aborted).toBe(true);
    await stop();
  });

  it('when capture ends the subscription ends with it; the capture is let go and started again for the next attempt', async () => {
    const { hub, capture, session, events, play, stop } = setup();
    session.start();
    await play(1);
    hub.endAll('the media process exited with code 1', true);
    capture.running = false;
    await vi.advanceTimersByTimeAsync(10);
    expect(events[1]).toBe('lost: the media process exited with code 1; retry in 500');
    expect(capture.holders).toBe(0);
    await play(1);
    expect(capture.acquires).toBe(2);
    expect(capture.holders).toBe(1);
    expect(events[2]).toBe('connected #2');
    await stop();
    expect(capture.holders).toBe(0);
  });

  it('a capture that cannot start is an attempt that failed, retried with backoff', async () => {
    const { capture, session, events, stop } = setup();
    capture.failWith = new CaptureFailed('the share dialog was cancelled');
    session.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(events.slice(0, 2)).toEqual([
      'failed: capture could not start: the share dialog was cancelled; retry in 500',
      'failed: capture could not start: the share dialog was cancelled; retry in 1000',
    ]);
    expect(capture.holders).toBe(0);
    await stop();
  });

  it('stopping does not wait for a capture start in progress, and lets go of it when it comes', async () => {
    const { capture, session, stop } = setup();
    capture.startDelayMs = 60_000;
    session.start();
    await vi.advanceTimersByTimeAsync(100);
    await stop();
    expect(capture.holders).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(capture.holders).toBe(0);
  });

  it('an adapter that cannot start a connection is a failed attempt', async () => {
    const { publisher, session, events, stop } = setup();
    publisher.script = ['throw', 'accept'];
    session.start();
    await vi.advanceTimersByTimeAsync(600);
    expect(events).toEqual(['failed: cannot start; retry in 500', 'connected #1']);
    await stop();
  });

  it('shows the target only by name and redacted URL', () => {
    const { session } = setup();
    const shown = JSON.stringify(session.stats());
    expect(shown).toContain('srt://127.0.0.1:9000');
    expect(shown).not.toContain('hunter2');
    expect(session.label).toBe('publish:srt://127.0.0.1:9000');
  });
});
