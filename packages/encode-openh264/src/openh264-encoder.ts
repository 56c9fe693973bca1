import { noProbeCache, probeThroughCache, type EncodeSettings, type Encoder, type ProbeCache, type ProbeResult } from '@pixelpass/core';
import { PROBE_SETTINGS, gopFrames, gstCommands, probeSoftwareEncoder, type GstCommands } from '@pixelpass/gst';

export interface OpenH264EncoderOptions {
  readonly cache?: ProbeCache;
  /** The GStreamer tools the probe asks; tests pass fakes. */
  readonly gst?: GstCommands;
}

/**
 * Cisco's OpenH264 in software: the last resort when x264 (plugins-ugly) is
 * not installed. Baseline profile only, so no B-frames by construction.
 */
export class OpenH264Encoder implements Encoder {
  readonly id = 'openh264';
  private readonly cache: ProbeCache;
  private readonly gst: GstCommands;

  constructor(options: OpenH264EncoderOptions = {}) {
    this.cache = options.cache ?? noProbeCache;
    this.gst = options.gst ?? gstCommands;
  }

  async probe(): Promise<ProbeResult> {
    const fragment = openh264Fragment(PROBE_SETTINGS);
    const run = () => probeSoftwareEncoder({ element: 'openh264enc', provider: 'gstreamer1.0-plugins-bad', fragment }, this.gst);
    return (await probeThroughCache(this.cache, this.id, run)).result;
  }

  fragment(s: EncodeSettings): string {
    return openh264Fragment(s);
  }
}

/**
 * Raw video in, H.264 out. openh264enc takes bit/s, not kbit/s. usage-type=screen
 * tunes for desktop content; rate-control=bitrate holds the asked bitrate.
 * qp-min is set because with the default (0) openh264 1.x overshoots wildly on
 * moving content: 4 Mbit/s asked gave 6.9 Mbit/s at 720p and 14.3 Mbit/s at
 * 1080p; with qp-min=10 it gave 4.27 and 4.00 (bench/encoders.mjs, smpte scroll).
 */
export function openh264Fragment(s: EncodeSettings): string {
  const gop = gopFrames(s.fps, s.keyframeIntervalSec, s.keyframesOnRequestOnly);
  const bps = s.bitrateKbps * 1000;
  const scenes = s.keyframesOnRequestOnly ? ' scene-change-detection=false' : '';
  return `openh264enc usage-type=screen rate-control=bitrate complexity=low bitrate=${bps} max-bitrate=${bps * 2} qp-min=10 gop-size=${gop}${scenes}`;
}
