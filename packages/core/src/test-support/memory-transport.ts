import type { MediaChunk } from '../media-chunk.js';
import type {
  ConnectionEnd,
  HostListener,
  PathInfo,
  PeerInfo,
  PeerStream,
  Transport,
  ViewerConnection,
} from '../ports/transport.js';

/** One direction of an in-memory stream: bytes in order, then an end or a reset. */
class Pipe {
  readonly #items: Uint8Array[] = [];
  #ended = false;
  #reset: Error | undefined;
  #waiter: (() => void) | undefined;

  push(bytes: Uint8Array): void {
    if (this.#ended || this.#reset) throw new Error('stream closed');
    this.#items.push(bytes);
    this.#wake();
  }

  end(): void {
    this.#ended = true;
    this.#wake();
  }

  reset(why: string): void {
    this.#reset ??= new Error(why);
    this.#wake();
  }

  async read(maxBytes: number): Promise<Uint8Array | null> {
    for (;;) {
      if (this.#reset) throw this.#reset;
      const next = this.#items.shift();
      if (next) {
        if (next.length > maxBytes) {
          this.#items.unshift(next.subarray(maxBytes));
          return next.subarray(0, maxBytes);
        }
        return next;
      }
      if (this.#ended) return null;
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }
}

class MemoryStream implements PeerStream {
  constructor(
    readonly peer: PeerInfo,
    private readonly incoming: Pipe,
    private readonly outgoing: Pipe,
  ) {}
  read(maxBytes: number): Promise<Uint8Array | null> {
    return this.incoming.read(maxBytes);
  }
  async writeChunk(chunk: MediaChunk): Promise<void> {
    this.outgoing.push(chunk.bytes);
  }
  async writeBytes(bytes: Uint8Array): Promise<void> {
    this.outgoing.push(bytes);
  }
  async finish(): Promise<void> {
    this.outgoing.end();
  }
  abort(): void {
    this.outgoing.reset('reset by peer');
    this.incoming.reset('aborted');
  }
}

const PATH: PathInfo = { kind: 'direct', rttMs: 1 };

/**
 * Host and viewers in one process, for session tests: `listen()` gives the
 * address, `dial(address)` connects; streams are in-memory pipes; `dropAll()`
 * loses every connection as a network failure would.
 */
export class MemoryTransport implements Transport {
  #inbox: { push(s: PeerStream): void; close(): void } | undefined;
  readonly #connections = new Set<{ end(e: ConnectionEnd): void; viewerSide: ConnectionEnd | undefined }>();
  closed = false;
  dials = 0;

  validateAddress(address: string): void {
    if (!address.startsWith('mem')) throw new Error('bad address');
  }

  async listen(): Promise<HostListener> {
    const items: PeerStream[] = [];
    const waiters: Array<(r: IteratorResult<PeerStream>) => void> = [];
    let done = false;
    this.#inbox = {
      push: (s) => {
        const w = waiters.shift();
        if (w) w({ value: s, done: false });
        else items.push(s);
      },
      close: () => {
        done = true;
        for (const w of waiters.splice(0)) w({ value: undefined, done: true });
      },
    };
    const iterable: AsyncIterable<PeerStream> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          const item = items.shift();
          if (item) return Promise.resolve({ value: item, done: false });
          if (done) return Promise.resolve({ value: undefined, done: true });
          return new Promise<IteratorResult<PeerStream>>((r) => waiters.push(r));
        },
      }),
    };
    return {
      address: 'memhost',
      id: 'host-id',
      streams: () => iterable,
      close: async (reason) => {
        for (const c of this.#connections) c.end(reason ? { kind: 'closed-by-peer', ...reason } : { kind: 'closed-by-peer', code: 0, reason: '' });
        this.#inbox?.close();
        this.#inbox = undefined;
      },
    };
  }

  async dial(): Promise<ViewerConnection> {
    this.dials++;
    const inbox = this.#inbox;
    if (!inbox) throw new Error('nothing listens');
    let resolveClosed!: (e: ConnectionEnd) => void;
    const closed = new Promise<ConnectionEnd>((r) => (resolveClosed = r));
    const streams = new Set<MemoryStream>();
    const record = {
      viewerSide: undefined as ConnectionEnd | undefined,
      end: (e: ConnectionEnd) => {
        if (record.viewerSide) return;
        record.viewerSide = e;
        for (const s of streams) s.abort();
        this.#connections.delete(record);
        resolveClosed(e);
      },
    };
    this.#connections.add(record);
    const viewerPeer: PeerInfo = { id: `viewer-${this.dials}`, shortId: `v${this.dials}`, path: () => PATH };
    const hostPeer: PeerInfo = { id: 'host-id', shortId: 'host', path: () => PATH };
    return {
      peer: hostPeer,
      closed,
      openStream: async () => {
        if (record.viewerSide) throw new Error('connection lost');
        const up = new Pipe();
        const down = new Pipe();
        const viewerEnd = new MemoryStream(hostPeer, down, up);
        const hostEnd = new MemoryStream(viewerPeer, up, down);
        streams.add(viewerEnd);
        inbox.push(hostEnd);
        return viewerEnd;
      },
      close: async () => record.end({ kind: 'closed-here' }),
    };
  }

  /** Every connection is lost (a network failure), not closed on purpose. */
  dropAll(): void {
    for (const c of [...this.#connections]) c.end({ kind: 'lost', detail: 'timed out' });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
