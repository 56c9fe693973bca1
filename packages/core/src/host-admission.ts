import { AdmissionBudget, DEFAULT_ADMISSION_LIMITS, sourceKey, type AdmissionLimits } from './admission-budget.js';
import type { Logger } from './logger.js';
import type { ConnectionAdmission, IncomingStream, PeerConnection } from './ports/transport.js';
import { RefusalLog, type RefusedUnit } from './refusal-log.js';

/** How an unauthenticated connection is closed after its refusal, or when its grace ran out. */
export const CONNECTION_CLOSED_UNAUTHENTICATED = { code: 3, reason: 'the host refused this connection' } as const;

/** How long a refusal may take to reach the peer before its connection is closed anyway. */
const REFUSAL_DELIVERY_MS = 2000;

export interface HostAdmissionOptions {
  readonly limits?: Partial<AdmissionLimits>;
  readonly now?: () => number;
  /** How often grace periods are checked and refusal summaries written. */
  readonly sweepEveryMs?: number;
}

/**
 * The host's pre-authentication budgets at work: answers the listener about
 * every connection (`ConnectionAdmission`), and the gate about every stream;
 * closes what the budget says to close; writes refusals through the
 * aggregating log. The decisions are `AdmissionBudget`'s.
 */
export class HostAdmission implements ConnectionAdmission {
  readonly budget: AdmissionBudget;
  readonly #refusals: RefusalLog;
  readonly #connections = new Map<number, PeerConnection>();
  readonly #sweepEveryMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    options: HostAdmissionOptions = {},
  ) {
    const now = options.now ?? Date.now;
    this.budget = new AdmissionBudget({ ...DEFAULT_ADMISSION_LIMITS, ...options.limits }, now);
    this.#refusals = new RefusalLog(now);
    this.#sweepEveryMs = options.sweepEveryMs ?? 1000;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.sweep(), this.#sweepEveryMs);
    this.#timer.unref();
  }

  /** Stops the sweeps and says what the refusal log still counted. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const line of this.#refusals.flush(true)) this.log.warn(line);
  }

  /** Closes unauthenticated connections past their grace; writes the refusal summaries that are due. */
  sweep(): void {
    for (const id of this.budget.expired()) {
      const c = this.#connections.get(id);
      if (!c) continue;
      this.refusal('connection', 'no valid request within the grace period', c.peer.id, `closed a connection from ${c.peer.shortId}: no valid request within ${Math.round(this.budget.limits.graceMs / 1000)} s`);
      this.budget.strike(c.peer.id, this.budget.sourceOf(id));
      this.#connections.delete(id);
      c.close(CONNECTION_CLOSED_UNAUTHENTICATED);
    }
    for (const line of this.#refusals.flush()) this.log.warn(line);
  }

  beforeHandshake(remoteAddress?: string): boolean {
    const source = remoteAddress === undefined ? undefined : sourceKey(remoteAddress);
    const a = this.budget.startHandshake(source);
    if (!a.ok) this.refusal('connection', a.reason, source ?? 'relay', `refused a connection${source ? ` from ${source}` : ''}: ${a.reason}`);
    return a.ok;
  }

  handshakeFailed(): void {
    this.budget.handshakeFailed();
  }

  opened(connection: PeerConnection): boolean {
    const a = this.budget.opened(connection.id, connection.peer.id, connection.remoteAddress === undefined ? undefined : sourceKey(connection.remoteAddress));
    if (!a.ok) {
      this.refusal('connection', a.reason, connection.peer.id, `refused a connection from ${connection.peer.shortId}: ${a.reason}`);
      return false;
    }
    this.#connections.set(connection.id, connection);
    return true;
  }

  closed(connection: PeerConnection): void {
    this.budget.closed(connection.id);
    this.#connections.delete(connection.id);
  }

  /**
   * A stream arrived: false when it is over budget (it is reset here, with no
   * answer: that costs least; a connection that is not authenticated goes with it).
   */
  streamArrived(stream: IncomingStream): boolean {
    const { connection } = stream;
    const a = this.budget.streamOpened(connection.id);
    if (a.ok) return true;
    stream.abort();
    this.refusal('stream', a.reason, connection.peer.id, `refused a stream from ${connection.peer.shortId}: ${a.reason}`);
    if (!this.budget.isAuthenticated(connection.id)) {
      this.budget.strike(connection.peer.id, this.budget.sourceOf(connection.id));
      connection.close(CONNECTION_CLOSED_UNAUTHENTICATED);
    }
    return false;
  }

  /** The stream's request has been dealt with: it no longer counts as pending. */
  streamDone(stream: IncomingStream): void {
    this.budget.streamDone(stream.connection.id);
  }

  /** The stream presented the secret: its connection is a viewer's. */
  authenticated(stream: IncomingStream): void {
    this.budget.authenticated(stream.connection.id);
  }

  /**
   * A request was refused and its answer written: logged (aggregated); on a
   * connection that never presented the secret, a strike for its peer, and the
   * connection is closed once the answer got there (or a moment later).
   */
  async refused(stream: IncomingStream, reason: string, line: string): Promise<void> {
    const { connection } = stream;
    this.refusal('stream', reason, connection.peer.id, line);
    if (!this.budget.refused(connection.id)) return;
    await stream.delivered(REFUSAL_DELIVERY_MS);
    connection.close(CONNECTION_CLOSED_UNAUTHENTICATED);
  }

  /** Logs a refusal through the aggregating log: the first of a kind now, the rest summed up. */
  refusal(unit: RefusedUnit, reason: string, peerId: string, line: string): void {
    const now = this.#refusals.record(unit, reason, peerId, line);
    if (now) this.log.warn(now);
  }
}
