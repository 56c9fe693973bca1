import { UsageError } from './errors.js';
import type { PublishProtocol, PublishTarget } from './ports/publish.js';

/*
 * `--publish` URLs: checked before a ticket exists, and shown to people only
 * with their credentials masked. SRT carries them in the query (streamid — a
 * MediaMTX stream id names the user and password —, passphrase), RTMP in the
 * last path segment (the stream key) and sometimes the query; any URL may have
 * user:pass@. The query is split the way ffmpeg and libsrt split it (after the
 * first `?`, on `&` and `=`, a `#` included: MediaMTX ids start with `#!::`),
 * not as a WHATWG URL would (fragment).
 */

const SCHEMES: Record<string, PublishProtocol> = { srt: 'srt', rtmp: 'rtmp', rtmps: 'rtmp' };
const DEFAULT_PORT: Record<string, number> = { rtmp: 1935, rtmps: 443 };
const USAGE = 'use srt://host:port?streamid=… or rtmp://host/app/stream-key';

/**
 * SRT options whose values are shown as they are (tuning, never credentials).
 * Every other query value — streamid, passphrase, anything unknown — is masked.
 */
const SRT_PLAIN = new Set([
  'mode', 'latency', 'rcvlatency', 'peerlatency', 'tsbpddelay', 'tsbpd', 'tlpktdrop', 'nakreport', 'pkt_size',
  'payload_size', 'maxbw', 'inputbw', 'oheadbw', 'connect_timeout', 'timeout', 'listen_timeout', 'transtype',
  'pbkeylen', 'enforced_encryption', 'kmrefreshrate', 'kmpreannounce', 'linger', 'mss', 'ffs', 'ipttl', 'iptos',
  'sndbuf', 'rcvbuf', 'send_buffer_size', 'recv_buffer_size', 'messageapi', 'smoother', 'congestion', 'lossmaxttl',
  'minversion', 'snddropdelay',
]);

const MASK = '***';

interface UrlParts {
  readonly scheme: string;
  readonly userinfo: string | undefined;
  readonly host: string;
  readonly port: string | undefined;
  /** From the first `/` after the authority up to the query; '' when none. */
  readonly path: string;
  /** After the first `?`; undefined when there is no `?`. */
  readonly query: string | undefined;
}

/** Splits `scheme://[userinfo@]host[:port][/path][?query]`; undefined when it is not a URL at all. */
function splitUrl(raw: string): UrlParts | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(raw);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  const rest = raw.slice(m[0].length);
  const q = rest.indexOf('?');
  const beforeQuery = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? undefined : rest.slice(q + 1);
  const slash = beforeQuery.indexOf('/');
  const authority = slash < 0 ? beforeQuery : beforeQuery.slice(0, slash);
  const path = slash < 0 ? '' : beforeQuery.slice(slash);
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? undefined : authority.slice(0, at);
  const hostPort = authority.slice(at + 1);
  let host: string;
  let port: string | undefined;
  const v6 = /^(\[[0-9A-Fa-f:.]+\])(?::(.*))?$/.exec(hostPort);
  if (v6) {
    host = v6[1]!;
    port = v6[2];
  } else {
    const parts = hostPort.split(':');
    // More than one colon outside brackets: no valid host (the check says so).
    host = parts.length > 2 ? hostPort : parts[0]!;
    port = parts.length > 2 ? undefined : parts[1];
  }
  return { scheme, userinfo, host, port, path, query };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Path segments, empty ones left out. */
const segments = (path: string): string[] => path.split('/').filter((s) => s !== '');

/** Is this query value shown as it is? */
const plainOption = (scheme: string, key: string): boolean => scheme === 'srt' && SRT_PLAIN.has(key.toLowerCase());

function redactParts(p: UrlParts): string {
  const userinfo = p.userinfo === undefined ? '' : `${MASK}@`;
  const port = p.port === undefined ? '' : `:${p.port}`;
  let path = p.path;
  if (p.scheme !== 'srt' && segments(p.path).length > 0) {
    // The last segment is the stream key.
    const cut = p.path.replace(/\/+$/, '').lastIndexOf('/');
    path = `${p.path.slice(0, cut + 1)}${MASK}`;
  }
  const query =
    p.query === undefined
      ? ''
      : `?${p.query
          .split('&')
          .map((part) => {
            if (part === '') return part;
            const eq = part.indexOf('=');
            if (eq < 0) return MASK;
            const key = part.slice(0, eq);
            return plainOption(p.scheme, key) ? part : `${key}=${MASK}`;
          })
          .join('&')}`;
  return `${p.scheme}://${userinfo}${p.host}${port}${path}${query}`;
}

