import { TransportFailed } from './errors.js';
import type { Logger } from './logger.js';
import type { PeerStream, Transport, ViewerConnection } from './ports/transport.js';
import { INFO_PATH, parseHostInfo, tunnelRequest, type HostInfo } from './stream-gate.js';

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
        if (this.#closed || Date.now() + delay > deadline) {
          throw new TransportFailed(`cannot reach the host: ${(err as Error).message}`, { cause: err });
        }
        this.log.warn(`connection to the host lost (${(err as Error).message}); retrying in ${delay} ms`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, this.options.maxDelayMs);
      }
    }
  }

  /** Asks the host who it is (for the player's title); undefined when it cannot tell. */
  async hostInfo(secret: Uint8Array, timeoutMs = 3000): Promise<HostInfo | undefined> {
    let stream: PeerStream | undefined;
    let timer: NodeJS.Timeout | undefined;
    const exchange = (async () => {
      stream = await (await this.#ensure()).openStream();
      await stream.writeBytes(tunnelRequest(secret, INFO_PATH));
      let response = new Uint8Array(0);
      for (;;) {
        const more = await stream.read(4096);
        if (more === null || response.length > 16_384) break;
        response = Buffer.concat([response, more]);
      }
      return parseHostInfo(response);
    })();
    try {
      return await Promise.race([
        exchange,
        new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs))),
      ]);
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
      exchange.catch(() => undefined);
      stream?.abort();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const conn = this.#connection;
    this.#connection = undefined;
    await conn?.close().catch(() => undefined);
  }

  #drop(): void {
    const conn = this.#connection;
    this.#connection = undefined;
    void conn?.close().catch(() => undefined);
  }

  async #ensure(): Promise<ViewerConnection> {
    if (this.#closed) throw new TransportFailed('viewer is closing');
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
      void conn.closed.then((reason) => {
        if (this.#connection === conn) {
          this.#connection = undefined;
          if (!this.#closed) this.log.warn(`connection to the host closed: ${reason}`);
        }
      });
    }
    return conn;
  }
}
