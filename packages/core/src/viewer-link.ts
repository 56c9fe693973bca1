import { errorMessage, TransportFailed } from './errors.js';
import type { Logger } from './logger.js';
import type { ConnectionEnd, PeerStream, Transport, ViewerConnection } from './ports/transport.js';
import { HOST_STOPPED } from './tunnel-protocol.js';

export interface ViewerLinkOptions {
  /** Backoff between redials: first delay, doubling up to the max. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** Give up on one openStream() after this long without a connection. */
  readonly giveUpAfterMs: number;
}

export const DEFAULT_VIEWER_LINK: ViewerLinkOptions = { firstDelayMs: 250, maxDelayMs: 4000, giveUpAfterMs: 60_000 };

/**
 * The viewer's connection to the host, redialled with backoff when it drops, so
 * that a player (re)connecting to the local URL gets a stream whenever the host
 * is reachable again.
 */
export class ViewerLink {
  #connection: ViewerConnection | undefined;
  #dialing: Promise<ViewerConnection> | undefined;
  #closed = false;
  #everConnected = false;
  #hostStopped = false;
  #onHostStopped: Array<() => void> = [];
  reconnects = 0;

  constructor(
    private readonly transport: Transport,
    private readonly address: string,
    private readonly log: Logger,
    private readonly options: ViewerLinkOptions = DEFAULT_VIEWER_LINK,
  ) {}

  get connection(): ViewerConnection | undefined {
    return this.#connection;
  }

  /** The host ended the connection on purpose (it stopped sharing): no redial. */
  get hostStopped(): boolean {
    return this.#hostStopped;
  }

  onHostStopped(fn: () => void): void {
    this.#onHostStopped.push(fn);
  }

  /** First connection; fails fast so a wrong ticket is reported at once. */
  async connect(): Promise<ViewerConnection> {
    return this.#ensure();
  }

  async openStream(): Promise<PeerStream> {
    const deadline = Date.now() + this.options.giveUpAfterMs;
    let delay = this.options.firstDelayMs;
    for (;;) {
      try {
        const conn = await this.#ensure();
        return await conn.openStream();
      } catch (err) {
        this.#drop();
        if (this.#hostStopped) throw new TransportFailed(HOST_STOPPED.reason, { cause: err });
        if (this.#closed || Date.now() + delay > deadline) {
          throw new TransportFailed(`cannot reach the host: ${errorMessage(err)}`, { cause: err });
        }
        this.log.warn(`connection to the host lost (${errorMessage(err)}); retrying in ${delay} ms`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, this.options.maxDelayMs);
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const conn = this.#connection;
    this.#connection = undefined;
    await conn?.close().catch(() => undefined);
  }

  #ended(conn: ViewerConnection, end: ConnectionEnd): void {
    if (this.#connection !== conn) return;
    this.#connection = undefined;
    if (this.#closed) return;
    if (end.kind === 'closed-by-peer' && end.code === HOST_STOPPED.code) {
      this.#hostStopped = true;
      for (const fn of this.#onHostStopped.splice(0)) fn();
      return;
    }
    this.log.warn(`connection to the host closed: ${describeEnd(end)}`);
  }

  #drop(): void {
    const conn = this.#connection;
    this.#connection = undefined;
    void conn?.close().catch(() => undefined);
  }

  async #ensure(): Promise<ViewerConnection> {
    if (this.#closed) throw new TransportFailed('viewer is closing');
    if (this.#hostStopped) throw new TransportFailed(HOST_STOPPED.reason);
    if (this.#connection) return this.#connection;
    if (!this.#dialing) {
      this.#dialing = this.transport.dial(this.address).finally(() => (this.#dialing = undefined));
    }
    const conn = await this.#dialing;
    if (this.#connection !== conn) {
      this.#connection = conn;
      if (this.#everConnected) {
        this.reconnects++;
        this.log.info('reconnected to the host');
      }
      this.#everConnected = true;
      void conn.closed.then((end) => this.#ended(conn, end));
    }
    return conn;
  }
}

/** A connection's end in words, for the log. */
export function describeEnd(end: ConnectionEnd): string {
  switch (end.kind) {
    case 'closed-by-peer':
      return end.reason || `closed by the host (code ${end.code})`;
    case 'closed-here':
      return 'closed';
    case 'lost':
      return end.detail;
  }
}
