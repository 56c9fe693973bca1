import type * as Iroh from '@number0/iroh';

export interface HeartbeatOptions {
  /** A ping datagram this often. */
  readonly everyMs: number;
  /** Nothing from the peer for this long: it is gone. */
  readonly silenceMs: number;
}

/**
 * QUIC notices a dead peer only at its idle timeout (35 s here), and a killed
 * viewer held its slot for 20 s. Both sides send a tiny datagram every second
 * and give the connection up after a few silent seconds: longer than a short
 * network outage a connection should survive, far shorter than the idle timeout.
 */
export const HEARTBEAT_DEFAULTS: HeartbeatOptions = { everyMs: 1000, silenceMs: 6000 };

/** The close code of a connection whose peer went silent. */
export const NO_HEARTBEAT = { code: 4, reason: 'nothing heard from the other side' } as const;

const PING = [0x70];

/** Whether a peer last heard at `lastHeard` counts as gone at `now`. */
export function isSilent(lastHeard: number, now: number, silenceMs: number): boolean {
  return now - lastHeard > silenceMs;
}

/** Pings a connection and calls `onSilent` once when the peer stops sending anything. */
export class Heartbeat {
  #lastHeard: number;
  #stopped = false;
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly conn: Iroh.Connection,
    private readonly options: HeartbeatOptions,
    private readonly onSilent: () => void,
    private readonly now: () => number = Date.now,
  ) {
    this.#lastHeard = now();
    this.#timer = setInterval(() => this.#tick(), options.everyMs);
    this.#timer.unref();
    void this.#listen();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  #tick(): void {
    if (this.#stopped) return;
    if (isSilent(this.#lastHeard, this.now(), this.options.silenceMs)) {
      this.stop();
      this.onSilent();
      return;
    }
    try {
      this.conn.sendDatagram(PING);
    } catch {
      /* closing, or the datagram buffer is full: the next tick tries again */
    }
  }

  /** Any datagram is a sign of life; their content does not matter. */
  async #listen(): Promise<void> {
    try {
      while (!this.#stopped) {
        await this.conn.readDatagram();
        this.#lastHeard = this.now();
      }
    } catch {
      /* connection closed */
    }
  }
}
