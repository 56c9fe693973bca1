import type { EncodeSettings } from '@pixelpass/core';

/** Settings used for a probe's test encode; the real run uses the user's. */
export const PROBE_SETTINGS: EncodeSettings = { fps: 30, bitrateKbps: 2000, keyframeIntervalSec: 1 };

/** A GOP so long it never ends before a forced keyframe comes (an hour). */
const ON_REQUEST_GOP_SEC = 3600;

/**
 * The encoder's own keyframe interval in frames (GOP length), at least 1:
 * effectively none when keyframes come only on request (a ladder).
 */
export function gopFrames(fps: number, intervalSec: number, onRequestOnly = false): number {
  return Math.max(1, Math.round(fps * (onRequestOnly ? ON_REQUEST_GOP_SEC : intervalSec)));
}
