/**
 * The tiny HTTP/1.1 subset pixelpass speaks: one GET per stream, to a player on
 * the viewer side and between viewer and host inside the tunnel.
 */
export interface RequestHead {
  readonly method: string;
  readonly path: string;
  readonly version: string;
  readonly headers: ReadonlyMap<string, string>;
}

export type HeadParse =
  | { readonly state: 'incomplete' }
  | { readonly state: 'complete'; readonly head: RequestHead; readonly bodyOffset: number }
  | { readonly state: 'invalid'; readonly status: 400 | 431 | 505; readonly reason: string };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses a request head from the bytes received so far. */
export function parseRequestHead(bytes: Uint8Array, maxHeadBytes: number): HeadParse {
  const end = indexOfHeadEnd(bytes);
  if (end < 0) {
    return bytes.length > maxHeadBytes
      ? { state: 'invalid', status: 431, reason: 'request head too large' }
      : { state: 'incomplete' };
  }
  if (end > maxHeadBytes) return { state: 'invalid', status: 431, reason: 'request head too large' };
  const text = Buffer.from(bytes.subarray(0, end)).toString('latin1');
  const lines = text.split('\r\n');
  const requestLine = lines.shift() ?? '';
  const parts = requestLine.split(' ');
  if (parts.length !== 3) return { state: 'invalid', status: 400, reason: 'malformed request line' };
  const [method, path, version] = parts as [string, string, string];
  if (!TOKEN.test(method)) return { state: 'invalid', status: 400, reason: 'malformed method' };
  if (!path.startsWith('/') || /[\s\x00-\x1f\x7f]/.test(path)) {
    return { state: 'invalid', status: 400, reason: 'malformed path' };
  }
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') {
    return { state: 'invalid', status: 505, reason: 'unsupported HTTP version' };
  }
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return { state: 'invalid', status: 400, reason: 'malformed header line' };
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return { state: 'invalid', status: 400, reason: 'malformed header name' };
    headers.set(name.toLowerCase(), line.slice(colon + 1).trim());
  }
  return { state: 'complete', head: { method, path, version, headers }, bodyOffset: end + 4 };
}

export interface ResponseHead {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
}

export type ResponseParse =
  | { readonly state: 'incomplete' }
  | { readonly state: 'complete'; readonly head: ResponseHead; readonly rest: Uint8Array }
  | { readonly state: 'invalid'; readonly reason: string };

/** Parses a response head (what the host answers inside the tunnel); `rest` is the body begun. */
export function parseResponseHead(bytes: Uint8Array, maxHeadBytes: number): ResponseParse {
  const end = indexOfHeadEnd(bytes);
  if (end < 0) return bytes.length > maxHeadBytes ? { state: 'invalid', reason: 'response head too large' } : { state: 'incomplete' };
  if (end > maxHeadBytes) return { state: 'invalid', reason: 'response head too large' };
  const lines = Buffer.from(bytes.subarray(0, end)).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines.shift() ?? '');
  if (!m) return { state: 'invalid', reason: 'malformed status line' };
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return { state: 'invalid', reason: 'malformed header line' };
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { state: 'complete', head: { status: Number(m[1]), headers }, rest: bytes.subarray(end + 4) };
}

function indexOfHeadEnd(b: Uint8Array): number {
  for (let i = 0; i + 3 < b.length; i++) {
    if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  }
  return -1;
}

const REASONS: Record<number, string> = {
  102: 'Processing',
  200: 'OK',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};

/** A response head; error responses carry `body` as text/plain and close. */
export function responseHead(status: number, extra: Record<string, string> = {}, body?: string): Uint8Array {
  const lines = [`HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}`];
  // An interim (1xx) answer is just its status line: the final one follows.
  const headers: Record<string, string> = status < 200 ? { ...extra } : { Connection: 'close', 'Cache-Control': 'no-store', ...extra };
  if (body !== undefined) {
    headers['Content-Type'] = 'text/plain; charset=utf-8';
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body ?? ''}`, 'utf8');
}
