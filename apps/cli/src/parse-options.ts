import { UsageError } from '@pixelpass/core';

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

/** "on"/"off" (also from the PIXELPASS_RELAY environment variable). */
export function relaySetting(value: string | undefined): boolean {
  if (value === undefined || value === '') return true;
  const v = value.toLowerCase();
  if (['on', '1', 'true', 'yes'].includes(v)) return true;
  if (['off', '0', 'false', 'no'].includes(v)) return false;
  throw new UsageError(`relay must be "on" or "off" (got "${value}")`);
}
