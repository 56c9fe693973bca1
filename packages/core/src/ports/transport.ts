import type { Diagnosable } from './readiness.js';
import type { MediaChunk } from '../media-chunk.js';

export type PathKind = 'direct' | 'relay' | 'unknown';

export interface PathInfo {
  readonly kind: PathKind;
  readonly rttMs: number | null;
}

export interface PeerInfo {
  /** Full, public transport id of the remote peer. */
  readonly id: string;
  /** A few characters of the id, for logs and prompts. */
  readonly shortId: string;
  path(): PathInfo;
}

/** One bidirectional stream with a peer: carries one HTTP exchange. */
export interface PeerStream {
  readonly peer: PeerInfo;
  /** Up to `maxBytes`; null at the end of the stream. */
  read(maxBytes: number): Promise<Uint8Array | null>;
  /** Writes a hub chunk; the transport may cache its own representation on the chunk. */
  writeChunk(chunk: MediaChunk): Promise<void>;
  /** Writes small control bytes (HTTP heads). */
  writeBytes(bytes: Uint8Array): Promise<void>;
  /** Graceful end of our sending side. */
  finish(): Promise<void>;
  /** Abrupt end of both sides; never throws. */
  abort(): void;
}

export interface HostListener {
  /** Transport address to put in the share ticket (secret-free). */
  readonly address: string;
  readonly id: string;
  /** The local socket addresses the endpoint is bound to (`ip:port`), e.g. to bind the same port next run. */
  readonly localAddresses?: readonly string[];
  /** Whether a relay answered before the ticket was made (undefined: relays are off). */
  readonly relayReached?: boolean | undefined;
  /** Every incoming stream from every peer, until close. */
  streams(): AsyncIterable<PeerStream>;
  /** Closes every connection with `reason` (viewers tell it from a network loss), then the endpoint. */
  close(reason?: { readonly code: number; readonly reason: string }): Promise<void>;
}

/** How a connection ended: closed by the other side on purpose (with its reason), or lost. */
export type ConnectionEnd =
  | { readonly kind: 'closed-by-peer'; readonly code: number; readonly reason: string }
  | { readonly kind: 'closed-here' }
  | { readonly kind: 'lost'; readonly detail: string };

export interface ViewerConnection {
  readonly peer: PeerInfo;
  openStream(): Promise<PeerStream>;
  /** Resolves when the connection is gone, saying how. */
  readonly closed: Promise<ConnectionEnd>;
  close(): Promise<void>;
}

export interface Transport extends Partial<Diagnosable> {
  /** Throws InvalidTicket when the address part of a ticket is malformed. */
  validateAddress(address: string): void;
  listen(): Promise<HostListener>;
  dial(address: string): Promise<ViewerConnection>;
  /** Releases everything the transport holds (endpoints, sockets). Idempotent. */
  close(): Promise<void>;
}
