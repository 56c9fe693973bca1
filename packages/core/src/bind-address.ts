import { UsageError } from './errors.js';

/**
 * `--bind <addr:port>` (also PIXELPASS_BIND): an IPv4 address and port, or a
 * bracketed IPv6 one (zone allowed). Checked when the flag is read, so a typo
 * is one line before anything starts; the transport decides what to bind from it.
 */
export function parseBindAddress(text: string): { readonly family: 4 | 6; readonly address: string; readonly port: number } {
  const v = text.trim();
  const v6 = /^\[([0-9a-fA-F:.]+)(?:%[\w.-]+)?\]:(\d{1,5})$/.exec(v);
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(v);
  const m = v6 ?? v4;
  const port = Number(m?.[2]);
  const octetsOk = !v4 || v4[1]!.split('.').every((o) => Number(o) <= 255);
  const v6Ok = !v6 || (v6[1]!.includes(':') && (v6[1]!.match(/::/g) ?? []).length <= 1);
  if (!m || !octetsOk || !v6Ok || port > 65_535) {
    throw new UsageError(`--bind must be IP:PORT, e.g. 127.0.0.1:0 or [::1]:0 (port 0: any free port) (got "${text}")`);
  }
  return { family: v4 ? 4 : 6, address: m[1]!, port };
}
