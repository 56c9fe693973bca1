import type { EncodeSettings } from '@pixelpass/core';

/** Settings used for a probe's test encode; the real run uses the user's. */
export const PROBE_SETTINGS: EncodeSettings = { fps: 30, bitrateKbps: 2000, keyframeIntervalSec: 1 };

/** The keyframe interval in frames (GOP length), at least 1. */
export function gopFrames(fps: number, intervalSec: number): number {
  return Math.max(1, Math.round(fps * intervalSec));
}
