import { UsageError } from './errors.js';

/**
 * `--bind <addr:port>`: an IPv4 address and port, or a bracketed IPv6 one
 * (zone allowed). Checked when the flag is read, so a typo is one line before
 * anything starts; the transport decides what to bind from it.
 */
export function parseBindAddress(text: string): { readonly family: 4 | 6; readonly address: string; readonly port: number } {
  const v6 = /^\[([0-9a-fA-F:.]+)(?:%[\w.-]+)?\]:(\d{1,5})$/.exec(text);
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(text);
  const m = v6 ?? v4;
  const port = Number(m?.[2]);
  const octetsOk = !v4 || v4[1]!.split('.').every((o) => Number(o) <= 255);
  if (!m || !octetsOk || port > 65_535 || (v6 && !v6[1]!.includes(':'))) {
    throw new UsageError(`--bind must be an IP address and a port, e.g. 127.0.0.1:0 or [::1]:0 (got "${text}")`);
  }
  return { family: v4 ? 4 : 6, address: m[1]!, port };
}
