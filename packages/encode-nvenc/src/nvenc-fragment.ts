import type { EncodeSettings } from '@pixelpass/core';
import { gopFrames } from '@pixelpass/gst';

/** One way to drive NVENC; the probe keeps the first whose test encode works. */
export interface NvencVariant {
  /** nvh264enc (nvcodec), or nvcudah264enc from the newer nvcodec encoder family. */
  readonly element: 'nvh264enc' | 'nvcudah264enc';
  /** low-latency: the low-latency preset with CBR and no B-frames; plain: only bitrate and GOP. */
  readonly tuning: 'low-latency' | 'plain';
}

export const NVENC_VARIANTS: readonly NvencVariant[] = [
  { element: 'nvh264enc', tuning: 'low-latency' },
  // Older drivers reject some preset/rate-control pairs; bitrate and GOP alone still work.
  { element: 'nvh264enc', tuning: 'plain' },
  { element: 'nvcudah264enc', tuning: 'plain' },
];

export function nvencVariantId(v: NvencVariant): string {
  return `${v.element}|${v.tuning}`;
}

export function parseNvencVariantId(id: string): NvencVariant | undefined {
  return NVENC_VARIANTS.find((v) => nvencVariantId(v) === id);
}

/**
 * Raw video in, H.264 out. nvh264enc takes system memory and uploads itself,
 * so no cudaupload is needed. zerolatency and bframes=0 remove reordering delay.
 */
export function nvencFragment(v: NvencVariant, s: EncodeSettings): string {
  const gop = gopFrames(s.fps, s.keyframeIntervalSec, s.keyframesOnRequestOnly);
  if (v.tuning === 'low-latency') {
    return `${v.element} preset=low-latency-hq rc-mode=cbr zerolatency=true bframes=0 gop-size=${gop} bitrate=${s.bitrateKbps}`;
  }
  return `${v.element} bitrate=${s.bitrateKbps} gop-size=${gop}`;
}

/** What the prober found about NVENC here. */
export interface NvencFacts {
  /** The nvcodec plugin (gstreamer1.0-plugins-bad) loads. */
  readonly nvcodecPlugin: boolean;
  /** Encoder elements nvcodec registered (it registers none without a working driver). */
  readonly encoderElements: readonly string[];
  /** /proc/driver/nvidia/version exists: the proprietary kernel driver is loaded. */
  readonly nvidiaDriverLoaded: boolean;
  /** libnvidia-encode.so.1 is installed. */
  readonly encodeLibrary: boolean;
  readonly testFailure?: { readonly element: string; readonly message: string } | undefined;
}

const DRIVER_PACKAGES = 'the NVIDIA proprietary driver (nvidia-driver and libnvidia-encode1 from Debian non-free)';

export function nvencUnavailable(f: NvencFacts): { reason: string; provider?: string | undefined } {
  if (f.encoderElements.length > 0 && f.testFailure) {
    return {
      reason: `${f.testFailure.element} is registered but a test encode failed (${f.testFailure.message})`,
      provider: f.encodeLibrary ? undefined : 'libnvidia-encode1',
    };
  }
  if (!f.nvcodecPlugin) return { reason: 'the GStreamer nvcodec plugin (nvh264enc) is missing', provider: 'gstreamer1.0-plugins-bad' };
  if (!f.nvidiaDriverLoaded) {
    return {
      reason: 'nvh264enc is not registered: no NVIDIA driver is loaded (/proc/driver/nvidia/version is absent; NVENC needs an NVIDIA GPU)',
      provider: DRIVER_PACKAGES,
    };
  }
  if (!f.encodeLibrary) {
    return { reason: 'nvh264enc is not registered: the NVIDIA driver is loaded but libnvidia-encode.so.1 is missing', provider: 'libnvidia-encode1' };
  }
  return {
    reason: 'nvh264enc is not registered although the NVIDIA driver is loaded: CUDA or NVENC did not initialise (see GST_DEBUG=nvcodec:5 gst-inspect-1.0 nvcodec)',
  };
}
