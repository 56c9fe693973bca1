import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { HostSession, type HostSessionOptions } from './host-session.js';
import type { PipelineSpec } from './pipeline.js';
import type { CaptureRequest, CaptureSession, CaptureSource } from './ports/capture.js';
import type { Encoder } from './ports/encoder.js';
import type { MediaRunner, RunningMedia } from './ports/media-runner.js';
import type { PublishConnection, Publisher } from './ports/publish.js';
import { parsePublishTarget } from './publish-target.js';
import type { LaunchedPlayer, PlayerLauncher } from './ports/player.js';
import { parseTicket } from './share-ticket.js';
import { MemoryTransport } from './test-support/memory-transport.js';
import { RecordingLogger } from './test-support/fakes.js';
import { synthStream } from './test-support/ts-synth.js';
import { StreamRefused } from './local-stream-server.js';
import { ViewerSession } from './viewer-session.js';

/** A capture source that records how it was opened and whether a pending open was cancelled. */
class FakeCapture implements CaptureSource {
  readonly id = 'fake';
  opens = 0;
  closes = 0;
  cancelled = 0;
  /** When set, open waits until the signal aborts (a share dialog nobody answers). */
  dialog = false;

  async open(_request: CaptureRequest, signal: AbortSignal): Promise<CaptureSession> {
    this.opens++;
    if (this.dialog) {
      await new Promise<void>((_, reject) =>
        signal.addEventListener('abort', () => {
          this.cancelled++;
          reject(new Error('dialog closed'));
        }),
      );
    }
    return { video: { launch: 'fakesrc' }, description: 'fake screen', close: async () => void this.closes++ };
  }
}

const encoder: Encoder = { id: 'fake264', probe: async () => ({ usable: true, detail: '' }), fragment: () => 'fakeenc' };

/** A media process that writes a synthetic MPEG-TS stream until stopped. */
class FakeRunner implements MediaRunner {
  readonly specs: PipelineSpec[] = [];
  async start(spec: PipelineSpec): Promise<RunningMedia> {
    this.specs.push(spec);
    const out = new PassThrough();
    const ts = synthStream(4, 15);
    let off = 0;
    const timer = setInterval(() => {
      out.write(ts.subarray(off, off + 188 * 20));
      off = (off + 188 * 20) % (ts.length - (ts.length % (188 * 20)));
    }, 5);
    let exit!: (e: { code: number | null; reason: string }) => void;
    const exited = new Promise<{ code: number | null; reason: string }>((r) => (exit = r));
    return {
      output: out,
      exited,
      pid: 1,
      stop: async () => {
        clearInterval(timer);
        out.end();
        exit({ code: 0, reason: '' });
      },
    };
  }
}

