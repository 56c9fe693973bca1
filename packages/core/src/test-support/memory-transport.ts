import type { MediaChunk } from '../media-chunk.js';
import type {
  ConnectionAdmission,
  ConnectionEnd,
  HostListener,
  IncomingStream,
  PathInfo,
  PeerConnection,
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

  /** The connection is gone: what already arrived can still be read (as QUIC keeps it), then reads fail. */
  lost(why: string): void {
    this.#lost ??= new Error(why);
    this.#wake();
  }
  #lost: Error | undefined;

  async read(maxBytes: number): Promise<Uint8Array | null> {
    for (;;) {
      if (this.#reset) throw this.#reset;
      if (this.#lost && this.#items.length === 0 && !this.#ended) throw this.#lost;
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
  #stopped = false;
  constructor(
    readonly peer: PeerInfo,
    private readonly incoming: Pipe,
    private readonly outgoing: Pipe,
  ) {}
  read(maxBytes: number): Promise<Uint8Array | null> {
    if (this.#stopped) return Promise.resolve(null);
    return this.incoming.read(maxBytes);
  }
  stopReading(): void {
    this.#stopped = true;
  }
  async delivered(): Promise<void> {}
  /** Its connection ended. */
  lost(): void {
    this.outgoing.reset('connection lost');
    this.incoming.lost('connection lost');
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

class MemoryIncomingStream extends MemoryStream implements IncomingStream {
  constructor(
    readonly connection: PeerConnection,
    incoming: Pipe,
    outgoing: Pipe,
  ) {
    super(connection.peer, incoming, outgoing);
  }
}

const ADMIT_ALL: ConnectionAdmission = { beforeHandshake: () => true, handshakeFailed: () => undefined, opened: () => true, closed: () => undefined };

/**
 * Host and viewers in one process, for session tests: `listen()` gives the
 * address, `dial(address)` connects; streams are in-memory pipes; `dropAll()`
 * loses every connection as a network failure would.
 */
export class MemoryTransport implements Transport {
  #inbox: { push(s: IncomingStream): void; close(): void } | undefined;
  #admission: ConnectionAdmission = ADMIT_ALL;
  readonly #connections = new Set<{ end(e: ConnectionEnd): void; viewerSide: ConnectionEnd | undefined }>();
  closed = false;
  dials = 0;

  validateAddress(address: string): void {
    if (!address.startsWith('mem')) throw new Error('bad address');
  }

  async listen(admission: ConnectionAdmission = ADMIT_ALL): Promise<HostListener> {
    this.#admission = admission;
    const items: IncomingStream[] = [];
    const waiters: Array<(r: IteratorResult<IncomingStream>) => void> = [];
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
    const iterable: AsyncIterable<IncomingStream> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          const item = items.shift();
          if (item) return Promise.resolve({ value: item, done: false });
          if (done) return Promise.resolve({ value: undefined, done: true });
          return new Promise<IteratorResult<IncomingStream>>((r) => waiters.push(r));
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
    const admission = this.#admission;
    if (!admission.beforeHandshake()) throw new Error('refused');
    let resolveClosed!: (e: ConnectionEnd) => void;
    const closed = new Promise<ConnectionEnd>((r) => (resolveClosed = r));
    const streams = new Set<MemoryStream>();
    const record = {
      viewerSide: undefined as ConnectionEnd | undefined,
      end: (e: ConnectionEnd) => {
        if (record.viewerSide) return;
        record.viewerSide = e;
        for (const s of streams) s.lost();
        this.#connections.delete(record);
        admission.closed(hostSide);
        resolveClosed(e);
      },
    };
    const viewerPeer: PeerInfo = { id: `viewer-${this.dials}`, shortId: `v${this.dials}`, path: () => PATH };
    const hostSide: PeerConnection = { id: this.dials, peer: viewerPeer, close: (reason) => record.end({ kind: 'closed-by-peer', ...reason }) };
    if (!admission.opened(hostSide)) throw new Error('refused');
    this.#connections.add(record);
    const hostPeer: PeerInfo = { id: 'host-id', shortId: 'host', path: () => PATH };
    return {
      peer: hostPeer,
      closed,
      openStream: async () => {
        if (record.viewerSide) throw new Error('connection lost');
        const up = new Pipe();
        const down = new Pipe();
        const viewerEnd = new MemoryStream(hostPeer, down, up);
        const hostEnd = new MemoryIncomingStream(hostSide, up, down);
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
