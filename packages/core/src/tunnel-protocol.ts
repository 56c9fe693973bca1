/**
 * What travels inside one tunnel stream between a viewer and the host: one
 * HTTP/1.1 GET (the stream, or the host's name), the host's answer, then the
 * MPEG-TS. The host's gate and the viewer's session both speak it from here.
 */
import { Cancelled, TransportFailed } from './errors.js';
import { parseRequestHead, parseResponseHead, type HeadParse, type ResponseHead } from './http-head.js';
import type { PeerStream } from './ports/transport.js';
import { base32Encode } from './share-ticket.js';

export const STREAM_PATH = '/stream';
/** Who the host is (its name, for the player's title); answered without starting capture. */
export const INFO_PATH = '/info';
/** What the host sends this viewer now (its rendition), for the viewer's own status line. */
export const STATUS_PATH = '/status';
export const STREAM_CONTENT_TYPE = 'video/mp2t';

/** The bounds on a request head in the tunnel: a viewer's request is ~150 bytes. */
export const TUNNEL_HEAD_LIMITS = { maxHeadBytes: 8192, timeoutMs: 5000 } as const;
export interface HeadLimits {
  readonly maxHeadBytes: number;
  readonly timeoutMs: number;
}

/**
 * Why the host refused a stream, as the viewer is told (header
 * `X-Pixelpass-Refusal`); the response body is the line to show.
 */
export type RefusalCode = 'wrong-ticket' | 'declined' | 'full' | 'capture-failed' | 'bad-request';
export const REFUSAL_HEADER = 'X-Pixelpass-Refusal';

/** Connection close codes: a host stopping on purpose is not a network loss (no redial). */
export const HOST_STOPPED = { code: 1, reason: 'the host stopped sharing' } as const;
export const VIEWER_LEFT = { code: 2, reason: 'the viewer left' } as const;

export interface HostInfo {
  readonly name: string;
}

