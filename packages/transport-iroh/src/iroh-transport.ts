import { lookup } from 'node:dns/promises';
import irohModule from '@number0/iroh';
import type * as Iroh from '@number0/iroh';
import {
  ClosedByPeer,
  InvalidTicket,
  UsageError,
  VIEWER_LEFT,
  type ConnectionAdmission,
  type ConnectionEnd,
  TransportFailed,
  type HostListener,
  type IncomingStream,
  type MediaChunk,
  type PathInfo,
  type PeerConnection,
  type PeerInfo,
  type PeerStream,
  type ReadinessCheck,
  type Transport,
  type ViewerConnection,
  errorMessage,
  parseBindAddress,
} from '@pixelpass/core';
import { Heartbeat, HEARTBEAT_DEFAULTS, NO_HEARTBEAT, type HeartbeatOptions } from './heartbeat.js';

// The binding is CommonJS; take its named exports from the default export.
const { Endpoint, EndpointAddr, EndpointTicket, RelayMode } = irohModule as typeof Iroh;

function ticketAddr(addr: Iroh.EndpointAddr, bind: string | undefined): Iroh.EndpointAddr {
  return bind ? new EndpointAddr(addr.id(), addr.relayUrl(), ticketAddresses(addr.directAddresses(), bind)) : addr;
}

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
  /** host:port to bind, e.g. "127.0.0.1:0" in tests: only there (see `bindAddresses`). */
  readonly bindAddr?: string | undefined;
  /** Tried before bindAddr (a kept ticket's port); when it cannot be bound, bindAddr is used. */
  readonly preferBindAddr?: string | undefined;
  /** How long a dial may take before failing. */
  readonly dialTimeoutMs?: number;
  /** Both sides ping every connection; a peer silent this long is gone (killed, unplugged). */
  readonly heartbeat?: HeartbeatOptions;
}

/** Incoming streams open at once per connection (a viewer uses one or two). */
const MAX_STREAMS_PER_CONNECTION = 16n;
/** A handshake must finish within this. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** A connection the host's admission turned away. */
const CONNECTION_REFUSED = { code: 3, reason: 'the host refused this connection' } as const;

/**
 * What to hand iroh for `--bind <addr:port>`. iroh binds an IPv4 and an IPv6
 * socket on the unspecified addresses (every interface) and a bind address
 * replaces only its own family's, and this binding cannot drop the other: so
 * the other family goes to its loopback, never to every interface (and out of
 * the ticket: see `ticketAddresses`).
 */
export function bindAddresses(bind: string): string[] {
  const b = bind.trim();
  return parseBindAddress(b).family === 4 ? [b, '[::1]:0'] : [b, '127.0.0.1:0'];
}

/**
 * The direct addresses a ticket lists: with `--bind`, only its family's (the
 * other family's loopback socket is not for peers, and its random port would
 * change a kept ticket on every run).
 */