class FakePlayer implements PlayerLauncher {
  readonly id = 'fakeplayer';
  launches: string[] = [];
  #exit: ((code: number | null) => void) | undefined;
  async launch(url: string): Promise<LaunchedPlayer> {
    this.launches.push(url);
    const exited = new Promise<number | null>((r) => (this.#exit = r));
    return { pid: 2, exited, stop: async () => this.#exit?.(0) };
  }
  /** The person closes the player window. */
  close(): void {
    this.#exit?.(0);
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function host(options: Partial<HostSessionOptions> = {}) {
  const transport = new MemoryTransport();
  const capture = new FakeCapture();
  const runner = new FakeRunner();
  const log = new RecordingLogger();
  const session = new HostSession(
    { capture, encoder, runner, transport, log },
    { media: { fps: 30, bitrateKbps: 1000, keyframeIntervalSec: 1 }, maxViewers: 2, lingerMs: 0, hostName: 'alice', ...options },
  );
  cleanups.push(() => session.close());
  return { session, transport, capture, runner, log };
}

function viewer(transport: MemoryTransport, ticket: string, player = new FakePlayer()) {
  const log = new RecordingLogger();
  const session = new ViewerSession({ transport, player, log }, ticket, { link: { firstDelayMs: 5, maxDelayMs: 10, giveUpAfterMs: 200 } });
  cleanups.push(() => session.close());
  return { session, player, log };
}

async function readSome(url: string, bytes: number): Promise<{ status: number; got: number }> {
  const res = await fetch(url);
  const reader = res.body!.getReader();
  let got = 0;
  while (got < bytes) {
    const { value, done } = await reader.read();
    if (done) break;
    got += value.length;
  }
  await reader.cancel();
  return { status: res.status, got };
}

describe('HostSession + ViewerSession over an in-memory transport', () => {
  it('a viewer connects with the ticket, learns the host name, and a player reading its URL gets the stream', async () => {
    const h = host();
    const ticket = await h.session.open();
    expect(parseTicket(ticket).address).toBe('memhost');
    const v = viewer(h.transport, ticket);
    await v.session.connect();
    expect(await v.session.hostInfo()).toEqual({ name: 'alice' });
    const url = await v.session.serve();
    const r = await readSome(url, 50_000);
    expect(r.status).toBe(200);
    expect(r.got).toBeGreaterThanOrEqual(50_000);
    expect(h.capture.opens).toBe(1);
    expect(h.runner.specs[0]!.description).toMatch(/^fakesrc ! .* ! fakeenc name=venc0 ! h264parse/);
    expect(h.session.captureStarts).toBe(1);
  });

  it('a wrong secret is refused at hostInfo, before any player starts, with a reason', async () => {
    const h = host();
    const ticket = await h.session.open();
    const parsed = parseTicket(ticket);
    const wrong = ticket.replace(ticket.slice(10, 42), 'a'.repeat(32));
    expect(parseTicket(wrong).address).toBe(parsed.address);
    const v = viewer(h.transport, wrong);
    await v.session.connect();
    const err = await v.session.hostInfo().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamRefused);
    expect((err as StreamRefused).refusal.code).toBe('wrong-ticket');
    expect(h.capture.opens).toBe(0);
  });

  it('a full host: the player gets 503 and watch() ends "refused: full" without restarting the player', async () => {
    const h = host({ maxViewers: 1 });
    const ticket = await h.session.open();
    const first = viewer(h.transport, ticket);
    await first.session.connect();
    const firstUrl = await first.session.serve();
    const res = await fetch(firstUrl);
    const reader = res.body!.getReader();
    await reader.read();

    const second = viewer(h.transport, ticket);
    await second.session.connect();
    const url = await second.session.serve();
    const abort = new AbortController();
    const watching = second.session.watch(url, 'alice', abort.signal);
    // The "player" asks once and quits on the refusal, as mpv does on a 503.
    await new Promise((r) => setTimeout(r, 20));
    const r = await fetch(url);
    expect(r.status).toBe(503);
    expect(await r.text()).toMatch(/the host is full \(1 of 1 watching\)/);
    second.player.close();
    const end = await watching;
    expect(end).toEqual({ kind: 'refused', refusal: expect.objectContaining({ code: 'full' }) });
    expect(second.player.launches).toHaveLength(1);
    await reader.cancel();
  });

  it('the host stopping on purpose ends watch() with host-stopped, and the viewer does not redial', async () => {
    const h = host();
    const ticket = await h.session.open();
    const v = viewer(h.transport, ticket);
    await v.session.connect();
    const url = await v.session.serve();
    const watching = v.session.watch(url, 'alice', new AbortController().signal);
    const dials = h.transport.dials;
    await h.session.close();
    expect(await watching).toEqual({ kind: 'host-stopped' });
    expect(h.transport.dials).toBe(dials);
  });

  it('--approve: the viewer is told it waits, then gets the stream when the host says yes', async () => {
    let answer!: (ok: boolean) => void;
    const h = host({ approve: () => new Promise<boolean>((r) => (answer = r)) });
    const ticket = await h.session.open();
    const v = viewer(h.transport, ticket);
    await v.session.connect();
    const url = await v.session.serve();
    const reading = readSome(url, 10_000);
    const deadline = Date.now() + 1000;
    while (!v.log.lines.includes('info: waiting for the host to approve…') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(v.log.lines).toContain('info: waiting for the host to approve…');
    expect(h.capture.opens).toBe(0);
    answer(true);
    expect(await reading).toEqual({ status: 200, got: expect.any(Number) });
    expect(h.capture.opens).toBe(1);
  });

  it('closing the host cancels a share dialog nobody answered, at once', async () => {
    const h = host();
    h.capture.dialog = true;
    const ticket = await h.session.open();
    const v = viewer(h.transport, ticket);
    await v.session.connect();
    const url = await v.session.serve();
    const pending = fetch(url).catch(() => undefined);
    const deadline = Date.now() + 1000;
    while (h.capture.opens === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    await h.session.close();
    expect(Date.now() - started).toBeLessThan(500);
    expect(h.capture.cancelled).toBe(1);
    await pending;
  });
});

/** A media server that takes everything it is sent, and remembers whether the stream finished cleanly. */
class FakePublisher implements Publisher {
  readonly id = 'fakepub';
  received = 0;
  opens = 0;
  closedCleanly = 0;
  async open(): Promise<PublishConnection> {
    this.opens++;
    let end!: (reason: string) => void;
    const ended = new Promise<string>((r) => (end = r));
    return {
      connected: Promise.resolve(),
      ended,
      write: async (bytes) => void (this.received += bytes.length),
      close: async () => {
        this.closedCleanly++;
        end('');
      },
    };
  }
}

describe('HostSession publishing', () => {
  it('captures with no viewer, counts the target apart from the viewers, and finishes the stream on close', async () => {
    const publisher = new FakePublisher();
    const target = parsePublishTarget('rtmp://127.0.0.1/live/SECRETKEY');
    const transport = new MemoryTransport();
    const capture = new FakeCapture();
    const session = new HostSession(
      { capture, encoder, runner: new FakeRunner(), transport, log: new RecordingLogger(), publisher },
      { media: { fps: 30, bitrateKbps: 1000, keyframeIntervalSec: 1 }, maxViewers: 1, lingerMs: 0, hostName: 'alice', publish: [target, target] },
    );
    const joined: string[] = [];
    const connected: string[] = [];
    session.on('viewer-joined', (v) => joined.push(v.label));
    session.on('publish-connected', (p) => connected.push(p.label));
    const ticket = await session.open();
    const deadline = Date.now() + 2000;
    while (publisher.received < 20_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(publisher.received).toBeGreaterThanOrEqual(20_000);
    expect(capture.opens).toBe(1);
    expect(session.captureState()).toBe('running');
    expect(connected).toEqual(['publish:rtmp://127.0.0.1:1935/live', 'publish:rtmp://127.0.0.1:1935/live#2']);
    expect(session.viewerCount).toBe(0);
    expect(session.viewers()).toEqual([]);
    expect(joined).toEqual([]);
    expect(session.publishers().map((p) => [p.state, p.redacted])).toEqual([
      ['connected', 'rtmp://127.0.0.1/live/***'],
      ['connected', 'rtmp://127.0.0.1/live/***'],
    ]);
    // Publish targets take no viewer slot: a viewer still gets in with --max-viewers 1.
    const v = viewer(transport, ticket);
    await v.session.connect();
    expect((await readSome(await v.session.serve(), 10_000)).status).toBe(200);
    await session.close();
    expect(publisher.closedCleanly).toBe(2);
    expect(session.publishers().map((p) => p.state)).toEqual(['stopped', 'stopped']);
    expect(capture.closes).toBe(1);
  });
});
