import type { VideoGeometry } from './ports/capture.js';

/** One encode of the shared screen; the ladder's rungs, best first. */
export interface Rendition {
  readonly index: number;
  /** Output size; undefined where the capture size is unknown (then `bound` limits a lower rung). */
  readonly size: VideoGeometry | undefined;
  /** Where the size is unknown (Wayland): the box a lower rung is fitted into. */
  readonly bound?: VideoGeometry | undefined;
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

/**
 * Which steps a ladder of n rungs takes: the top, and lower rungs spread down
 * to the bottom one (a ~500 kbit/s link) whatever n is, so fewer encodes (less
 * CPU) still cover slow links, only in coarser steps.
 */
const STEPS_FOR: Readonly<Record<number, readonly number[]>> = { 1: [0], 2: [0, 2], 3: [0, 1, 3], 4: [0, 1, 2, 3] };

/** Below this a rung is not worth its encode: it would duplicate the one above at a worse picture. */
const MIN_RUNG_KBPS = 200;
/** Smaller than this is not a picture of a screen any more. */
const MIN_RUNG_WIDTH = 320;

const even = (n: number): number => Math.max(2, Math.floor(n / 2) * 2);
/** The box lower rungs scale from when the capture size is unknown: a common screen. */
const ASSUMED_TOP: VideoGeometry = { width: 1920, height: 1080 };

/**
 * The ladder for a share: the top rung is what the host asked for (its size,
 * its bitrate); lower rungs are smaller and leaner, down to what a slow link
 * carries. `rungs` 1 is a single encode (no adaptation: the media process
 * takes no commands, or the user asked for it).
 */
export function planLadder(
  top: VideoGeometry | undefined,
  topKbps: number,
  rungs: number = LADDER_STEPS.length,
  limits: { readonly maxWidth?: number | undefined; readonly maxHeight?: number | undefined } = {},
): Rendition[] {
  const out: Rendition[] = [];
  // Unknown size: lower rungs fit a box scaled from the limits (or a 1080p screen); a smaller picture passes through.
  const box = { width: limits.maxWidth ?? ASSUMED_TOP.width, height: limits.maxHeight ?? ASSUMED_TOP.height };
  const steps = STEPS_FOR[Math.min(Math.max(1, Math.floor(rungs)), LADDER_STEPS.length)]!.map((i) => LADDER_STEPS[i]!);
  for (const step of steps) {
    const bitrateKbps = Math.round(topKbps * step.bitrate);
    const scaled = (g: VideoGeometry): VideoGeometry => ({ width: even(g.width * step.scale), height: even(g.height * step.scale) });
    const size = top && scaled(top);
    const bound = !top && out.length > 0 ? scaled(box) : undefined;
    if (out.length > 0 && (bitrateKbps < MIN_RUNG_KBPS || (size ?? bound)!.width < MIN_RUNG_WIDTH)) break;
    out.push({ index: out.length, size, bitrateKbps, ...(bound && { bound }) });
  }
  return out;
}

/** "1280x720 4.0 Mbit/s" — how a rung is named in the status lines. */
export function describeRendition(r: Rendition): string {
  const rate = r.bitrateKbps >= 1000 ? `${(r.bitrateKbps / 1000).toFixed(1)} Mbit/s` : `${r.bitrateKbps} kbit/s`;
  if (r.size) return `${r.size.height}p ${rate}`;
  return r.bound ? `≤${r.bound.height}p ${rate}` : rate;
}