export function ticketAddresses(direct: readonly string[], bind: string | undefined): string[] {
  if (!bind) return [...direct];
  const family = parseBindAddress(bind).family;
  return direct.filter((a) => (a.startsWith('[') ? 6 : 4) === family);
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
  #stopped = false;
  #inFlight: Promise<void> | undefined;
  #readAhead: Promise<number[]> | undefined;
  #leftover: Buffer | undefined;

  constructor(
    readonly peer: PeerInfo,
    private readonly bi: Iroh.BiStream,
  ) {}

  /** How much the read-ahead asks for: enough for a burst, independent of the caller's size. */
  static readonly READ_AHEAD_BYTES = 256 * 1024;
  /**
   * Reads smaller than this get no read-ahead: the binding allocates a read's
   * whole buffer up front, so a host reading request heads and feedback keeps
   * only small reads pending (a peer without the secret cannot make it hold
   * 256 KiB per stream); the viewer reading media asks for more and gets it.
   */
  static readonly READ_AHEAD_FROM_BYTES = 64 * 1024;

  async read(maxBytes: number): Promise<Uint8Array | null> {
    if (this.#stopped) return null;
    let data: Buffer;
    if (this.#leftover) {
      data = this.#leftover;
      this.#leftover = undefined;
    } else {
      const pending = this.#readAhead ?? this.#startRead(maxBytes);
      this.#readAhead = undefined;
      const raw = await guarded('read', () => pending);
      if (raw.length === 0) return null;
      data = fromByteArray(raw);
      if (maxBytes >= IrohPeerStream.READ_AHEAD_FROM_BYTES && !this.#stopped) this.#readAhead = this.#startRead(maxBytes);
    }
    if (data.length > maxBytes) {
      this.#leftover = data.subarray(maxBytes);
      return data.subarray(0, maxBytes);
    }
    return data;
  }

  #startRead(maxBytes: number): Promise<number[]> {
    const p = this.bi.recv.read(Math.max(1, Math.min(maxBytes, IrohPeerStream.READ_AHEAD_BYTES)));
    // Nobody may be waiting on it (the caller stopped reading, or aborted).
    p.catch(() => undefined);
    return p;
  }

  stopReading(): void {
    if (this.#stopped || this.#aborted) return;
    this.#stopped = true;
    this.#leftover = undefined;
    this.bi.recv.stop(0n).catch(() => undefined);
  }

  async delivered(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const sent = (this.#inFlight ?? Promise.resolve()).then(() => this.bi.send.stopped());
    await Promise.race([sent.catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
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
    if (!this.#stopped) this.bi.recv.stop(0n).catch(() => undefined);
  }
}

/** A stream a viewer opened to the host, with the connection the host's budgets count it on. */
class IncomingIrohStream extends IrohPeerStream implements IncomingStream {
  constructor(
    readonly connection: PeerConnection,
    bi: Iroh.BiStream,
  ) {
    super(connection.peer, bi);
  }
}

/** Merges the bi-streams of every connection into one async iterable. */
class StreamInbox {
  #items: IncomingStream[] = [];
  #waiters: Array<(v: IteratorResult<IncomingStream>) => void> = [];
  #closed = false;

  push(s: IncomingStream): void {
    const w = this.#waiters.shift();
    if (w) w({ value: s, done: false });
    else this.#items.push(s);
  }

  close(): void {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w({ value: undefined, done: true });
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<IncomingStream> {
    for (;;) {
      const item = this.#items.shift();
      if (item) {
        yield item;
        continue;
      }
      if (this.#closed) return;
      const next = await new Promise<IteratorResult<IncomingStream>>((r) => this.#waiters.push(r));
      if (next.done) return;
      yield next.value;
    }
  }
}

/** Without a host session's admission (tests, doctor's probe): every connection is let in. */
const ADMIT_ALL: ConnectionAdmission = { beforeHandshake: () => true, handshakeFailed: () => undefined, opened: () => true, closed: () => undefined };

function closeQuietly(conn: Iroh.Connection, reason: { readonly code: number; readonly reason: string }): void {
  try {
    conn.close(BigInt(reason.code), toByteArray(Buffer.from(reason.reason)));
  } catch {
    /* already closed */
  }
}

/**
 * pixelpass opens no uni streams. Left unaccepted, each one a peer opens would
 * keep up to its stream window of bytes buffered; accepted and stopped, they
 * cost nothing, and with their limit at 0 no new ones are allowed.
 */
async function drainUniStreams(conn: Iroh.Connection): Promise<void> {
  try {
    for (;;) {
      const recv = await conn.acceptUni();
      recv.stop(0n).catch(() => undefined);
    }
  } catch {
    /* connection closed */
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
    // A --bind binds only there (the other family on its loopback); a kept
    // ticket's port without one only moves iroh's IPv4 socket to that port.
    const addresses = (addr: string): string[] => (bindAddr ? bindAddresses(addr) : [addr]);
    if (preferBindAddr && alpns.length) {
      const b = this.#builder(alpns);
      for (const addr of addresses(preferBindAddr)) b.bindAddr(addr);
      try {
        const ep = await b.bind();
        this.#endpoints.add(ep);
        return ep;
      } catch {
        /* taken or gone: bind as asked instead */
      }
    }
    const b = this.#builder(alpns);
    try {
      for (const addr of bindAddr ? addresses(bindAddr) : []) b.bindAddr(addr);
      const ep = await b.bind();
      this.#endpoints.add(ep);
      return ep;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new TransportFailed(`cannot bind the iroh endpoint${bindAddr ? ` to ${bindAddr}` : ''}: ${firstLine(err)}`, { cause: err });
    }
  }

  async listen(admission: ConnectionAdmission = ADMIT_ALL): Promise<HostListener> {
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
    const heartbeat = this.options.heartbeat ?? HEARTBEAT_DEFAULTS;
    let nextId = 1;
    let closed = false;

    const serveConnection = async (conn: Iroh.Connection, remoteAddress: string | undefined): Promise<void> => {
      const connection: PeerConnection = {
        id: nextId++,
        peer: peerInfo(conn),
        remoteAddress,
        close: (reason) => closeQuietly(conn, reason),
      };
      if (!admission.opened(connection)) {
        closeQuietly(conn, CONNECTION_REFUSED);
        return;
      }
      connections.add(conn);
      // The peer's stream credit beyond the handshake's; uni streams carry nothing of ours.
      conn.setMaxConcurrentBiStreams(MAX_STREAMS_PER_CONNECTION);
      conn.setMaxConcurrentUniStreams(0n);
      void drainUniStreams(conn);
      const beat = new Heartbeat(conn, heartbeat, () => closeQuietly(conn, NO_HEARTBEAT));
      try {
        for (;;) {
          const bi = await conn.acceptBi();
          inbox.push(new IncomingIrohStream(connection, bi));
        }
      } catch {
        /* connection closed */
      } finally {
        beat.stop();
        connections.delete(conn);
        admission.closed(connection);
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
        const from = await incoming.remoteAddr().then(
          (a) => (a.kind === 'ip' ? a.addr : undefined),
          () => undefined,
        );
        if (!admission.beforeHandshake(from)) {
          // Turned away before any crypto: the cheapest answer there is (a
          // completed handshake leaves the binding holding memory until GC).
          incoming.refuse().catch(() => undefined);
          continue;
        }
        void (async () => {
          let conn: Iroh.Connection;
          try {
            const accepting = await incoming.accept();
            conn = await withTimeout(accepting.connect(), HANDSHAKE_TIMEOUT_MS, 'handshake');
          } catch {
            // A failed handshake concerns only that peer.
            admission.handshakeFailed();
            return;
          }
          if (Buffer.from(conn.alpn()).toString() !== PIXELPASS_ALPN) {
            admission.handshakeFailed();
            closeQuietly(conn, { code: 1, reason: 'wrong protocol' });
            return;
          }
          await serveConnection(conn, from);
        })();
      }
      inbox.close();
    })();

    return {
      address: EndpointTicket.fromAddr(ticketAddr(ep.addr(), this.options.bindAddr)).toString(),
      id: ep.id().toString(),
      localAddresses: ep.boundSockets(),
      relayReached,
      streams: () => inbox,
      close: async (reason = { code: 0, reason: 'host closed' }) => {
        closed = true;
        for (const c of connections) closeQuietly(c, reason);
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
    let silent: ((end: ConnectionEnd) => void) | undefined;
    const heartbeat = this.options.heartbeat ?? HEARTBEAT_DEFAULTS;
    const beat = new Heartbeat(conn, heartbeat, () => {
      silent?.({ kind: 'lost', detail: `the host stopped answering (nothing heard for ${Math.round(heartbeat.silenceMs / 1000)} s)` });
      closeQuietly(conn, NO_HEARTBEAT);
    });
    const closed = Promise.race([
      conn.closed().then(
        (text) => connectionEnd(text),
        (err: unknown): ConnectionEnd => ({ kind: 'lost', detail: firstLine(err) }),
      ),
      new Promise<ConnectionEnd>((resolve) => (silent = resolve)),
    ]).finally(() => beat.stop());
    return {
      peer: peerInfo(conn),
      closed,
      openStream: async () =>
        new IrohPeerStream(peerInfo(conn), await guarded('opening a stream', () => withTimeout(conn.openBi(), 10_000, 'opening a stream'))),
      close: async () => closeQuietly(conn, VIEWER_LEFT),
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
