import { lookup } from 'node:dns/promises';
import irohModule from '@number0/iroh';
import type * as Iroh from '@number0/iroh';
import {
  ClosedByPeer,
  InvalidTicket,
  VIEWER_LEFT,
  type ConnectionEnd,
  TransportFailed,
  type HostListener,
  type MediaChunk,
  type PathInfo,
  type PeerInfo,
  type PeerStream,
  type ReadinessCheck,
  type Transport,
  type ViewerConnection,
  errorMessage,
} from '@pixelpass/core';

// The binding is CommonJS; take its named exports from the default export.
const { Endpoint, EndpointTicket, RelayMode } = irohModule as typeof Iroh;

export const PIXELPASS_ALPN = 'pixelpass/0';
const ALPN_BYTES = Array.from(Buffer.from(PIXELPASS_ALPN, 'utf8'));

/** Key under which a hub chunk caches its Array<number> form (iroh-ffi#276). */
const IROH_BYTES = Symbol('iroh.bytes');

/** The binding wants Array<number>; a plain indexed loop is the fastest conversion. */
export function toByteArray(bytes: Uint8Array): number[] {
  const out = new Array<number>(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]!;
  return out;
}

export interface IrohTransportOptions {
  /**
   * true: n0's relays and discovery; false: no relays and no discovery, direct
   * addresses only (offline, tests); a list: only these relays (self-hosted),
   * without n0's discovery.
   */
  readonly relay: boolean | readonly string[];
  /** The endpoint's identity (32 bytes); a fresh one by default. A kept ticket passes the same one each run. */
  readonly secretKey?: Uint8Array | undefined;
  /** host:port to bind, e.g. "127.0.0.1:0" in tests. */
  readonly bindAddr?: string | undefined;
  /** Tried before bindAddr (a kept ticket's port); when it cannot be bound, bindAddr is used. */
  readonly preferBindAddr?: string | undefined;
  /** How long a dial may take before failing. */
  readonly dialTimeoutMs?: number;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TransportFailed(`${what} timed out after ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function peerInfo(conn: Iroh.Connection): PeerInfo {
  const id = conn.remoteId();
  return {
    id: id.toString(),
    shortId: id.fmtShort(),
    path(): PathInfo {
      try {
        const selected = conn.paths().find((p) => p.isSelected);
        if (!selected) return { kind: 'unknown', rttMs: conn.rtt() };
        return { kind: selected.isRelay ? 'relay' : 'direct', rttMs: selected.rttMs };
      } catch {
        return { kind: 'unknown', rttMs: null };
      }
    },
  };
}

/**
 * How a connection ended, from the binding's text for it: `closed()` says
 * "closed by peer: <reason> (code N)"; stream errors carry Rust's debug form
 * "ApplicationClosed(ApplicationClose { error_code: N, reason: b\"…\" })".
 */
export function connectionEnd(text: string): ConnectionEnd {
  const display = /closed by peer: (?:(.*) \(code (\d+)\)|(\d+))$/.exec(text);
  if (display) return { kind: 'closed-by-peer', code: Number(display[2] ?? display[3]), reason: display[1] ?? '' };
  const debug = /ApplicationClose \{ error_code: (\d+), reason: b"((?:[^"\\]|\\.)*)" \}/.exec(text);
  if (debug) return { kind: 'closed-by-peer', code: Number(debug[1]), reason: debug[2]!.replace(/\\(.)/g, '$1') };
  if (/^(closed|locally closed)$/i.test(text.trim()) || /LocallyClosed/.test(text)) return { kind: 'closed-here' };
  return { kind: 'lost', detail: describeLoss(text) };
}

/** Words for the binding's connection errors (no Rust debug text where a user reads). */
function describeLoss(text: string): string {
  if (/TimedOut|timed out/i.test(text)) return 'the connection timed out';
  if (/Reset|reset/.test(text)) return 'the connection was reset';
  if (/ConnectionLost/.test(text)) return 'the connection was lost';
  return text;
}

/** iroh errors can carry a Rust backtrace and debug text; users get one line in words. */
function firstLine(err: unknown): string {
  const text = errorMessage(err).split('\n')[0]!.trim();
  const end = connectionEnd(text);
  if (end.kind === 'closed-by-peer') return end.reason ? `closed by the other side: ${end.reason}` : `closed by the other side (code ${end.code})`;
  if (end.kind === 'closed-here') return 'closed';
  return end.detail;
}

function guardedSync<T>(what: string, op: () => T): T {
  try {
    return op();
  } catch (err) {
    throw new TransportFailed(`${what}: ${firstLine(err)}`, { cause: err });
  }
}

async function guarded<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    // A close on purpose keeps its code, so the viewer can tell "the host stopped" from a loss.
    const end = connectionEnd(errorMessage(err).split('\n')[0]!.trim());
    if (end.kind === 'closed-by-peer') throw new ClosedByPeer(`${what}: ${firstLine(err)}`, end.code, end.reason);
    throw new TransportFailed(`${what}: ${firstLine(err)}`, { cause: err });
  }
}

/**
 * The binding returns Array<number> with generic (object) elements, on which
 * Buffer.from() and set() take V8's slow path; an indexed loop is ~11x faster
 * (1.4 vs 15.6 ms per MB, measured on the binding's own arrays).
 */
export function fromByteArray(data: number[]): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]!;
  return out;
}

/**
 * Exported for its unit test only; the package entry does not re-export it.
 *
 * Each binding call is a round trip to iroh's thread, so the stream keeps the
 * binding busy instead of waiting on it: a write returns once it is handed over
 * (at most one in flight; the next write waits for it, so backpressure still
 * reaches the hub one chunk later), and after each read the next one is already
 * started. Measured by `pnpm bench` (tunnel throughput).
 */
export class IrohPeerStream implements PeerStream {
  #aborted = false;
  #inFlight: Promise<void> | undefined;
  #readAhead: Promise<number[]> | undefined;
  #leftover: Buffer | undefined;

  constructor(
    readonly peer: PeerInfo,
    private readonly bi: Iroh.BiStream,
  ) {}

  /** How much the read-ahead asks for: enough for a burst, independent of the caller's size. */
  static readonly READ_AHEAD_BYTES = 256 * 1024;

  async read(maxBytes: number): Promise<Uint8Array | null> {
    let data: Buffer;
    if (this.#leftover) {
      data = this.#leftover;
      this.#leftover = undefined;
    } else {
      const pending = this.#readAhead ?? this.#startRead();
      this.#readAhead = undefined;
      const raw = await guarded('read', () => pending);
      if (raw.length === 0) return null;
      data = fromByteArray(raw);
      this.#readAhead = this.#startRead();
    }
    if (data.length > maxBytes) {
      this.#leftover = data.subarray(maxBytes);
      return data.subarray(0, maxBytes);
    }
    return data;
  }

  #startRead(): Promise<number[]> {
    const p = this.bi.recv.read(IrohPeerStream.READ_AHEAD_BYTES);
    // Nobody may be waiting on it (the caller stopped reading, or aborted).
    p.catch(() => undefined);
    return p;
  }

  async writeChunk(chunk: MediaChunk): Promise<void> {
    await this.#write(chunk.converted(IROH_BYTES, toByteArray));
  }

  async writeBytes(bytes: Uint8Array): Promise<void> {
    await this.#write(toByteArray(bytes));
  }

  /**
   * Chains the write behind the one in flight and waits only for that one, so
   * the caller converts its next chunk while this one is being sent. One caller
   * at a time in practice (the hub's writer loop), but the chain keeps writes
   * ordered and never concurrent regardless.
   */
  async #write(bytes: number[]): Promise<void> {
    const previous = this.#inFlight;
    const send = (): Promise<void> => guarded('write', () => this.bi.send.writeAll(bytes));
    const next = previous ? previous.then(send) : send();
    // A failure surfaces on the next write or on finish(); never unhandled.
    next.catch(() => undefined);
    this.#inFlight = next;
    if (previous) await previous;
  }

  async finish(): Promise<void> {
    if (this.#inFlight) await this.#inFlight;
    await guarded('finish', () => this.bi.send.finish());
  }

  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.bi.send.reset(0n).catch(() => undefined);
    this.bi.recv.stop(0n).catch(() => undefined);
  }
}

/** Merges the bi-streams of every connection into one async iterable. */
class StreamInbox {
  #items: PeerStream[] = [];
  #waiters: Array<(v: IteratorResult<PeerStream>) => void> = [];
  #closed = false;

  push(s: PeerStream): void {
    const w = this.#waiters.shift();
    if (w) w({ value: s, done: false });
    else this.#items.push(s);
  }

  close(): void {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w({ value: undefined, done: true });
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<PeerStream> {
    for (;;) {
      const item = this.#items.shift();
      if (item) {
        yield item;
        continue;
      }
      if (this.#closed) return;
      const next = await new Promise<IteratorResult<PeerStream>>((r) => this.#waiters.push(r));
      if (next.done) return;
      yield next.value;
    }
  }
}

/** Relays iroh's default (n0) configuration uses; resolving one is the "online" test. */
const N0_RELAYS = ['use1-1.relay.n0.iroh.link', 'euc1-1.relay.n0.iroh.link', 'aps1-1.relay.n0.iroh.link'];

/**
 * A relay answers `GET /ping` (iroh-relay's probe path) when it runs; doctor's
 * line says which one and how long it took.
 */
async function pingRelay(base: string, label: string, install: string): Promise<ReadinessCheck> {
  const started = Date.now();
  const answer = await fetch(new URL('/ping', base), { signal: AbortSignal.timeout(4000) }).then(
    (r) => (r.ok ? 'ok' : `it answered HTTP ${r.status}`),
    (err: unknown) => `no answer (${errorMessage(err instanceof Error && err.cause instanceof Error ? err.cause : err)})`,
  );
  return answer === 'ok'
    ? { label: `relay ${label} reachable`, status: 'ok', need: 'advice', detail: `${Date.now() - started} ms` }
    : { label: `relay ${label} unreachable`, status: 'fail', need: 'advice', detail: `${answer}; only direct connections will work`, install };
}

/** The Transport over iroh: QUIC, hole punching, relay fallback; a ticket names the host. */
export class IrohTransport implements Transport {
  #client: Promise<Iroh.Endpoint> | undefined;
  readonly #endpoints = new Set<Iroh.Endpoint>();

  constructor(private readonly options: IrohTransportOptions) {}

  /** How long listen() waits for a relay before handing out a ticket with direct addresses only. */
  static readonly ONLINE_WAIT_MS = 5000;

  /** An endpoint binds here (both sides need it); a relay answers when online (advice: direct paths work without). */
  async readiness(): Promise<ReadinessCheck[]> {
    const bind = async (): Promise<ReadinessCheck> => {
      const started = Date.now();
      const probe = new IrohTransport({ relay: false });
      try {
        const listener = await withTimeout(probe.listen(), 10_000, 'binding');
        await listener.close();
        return { label: 'iroh endpoint binds', status: 'ok', need: 'both', detail: `${Date.now() - started} ms` };
      } catch (err) {
        return { label: 'iroh endpoint binds', status: 'fail', need: 'both', detail: firstLine(err), install: 'nothing: check UDP sockets are allowed' };
      } finally {
        await probe.close();
      }
    };
    const relay = async (): Promise<ReadinessCheck> => {
      const resolved = await withTimeout(Promise.any(N0_RELAYS.map((h) => lookup(h).then(() => h))), 2000, 'resolving').catch(() => undefined);
      if (!resolved) return { label: 'offline: relay not checked', status: 'info', need: 'advice' };
      return pingRelay(`https://${resolved}`, resolved, 'nothing: allow outgoing HTTPS/UDP');
    };
    const relays = this.options.relay;
    if (relays === false) return Promise.all([bind(), Promise.resolve<ReadinessCheck>({ label: 'relays off: direct connections only', status: 'info', need: 'advice' })]);
    if (relays === true) return Promise.all([bind(), relay()]);
    // Self-hosted relays: each one is asked, by the name the user gave.
    return Promise.all([bind(), ...relays.map((url) => pingRelay(url, url, 'nothing: check the relay URL and that the relay server runs'))]);
  }

  validateAddress(address: string): void {
    try {
      EndpointTicket.fromString(address);
    } catch {
      throw new InvalidTicket('the ticket is damaged (its address part does not parse); copy it again in full');
    }
  }

  #builder(alpns: number[][]): Iroh.EndpointBuilder {
    const b = Endpoint.builder();
    const relay = this.options.relay;
    if (relay === true) {
      b.applyN0();
    } else if (relay === false) {
      b.applyMinimal();
      b.relayMode(RelayMode.disabled());
    } else {
      b.applyMinimal();
      b.relayMode(guardedSync('the relay list', () => RelayMode.customFromUrls([...relay])));
    }
    if (alpns.length) b.alpns(alpns);
    if (this.options.secretKey) b.secretKey(toByteArray(this.options.secretKey));
    return b;
  }

  async #bind(alpns: number[][]): Promise<Iroh.Endpoint> {
    const { preferBindAddr, bindAddr } = this.options;
    if (preferBindAddr && alpns.length) {
      const b = this.#builder(alpns);
      b.bindAddr(preferBindAddr);
      try {
        const ep = await b.bind();
        this.#endpoints.add(ep);
        return ep;
      } catch {
        /* taken or gone: bind as asked instead */
      }
    }
    const b = this.#builder(alpns);
    if (bindAddr) b.bindAddr(bindAddr);
    try {
      const ep = await b.bind();
      this.#endpoints.add(ep);
      return ep;
    } catch (err) {
      throw new TransportFailed(`cannot bind the iroh endpoint${bindAddr ? ` to ${bindAddr}` : ''}: ${firstLine(err)}`, { cause: err });
    }
  }

  async listen(): Promise<HostListener> {
    const ep = await this.#bind([ALPN_BYTES]);
    let relayReached: boolean | undefined;
    if (this.options.relay !== false) {
      // Give the endpoint a moment to learn its relay so the ticket carries it;
      // offline, online() never resolves, so never wait on it unbounded.
      relayReached = await withTimeout(ep.online(), IrohTransport.ONLINE_WAIT_MS, 'going online').then(
        () => true,
        () => false,
      );
    }
    const inbox = new StreamInbox();
    const connections = new Set<Iroh.Connection>();
    let closed = false;

    const serveConnection = async (conn: Iroh.Connection): Promise<void> => {
      connections.add(conn);
      const info = peerInfo(conn);
      try {
        for (;;) {
          const bi = await conn.acceptBi();
          inbox.push(new IrohPeerStream(info, bi));
        }
      } catch {
        /* connection closed */
      } finally {
        connections.delete(conn);
      }
    };

    void (async () => {
      while (!closed) {
        let incoming: Iroh.Incoming | null;
        try {
          incoming = await ep.acceptNext();
        } catch {
          break;
        }
        if (!incoming) break;
        void (async () => {
          try {
            const accepting = await incoming.accept();
            const conn = await withTimeout(accepting.connect(), 15_000, 'handshake');
            if (Buffer.from(conn.alpn()).toString() !== PIXELPASS_ALPN) {
              conn.close(1n, toByteArray(Buffer.from('wrong protocol')));
              return;
            }
            await serveConnection(conn);
          } catch {
            /* a failed handshake concerns only that peer */
          }
        })();
      }
      inbox.close();
    })();

    return {
      address: EndpointTicket.fromAddr(ep.addr()).toString(),
      id: ep.id().toString(),
      localAddresses: ep.boundSockets(),
      relayReached,
      streams: () => inbox,
      close: async (reason = { code: 0, reason: 'host closed' }) => {
        closed = true;
        for (const c of connections) c.close(BigInt(reason.code), toByteArray(Buffer.from(reason.reason)));
        inbox.close();
        this.#endpoints.delete(ep);
        await ep.close().catch(() => undefined);
      },
    };
  }

  async dial(address: string): Promise<ViewerConnection> {
    this.validateAddress(address);
    const addr = EndpointTicket.fromString(address).endpointAddr();
    this.#client ??= this.#bind([]);
    const ep = await this.#client;
    let conn: Iroh.Connection;
    try {
      conn = await withTimeout(ep.connect(addr, ALPN_BYTES), this.options.dialTimeoutMs ?? 20_000, 'connecting to the host');
    } catch (err) {
      throw new TransportFailed(`cannot connect to the host: ${firstLine(err)}`, { cause: err });
    }
    const closed = conn.closed().then(
      (text) => connectionEnd(text),
      (err: unknown): ConnectionEnd => ({ kind: 'lost', detail: firstLine(err) }),
    );
    return {
      peer: peerInfo(conn),
      closed,
      openStream: async () =>
        new IrohPeerStream(peerInfo(conn), await guarded('opening a stream', () => withTimeout(conn.openBi(), 10_000, 'opening a stream'))),
      close: async () => conn.close(BigInt(VIEWER_LEFT.code), toByteArray(Buffer.from(VIEWER_LEFT.reason))),
    };
  }

  /** Closes every endpoint this transport bound. */
  async close(): Promise<void> {
    const eps = [...this.#endpoints];
    this.#endpoints.clear();
    this.#client = undefined;
    await Promise.allSettled(eps.map((e) => e.close()));
  }
}
