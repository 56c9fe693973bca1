import type { Diagnosable } from './readiness.js';

/** What a publish target speaks: SRT carries the hub's MPEG-TS as it is, RTMP needs it remuxed to FLV. */
export type PublishProtocol = 'srt' | 'rtmp';

/**
 * A media server to publish the stream to (`--publish`), checked by
 * `parsePublishTarget`. `url` carries credentials (an SRT stream id or
 * passphrase, an RTMP stream key, user:pass@): it goes to the adapter only;
 * everything shown to a person uses `redacted` or `name`.
 */
export interface PublishTarget {
  /** The URL exactly as given. Never log it. */
  readonly url: string;
  readonly protocol: PublishProtocol;
  /** `scheme://host:port` (RTMP: plus the application): the target's short name in the status line. */
  readonly name: string;
  /** The URL with every credential replaced by `***`. */
  readonly redacted: string;
  /** Every credential in the URL (raw and percent-decoded), to scrub them from a program's messages. */
  readonly secrets: readonly string[];
}

/** One connection to a media server, fed whole MPEG-TS packets. */
export interface PublishConnection {
  /** Resolves once the server took the stream; never rejects (it may stay pending: see `ended`). */
  readonly connected: Promise<void>;
  /** Resolves when the connection is over: '' after `close()`, else why, with no credential in it. */
  readonly ended: Promise<string>;
  /** Takes TS packets; resolves when they are taken (backpressure), rejects once the connection is gone. */
  write(bytes: Uint8Array): Promise<void>;
  /** Ends the stream cleanly (the server sees it finish), forcibly after a grace period. Idempotent. */
  close(): Promise<void>;
}

/** Sends a stream to media servers (the process or library that speaks their protocols). */
export interface Publisher extends Partial<Diagnosable> {
  readonly id: string;
  /** Throws MissingDependency when what these protocols need is not installed; asked before the host starts. */
  check?(protocols: readonly PublishProtocol[]): Promise<void>;
  /**
   * Starts one connection attempt. Throws only when it cannot even start;
   * a server that cannot be reached shows as `ended` without `connected`.
   * Aborting `signal` ends the connection at once (no clean finish).
   */
  open(target: PublishTarget, signal: AbortSignal): Promise<PublishConnection>;
}
