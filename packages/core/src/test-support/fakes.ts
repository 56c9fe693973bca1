import type { MediaChunk } from '../media-chunk.js';
import type { ViewerSink } from '../broadcast-hub.js';
import type { PeerConnection, PeerInfo } from '../ports/transport.js';

/**
 * A viewer's sink for hub tests. Writes complete at once unless `paused`; then
 * they wait until `resume()` (a reader that stopped reading).
 */
export class FakeSink implements ViewerSink {
  readonly chunks: MediaChunk[] = [];
  ended: { reason: string; error: boolean } | undefined;
  paused = false;
  failWith: Error | undefined;
  #waiting: Array<() => void> = [];

  async write(chunk: MediaChunk): Promise<void> {
    if (this.failWith) throw this.failWith;
    if (this.paused) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.chunks.push(chunk);
  }

  end(reason: string, error: boolean): void {
    this.ended = { reason, error };
  }

  resume(): void {
    this.paused = false;
    for (const w of this.#waiting.splice(0)) w();
  }

  bytes(): Uint8Array {
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c.bytes, off);
      off += c.length;
    }
    return out;
  }
}

/** Lets pending promise callbacks (the hub's writer loops) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A clock the test moves. */
export class FakeClock {
  t = 1_000_000;
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/**
 * A tunnel stream for gate tests: `input` is what the viewer sends (pieces, in
 * order; `hang` = never sends more), everything written is recorded.
 */
export class FakePeerStream {
  readonly written: Uint8Array[] = [];
  readonly chunks: MediaChunk[] = [];
  /** Sizes the gate asked to read, in order. */
  readonly readSizes: number[] = [];
  finished = false;
  aborted = false;
  stopped = false;
  failHeadWrite = false;
  readonly connection: PeerConnection & { closedWith?: { code: number; reason: string } };
  #closeRead: (() => void) | undefined;

  constructor(
    private readonly input: Array<Uint8Array | 'hang'>,
    readonly peer: PeerInfo = { id: 'peer-full-id', shortId: 'peer1', path: () => ({ kind: 'direct', rttMs: 2 }) },
    connection?: PeerConnection,
  ) {
    const c: PeerConnection & { closedWith?: { code: number; reason: string } } = connection ?? {
      id: 1,
      peer,
      close: (reason) => {
        c.closedWith = { ...reason };
      },
    };
    this.connection = c;
  }

  async read(maxBytes: number): Promise<Uint8Array | null> {
    this.readSizes.push(maxBytes);
    if (this.stopped) return null;
    const next = this.input.shift();
    if (next === 'hang') {
      // The viewer keeps the stream open without sending; `closeRead()` ends it.
      await new Promise<void>((resolve) => (this.#closeRead = resolve));
      return null;
    }
    return next ?? null;
  }

  /** The viewer closes its side (its player went away). */
  closeRead(): void {
    this.#closeRead?.();
  }

  async writeChunk(chunk: MediaChunk): Promise<void> {
    this.chunks.push(chunk);
  }

  async writeBytes(bytes: Uint8Array): Promise<void> {
    if (this.failHeadWrite) throw new Error('connection lost');
    this.written.push(bytes);
  }

  async finish(): Promise<void> {
    this.finished = true;
  }

  stopReading(): void {
    this.stopped = true;
  }

  async delivered(): Promise<void> {}

  abort(): void {
    this.aborted = true;
    this.#closeRead?.();
  }

  /** The response text written with writeBytes (head and error bodies). */
  response(): string {
    return Buffer.concat(this.written.map((b) => Buffer.from(b))).toString('utf8');
  }
}

/** Records log lines by level. */
export class RecordingLogger {
  readonly lines: string[] = [];
  info(m: string): void {
    this.lines.push(`info: ${m}`);
  }
  warn(m: string): void {
    this.lines.push(`warn: ${m}`);
  }
  error(m: string): void {
    this.lines.push(`error: ${m}`);
  }
}
