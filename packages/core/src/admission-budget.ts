/**
 * What a peer may cost the host before it has shown the ticket secret, in the
 * spirit of OpenSSH's MaxStartups, LoginGraceTime and PerSourcePenalties.
 * Anyone who knows the host's endpoint id (it is public) can connect, so
 * everything such a peer can make the host hold is counted and capped here;
 * a connection is "authenticated" once one of its streams presented the secret.
 * As much as possible is decided before the handshake, by source address: a
 * refused attempt costs nothing, while every completed handshake leaves the
 * binding holding memory until the garbage collector gets to it.
 * Pure bookkeeping: the caller supplies the clock and does the closing.
 */
import { TokenBucket } from './token-bucket.js';

export interface AdmissionLimits {
  /** Connections in total, authenticated or not (the hard bound on what the host holds). */
  readonly maxConnections: number;
  /** Connections that have not presented the secret yet, handshakes in progress included. */
  readonly maxUnauthenticated: number;
  /** The same, per peer (endpoint id); fresh ids are free, so the total above is what really bounds. */
  readonly maxUnauthenticatedPerPeer: number;
  /** Streams whose request is being read or refused, in total and per connection. */
  readonly maxPendingStreams: number;
  readonly maxPendingStreamsPerConnection: number;
  /** An unauthenticated connection is closed this long after its handshake. */
  readonly graceMs: number;
  /** Refusals on unauthenticated connections within `strikeWindowMs` that bar a peer. */
  readonly strikes: number;
  readonly strikeWindowMs: number;
  /** First bar; each further bar of the same peer doubles it, up to `maxPenaltyMs`. */
  readonly penaltyMs: number;
  readonly maxPenaltyMs: number;
  /** Peers and source addresses remembered (oldest forgotten first): bounded whatever the attacker does. */
  readonly maxTrackedPeers: number;
  /** Handshakes begun, in total and per source address: at most `burst` at once, then `perSecond`. */
  readonly handshakes: { readonly burst: number; readonly perSecond: number };
  readonly handshakesPerSource: { readonly burst: number; readonly perSecond: number };
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = {
  maxConnections: 128,
  maxUnauthenticated: 32,
  maxUnauthenticatedPerPeer: 4,
  maxPendingStreams: 128,
  maxPendingStreamsPerConnection: 8,
  graceMs: 10_000,
  strikes: 3,
  strikeWindowMs: 60_000,
  penaltyMs: 30_000,
  maxPenaltyMs: 600_000,
  maxTrackedPeers: 4096,
  handshakes: { burst: 64, perSecond: 32 },
  handshakesPerSource: { burst: 16, perSecond: 4 },
};

/** Why a connection or stream was not let in; the words go into the aggregated log line. */
export type AdmissionRefusal =
  | 'too many connections'
  | 'too many unauthenticated connections'
  | 'too many unauthenticated connections from this peer'
  | 'too many connection attempts'
  | 'too many connection attempts from this address'
  | 'barred after repeated refusals'
  | 'too many streams at once';

export type Admission = { readonly ok: true } | { readonly ok: false; readonly reason: AdmissionRefusal };

const OK: Admission = { ok: true };
const no = (reason: AdmissionRefusal): Admission => ({ ok: false, reason });

interface ConnectionState {
  readonly peerId: string;
  readonly source: string | undefined;
  readonly openedAt: number;
  authenticated: boolean;
  pendingStreams: number;
}

interface PeerRecord {
  strikeTimes: number[];
  bars: number;
  barredUntil: number;
}

/**
 * What penalties and rates are counted by: an IPv4 address, or an IPv6 /64
 * (one subscriber's network, and what an attacker gets for free); a relay
 * (`undefined` here) is many peers, so it is counted by endpoint id only.
 */
export function sourceKey(ipAndPort: string): string {
  const host = ipAndPort.startsWith('[') ? ipAndPort.slice(1, ipAndPort.indexOf(']')) : ipAndPort.replace(/:\d+$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (mapped) return mapped[1]!;
  if (!host.includes(':')) return host;
  const noZone = host.replace(/%.*$/, '');
  const [head = '', tail = ''] = noZone.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = noZone.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** A Map used as a bounded LRU: re-set on use, oldest dropped past `max`. */
function touch<K, V>(map: Map<K, V>, key: K, value: V, max: number): V {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value!);
  return value;
}

export class AdmissionBudget {
  readonly #connections = new Map<number, ConnectionState>();
  readonly #peers = new Map<string, PeerRecord>();
  readonly #sources = new Map<string, PeerRecord>();
  readonly #sourceRates = new Map<string, TokenBucket>();
  readonly #handshakeRate: TokenBucket;
  #handshakes = 0;
  #unauthenticated = 0;
  #pendingStreams = 0;

  constructor(
    readonly limits: AdmissionLimits = DEFAULT_ADMISSION_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.#handshakeRate = new TokenBucket(limits.handshakes.burst, 1000 / limits.handshakes.perSecond, now);
  }

  /**
   * Before any crypto, knowing only where the attempt comes from (`source`: see
   * `sourceKey`; undefined through a relay): room for one more handshake? A true
   * reserves a place, given back by `opened` or `handshakeFailed`.
   */
  startHandshake(source?: string): Admission {
    if (source !== undefined) {
      const record = this.#sources.get(source);
      if (record && record.barredUntil > this.now()) return no('barred after repeated refusals');
    }
    if (this.#connections.size + this.#handshakes >= this.limits.maxConnections) return no('too many connections');
    if (this.#unauthenticated + this.#handshakes >= this.limits.maxUnauthenticated) return no('too many unauthenticated connections');
    if (source !== undefined) {
      const { burst, perSecond } = this.limits.handshakesPerSource;
      const bucket = this.#sourceRates.get(source) ?? new TokenBucket(burst, 1000 / perSecond, this.now);
      touch(this.#sourceRates, source, bucket, this.limits.maxTrackedPeers);
      if (!bucket.take()) return no('too many connection attempts from this address');
    }
    if (!this.#handshakeRate.take()) return no('too many connection attempts');
    this.#handshakes++;
    return OK;
  }

  /** The handshake failed (or was not finished in time): its place is given back. */
  handshakeFailed(): void {
    this.#handshakes = Math.max(0, this.#handshakes - 1);
  }

  /**
   * After the handshake, now that the peer's id is known: takes over the
   * handshake's place. A refusal means: close it at once.
   */
  opened(connectionId: number, peerId: string, source?: string): Admission {
    this.handshakeFailed();
    const now = this.now();
    const record = this.#peers.get(peerId);
    if (record && record.barredUntil > now) return no('barred after repeated refusals');
    let fromPeer = 0;
    for (const c of this.#connections.values()) if (!c.authenticated && c.peerId === peerId) fromPeer++;
    if (fromPeer >= this.limits.maxUnauthenticatedPerPeer) return no('too many unauthenticated connections from this peer');
    if (this.#connections.size >= this.limits.maxConnections) return no('too many connections');
    if (this.#unauthenticated + this.#handshakes >= this.limits.maxUnauthenticated) return no('too many unauthenticated connections');
    this.#connections.set(connectionId, { peerId, source, openedAt: now, authenticated: false, pendingStreams: 0 });
    this.#unauthenticated++;
    return OK;
  }

  closed(connectionId: number): void {
    const c = this.#connections.get(connectionId);
    if (!c) return;
    this.#connections.delete(connectionId);
    if (!c.authenticated) this.#unauthenticated--;
    this.#pendingStreams -= c.pendingStreams;
  }

  /** A stream arrived: may its request be read? A true counts it until `streamDone`. */
  streamOpened(connectionId: number): Admission {
    const c = this.#connections.get(connectionId);
    if (!c) return no('too many streams at once');
    if (c.pendingStreams >= this.limits.maxPendingStreamsPerConnection || this.#pendingStreams >= this.limits.maxPendingStreams) {
      return no('too many streams at once');
    }
    c.pendingStreams++;
    this.#pendingStreams++;
    return OK;
  }

  /** The stream's request was answered (accepted, refused, or the stream failed). */
  streamDone(connectionId: number): void {
    const c = this.#connections.get(connectionId);
    if (!c || c.pendingStreams === 0) return;
    c.pendingStreams--;
    this.#pendingStreams--;
  }

  /** A stream of this connection presented the secret: its pre-authentication limits are lifted. */
  authenticated(connectionId: number): void {
    const c = this.#connections.get(connectionId);
    if (!c || c.authenticated) return;
    c.authenticated = true;
    this.#unauthenticated--;
  }

  isAuthenticated(connectionId: number): boolean {
    return this.#connections.get(connectionId)?.authenticated ?? false;
  }

  /**
   * A request on this connection was refused. On an unauthenticated connection
   * that is a strike for its peer (enough strikes bar it) and the connection
   * is to be closed once the answer is delivered: returns true for that.
   */
  refused(connectionId: number): boolean {
    const c = this.#connections.get(connectionId);
    if (!c || c.authenticated) return false;
    this.#strike(this.#peers, c.peerId);
    if (c.source !== undefined) this.#strike(this.#sources, c.source);
    return true;
  }

  /** A peer went over a budget before authenticating: a strike too (for its address, when known). */
  strike(peerId: string, source?: string): void {
    this.#strike(this.#peers, peerId);
    if (source !== undefined) this.#strike(this.#sources, source);
  }

  /** The source a connection came from, as `opened` was told. */
  sourceOf(connectionId: number): string | undefined {
    return this.#connections.get(connectionId)?.source;
  }

  /** Unauthenticated connections past their grace: the caller closes them. */
  expired(): number[] {
    const deadline = this.now() - this.limits.graceMs;
    const out: number[] = [];
    for (const [id, c] of this.#connections) if (!c.authenticated && c.openedAt <= deadline) out.push(id);
    return out;
  }

  /** For tests and the host's status: what is held now. */
  usage(): { connections: number; unauthenticated: number; handshakes: number; pendingStreams: number; trackedPeers: number } {
    return {
      connections: this.#connections.size,
      unauthenticated: this.#unauthenticated,
      handshakes: this.#handshakes,
      pendingStreams: this.#pendingStreams,
      trackedPeers: this.#peers.size,
    };
  }

  #strike(records: Map<string, PeerRecord>, key: string): void {
    const now = this.now();
    // Re-inserted, so the Map's order is least recently struck first.
    const record = touch(records, key, records.get(key) ?? { strikeTimes: [], bars: 0, barredUntil: 0 }, this.limits.maxTrackedPeers);
    record.strikeTimes = record.strikeTimes.filter((t) => now - t < this.limits.strikeWindowMs);
    record.strikeTimes.push(now);
    if (record.strikeTimes.length >= this.limits.strikes && record.barredUntil <= now) {
      record.bars++;
      record.barredUntil = now + Math.min(this.limits.maxPenaltyMs, this.limits.penaltyMs * 2 ** (record.bars - 1));
      record.strikeTimes = [];
    }
  }
}
