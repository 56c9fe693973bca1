import { parseBindAddress, UsageError } from '@pixelpass/core';

/** Commander argument parsers that fail with a one-line UsageError. */
export function intIn(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) {
      throw new UsageError(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
    }
    return n;
  };
}

export function numberIn(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new UsageError(`${name} must be a number from ${min} to ${max} (got "${value}")`);
    }
    return n;
  };
}

/** "1280x720" → { width, height }, each a whole number within the bounds. */
export function sizeIn(name: string, min: number, max: number): (value: string) => { width: number; height: number } {
  return (value) => {
    const m = /^\s*(\d+)x(\d+)\s*$/i.exec(value);
    const [w, h] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
    if (!m || w < min || w > max || h < min || h > max) {
      throw new UsageError(`${name} must be WIDTHxHEIGHT, each from ${min} to ${max}, e.g. 1280x720 (got "${value}")`);
    }
    return { width: w, height: h };
  };
}

/**
 * `--relay` (also PIXELPASS_RELAY): "on" (n0's relays), "off" (direct
 * addresses only), or self-hosted relays as `<url>[,<url>]` (http or https).
 */
export function relaySetting(value: string | undefined): boolean | readonly string[] {
  if (value === undefined || value.trim() === '') return true;
  const v = value.trim().toLowerCase();
  if (['on', '1', 'true', 'yes'].includes(v)) return true;
  if (['off', '0', 'false', 'no'].includes(v)) return false;
  const urls = value.split(',').map((u) => u.trim()).filter((u) => u !== '');
  for (const u of urls) {
    let url: URL | undefined;
    try {
      url = new URL(u);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
      throw new UsageError(`--relay must be on, off or relay URLs like https://relay.example.org (comma-separated); "${u}" is not one`);
    }
  }
  return urls;
}

/** `--bind` (also PIXELPASS_BIND): checked by core's parser, kept as written. */
export function bindAddress(value: string): string {
  parseBindAddress(value);
  return value.trim();
}