/** Something that is not a URL: only what comes before anything that could be a credential. */
function redactLoose(raw: string): string {
  const cut = raw.search(/[@?/#&=]/);
  const head = cut < 0 ? raw : raw.slice(0, cut);
  const shown = head.length > 32 ? head.slice(0, 32) : head;
  return shown.length < raw.length ? `${shown}…` : shown;
}

/**
 * The URL with every credential masked: user:pass@ → ***@, the RTMP stream
 * key (last path segment) → ***, every query value except SRT tuning options
 * (latency, mode, …) → ***. Anything that is not a URL is cut before its
 * first `@ ? / # & =`.
 */
export function redactPublishUrl(raw: string): string {
  const p = splitUrl(raw);
  return p ? redactParts(p) : redactLoose(raw);
}

/** The credentials in a URL, raw and percent-decoded, longest first. */
function secretsOf(p: UrlParts): string[] {
  const found: string[] = [];
  const add = (s: string | undefined): void => {
    if (s) found.push(s, decode(s));
  };
  if (p.userinfo !== undefined) {
    add(p.userinfo);
    for (const part of p.userinfo.split(':')) add(part);
  }
  if (p.scheme !== 'srt') add(segments(p.path).at(-1));
  for (const part of (p.query ?? '').split('&')) {
    const eq = part.indexOf('=');
    if (eq < 0) add(part);
    else if (!plainOption(p.scheme, part.slice(0, eq))) add(part.slice(eq + 1));
  }
  return [...new Set(found.filter((s) => s !== ''))].sort((a, b) => b.length - a.length);
}

function fail(raw: string, what: string): never {
  throw new UsageError(`--publish ${redactPublishUrl(raw)}: ${what}`);
}

/**
 * Checks one `--publish` URL: `srt://host:port[?options]` (caller mode) or
 * `rtmp[s]://host[:port]/app/stream-key`. Throws a one-line UsageError that
 * shows the URL only redacted.
 */
export function parsePublishTarget(raw: string): PublishTarget {
  const p = splitUrl(raw);
  if (!p) throw new UsageError(`--publish: "${redactLoose(raw)}" is not a URL; ${USAGE}`);
  if (/[\s\x00-\x1f\x7f]/.test(raw)) fail(raw, 'a URL has no spaces or control characters');
  const protocol = SCHEMES[p.scheme];
  if (!protocol) throw new UsageError(`--publish: unknown scheme "${p.scheme}://"; ${USAGE}`);
  if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)$/.test(p.host)) fail(raw, 'has no valid host');
  if (p.port !== undefined && (!/^\d{1,5}$/.test(p.port) || Number(p.port) < 1 || Number(p.port) > 65535)) {
    fail(raw, 'the port must be a number from 1 to 65535');
  }
  let name: string;
  if (protocol === 'srt') {
    if (p.port === undefined) fail(raw, 'an SRT URL needs a port (srt://host:port)');
    if (p.path !== '' && p.path !== '/') fail(raw, 'an SRT URL has no path; options go in the query (srt://host:port?streamid=…)');
    const mode = (p.query ?? '').split('&').find((o) => /^mode=/i.test(o));
    if (mode && mode.slice(5).toLowerCase() !== 'caller') fail(raw, 'publishing calls the server: leave out mode= (or use mode=caller)');
    name = `srt://${p.host}:${p.port}`;
  } else {
    const segs = segments(p.path);
    if (segs.length < 2) fail(raw, 'an RTMP URL needs the application and the stream key (rtmp://host/app/stream-key)');
    name = `${p.scheme}://${p.host}:${p.port ?? DEFAULT_PORT[p.scheme]}/${segs.slice(0, -1).join('/')}`;
  }
  return { url: raw, protocol, name, redacted: redactParts(p), secrets: secretsOf(p) };
}

/**
 * Text from a program that was given the target's URL (ffmpeg repeats it in its
 * errors) with every credential masked: the URL itself becomes its redacted
 * form, then every credential left becomes ***.
 */
export function scrubSecrets(text: string, target: Pick<PublishTarget, 'url' | 'redacted' | 'secrets'>): string {
  let out = text.split(target.url).join(target.redacted);
  for (const s of target.secrets) out = out.split(s).join(MASK);
  return out;
}
