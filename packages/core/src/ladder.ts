import type { VideoGeometry } from './ports/capture.js';

/** One encode of the shared screen; the ladder's rungs, best first. */
export interface Rendition {
  readonly index: number;
  /** Output size; undefined where the capture size is unknown (then every rung keeps the size). */
  readonly size: VideoGeometry | undefined;
  readonly bitrateKbps: number;
}

/**
 * Rungs as shares of the top one: size and bitrate. The bottom is for links
 * of ~500 kbit/s with sound (96 kbit/s) and MPEG-TS overhead (~10 %).
 */
export const LADDER_STEPS: ReadonlyArray<{ readonly scale: number; readonly bitrate: number }> = [
  { scale: 1, bitrate: 1 },
  { scale: 2 / 3, bitrate: 1 / 3 },
  { scale: 1 / 2, bitrate: 1 / 7 },
  { scale: 3 / 8, bitrate: 1 / 16 },
];

/** Below this a rung is not worth its encode: it would duplicate the one above at a worse picture. */
const MIN_RUNG_KBPS = 200;
/** Smaller than this is not a picture of a screen any more. */
const MIN_RUNG_WIDTH = 320;

const even = (n: number): number => Math.max(2, Math.floor(n / 2) * 2);

/**
 * The ladder for a share: the top rung is what the host asked for (its size,
 * its bitrate); lower rungs are smaller and leaner, down to what a slow link
 * carries. `rungs` 1 is a single encode (no adaptation: the media process
 * takes no commands, or the user asked for it).
 */
export function planLadder(top: VideoGeometry | undefined, topKbps: number, rungs: number = LADDER_STEPS.length): Rendition[] {
  const out: Rendition[] = [];
  for (const step of LADDER_STEPS.slice(0, Math.max(1, rungs))) {
    const bitrateKbps = Math.round(topKbps * step.bitrate);
    const size = top && { width: even(top.width * step.scale), height: even(top.height * step.scale) };
    if (out.length > 0 && (bitrateKbps < MIN_RUNG_KBPS || (size && size.width < MIN_RUNG_WIDTH))) break;
    out.push({ index: out.length, size, bitrateKbps });
  }
  return out;
}

/** "1280x720 4.0 Mbit/s" — how a rung is named in the status lines. */
export function describeRendition(r: Rendition): string {
  const rate = r.bitrateKbps >= 1000 ? `${(r.bitrateKbps / 1000).toFixed(1)} Mbit/s` : `${r.bitrateKbps} kbit/s`;
  return r.size ? `${r.size.height}p ${rate}` : rate;
}