/** The request a viewer sends inside the tunnel (the stream, or the host's info). */
export function tunnelRequest(secret: Uint8Array, path: string = STREAM_PATH): Uint8Array {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: pixelpass\r\nAuthorization: Bearer ${base32Encode(secret)}\r\n\r\n`,
    'latin1',
  );
}

/**
 * Text from the host for a terminal or a window title: no control characters
 * (C0, DEL, C1: a terminal takes U+009B as an escape), no bidirectional
 * overrides or isolates (they reorder what follows), bounded.
 */
export function safeDisplayText(text: string, maxLength = 64): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .slice(0, maxLength)
    .trim();
}

/** Parses the body of the host's answer to `GET /info`; undefined when it is not a usable one. */
export function parseHostInfo(body: string): HostInfo | undefined {
  try {
    const parsed = JSON.parse(body) as { name?: unknown };
    if (typeof parsed.name !== 'string') return undefined;
    const name = safeDisplayText(parsed.name);
    return name ? { name } : undefined;
  } catch {
    return undefined;
  }
}

/** The host's answer to `GET /status`: the rendition it sends this viewer and what it measures of the link. */
export interface ViewerStatus {
  /** e.g. "720p 2.0 Mbit/s"; '' when the host encodes one rendition. */
  readonly rendition: string;
  /** 0 is the best. */
  readonly index: number;
  /** How many the host encodes (1: no adaptation). */
  readonly renditions: number;
  /** What reaches this viewer, bit/s, when measured. */
  readonly rateBps: number | undefined;
  /** How far behind live the host has it (queued plus in transit), ms. */
  readonly delayMs: number;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Parses the body of the host's answer to `GET /status`; undefined when it is not a usable one. */
export function parseViewerStatus(body: string): ViewerStatus | undefined {
  try {
    const p = JSON.parse(body) as Record<string, unknown>;
    if (typeof p.rendition !== 'string' || !finite(p.index) || !finite(p.renditions) || !finite(p.delayMs)) return undefined;
    if (p.renditions < 1 || p.index >= p.renditions) return undefined;
    return {
      rendition: safeDisplayText(p.rendition, 40),
      index: Math.floor(p.index),
      renditions: Math.floor(p.renditions),
      rateBps: finite(p.rateBps) ? p.rateBps : undefined,
      delayMs: p.delayMs,
    };
  } catch {
    return undefined;
  }
}

/** A viewer's refusal, read from the host's answer; undefined for a 200. */
export interface Refusal {
  readonly status: number;
  readonly code: RefusalCode | undefined;
  /** The host's one line, made safe to print. */
  readonly message: string;
}

export function refusalOf(head: ResponseHead, body: string): Refusal | undefined {
  if (head.status === 200) return undefined;
  const code = head.headers.get(REFUSAL_HEADER.toLowerCase()) as RefusalCode | undefined;
  const known: readonly string[] = ['wrong-ticket', 'declined', 'full', 'capture-failed', 'bad-request'];
  return {
    status: head.status,
    code: code && known.includes(code) ? code : undefined,
    message: safeDisplayText(body.split('\n')[0] ?? '', 200) || `the host answered ${head.status}`,
  };
}

class HeadTimeout extends Error {}

/**
 * Heads are read in small pieces: a request is ~150 bytes, and until its
 * secret is checked the peer may be anyone, so what is held per stream stays small.
 */
const HEAD_READ_BYTES = 1024;

async function readUntil<T extends { state: string }>(
  stream: PeerStream,
  parse: (bytes: Uint8Array) => T,
  limits: HeadLimits,
  signal: AbortSignal | undefined,
  initial: Uint8Array = new Uint8Array(0),
): Promise<Exclude<T, { readonly state: 'incomplete' }> | 'timeout' | 'ended'> {
  let buf = initial;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HeadTimeout()), limits.timeoutMs);
    onAbort = () => reject(new Cancelled('reading the request was cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  stop.catch(() => undefined);
  try {
    for (;;) {
      const parsed = parse(buf);
      if (parsed.state !== 'incomplete') return parsed as Exclude<T, { readonly state: 'incomplete' }>;
      // Never more than the head can be: a peer cannot make us buffer more.
      const more = await Promise.race([stream.read(Math.min(HEAD_READ_BYTES, limits.maxHeadBytes + 4 - buf.length)), stop]);
      if (more === null) return 'ended';
      const next = new Uint8Array(buf.length + more.length);
      next.set(buf);
      next.set(more, buf.length);
      buf = next;
    }
  } catch (err) {
    if (err instanceof HeadTimeout) return 'timeout';
    throw err;
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** The host reads a viewer's request head within the limits. */
export async function readRequestHead(
  stream: PeerStream,
  limits: HeadLimits = TUNNEL_HEAD_LIMITS,
  signal?: AbortSignal,
): Promise<Exclude<HeadParse, { readonly state: 'incomplete' }> | { readonly state: 'timeout' } | { readonly state: 'ended' }> {
  const r = await readUntil(stream, (b) => parseRequestHead(b, limits.maxHeadBytes), limits, signal);
  return typeof r === 'string' ? { state: r } : r;
}

/** What the viewer got back: the head, and the bytes after it (the start of the body). */
export interface TunnelResponse {
  readonly head: ResponseHead;
  readonly rest: Uint8Array;
}

/**
 * The viewer reads the host's response head (after `initial`, bytes already
 * read past an interim 102); throws a one-line error when there is none.
 */
export async function readResponse(
  stream: PeerStream,
  limits: HeadLimits,
  signal?: AbortSignal,
  initial?: Uint8Array,
): Promise<TunnelResponse> {
  const r = await readUntil(stream, (b) => parseResponseHead(b, limits.maxHeadBytes), limits, signal, initial);
  if (r === 'timeout') throw new TunnelProtocolError(`the host did not answer within ${limits.timeoutMs / 1000} s`);
  if (r === 'ended') throw new TunnelProtocolError('the host closed the stream without an answer');
  if (r.state === 'invalid') throw new TunnelProtocolError(`the host's answer is not understood (${r.reason})`);
  return { head: r.head, rest: r.rest };
}

/** Reads a short body (refusal text, host info) to its end, bounded. */
export async function readShortBody(stream: PeerStream, start: Uint8Array, maxBytes = 16_384): Promise<string> {
  const parts = [Buffer.from(start)];
  let total = start.length;
  while (total < maxBytes) {
    const more = await stream.read(maxBytes - total);
    if (more === null) break;
    parts.push(Buffer.from(more));
    total += more.length;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** The host's answer is missing or not understood. */
export class TunnelProtocolError extends TransportFailed {}

/**
 * Feedback, viewer → host, on the stream's return direction (which otherwise
 * carries nothing after the request): `ack <bytes>\n`, the body bytes the
 * viewer has handed to its player so far, a few times a second. The host
 * bounds each viewer's bytes in flight with it and measures its delivery rate.
 * Unknown lines are ignored, so either side can add kinds later.
 */
export function feedbackLine(deliveredBytes: number): Uint8Array {
  return Buffer.from(`ack ${Math.max(0, Math.floor(deliveredBytes))}\n`, 'latin1');
}

export interface Feedback {
  readonly deliveredBytes: number;
}

/** The host's reader of a viewer's feedback lines: bounded, whatever a peer sends. */
export class FeedbackReader {
  #partial = '';

  /** The feedback in `bytes` (the newest last); garbage and overlong lines are dropped. */
  push(bytes: Uint8Array): Feedback[] {
    const out: Feedback[] = [];
    const lines = (this.#partial + Buffer.from(bytes).toString('latin1')).split('\n');
    this.#partial = lines.pop() ?? '';
    // A line is ~20 bytes: anything longer is not ours.
    if (this.#partial.length > 64) this.#partial = '';
    for (const line of lines) {
      const m = /^ack (\d{1,15})$/.exec(line.trim());
      if (m) out.push({ deliveredBytes: Number(m[1]) });
    }
    return out;
  }
}
