import type { EncodeSettings, Encoder, ProbeCache, ProbeResult } from '@pixelpass/core';
import { noProbeCache, probeThroughCache } from '@pixelpass/core';
import { PROBE_SETTINGS, gopFrames, gstCommands, probeSoftwareEncoder, type GstCommands } from '@pixelpass/gst';

export interface X264EncoderOptions {
  readonly cache?: ProbeCache;
  /** The GStreamer tools the probe asks; tests pass fakes. */
  readonly gst?: GstCommands;
}

/**
 * Software H.264 with x264: what runs on machines without a usable GPU encoder.
 * zerolatency (no lookahead, no B-frames), a short keyframe interval so joining
 * viewers start fast.
 */
export class X264Encoder implements Encoder {
  readonly id = 'x264';
  private readonly cache: ProbeCache;
  private readonly gst: GstCommands;

  constructor(options: X264EncoderOptions = {}) {
    this.cache = options.cache ?? noProbeCache;
    this.gst = options.gst ?? gstCommands;
  }

  async probe(): Promise<ProbeResult> {
    const fragment = this.fragment(PROBE_SETTINGS);
    const run = () => probeSoftwareEncoder({ element: 'x264enc', provider: 'gstreamer1.0-plugins-ugly', fragment }, this.gst);
    return (await probeThroughCache(this.cache, this.id, run)).result;
  }

  fragment(s: EncodeSettings): string {
    return [
      `x264enc tune=zerolatency speed-preset=veryfast bitrate=${s.bitrateKbps} key-int-max=${gopFrames(s.fps, s.keyframeIntervalSec, s.keyframesOnRequestOnly)} bframes=0 byte-stream=true${
        // No keyframe at a scene change either: a ladder's renditions must keep theirs aligned.
        s.keyframesOnRequestOnly ? ' option-string=scenecut=0' : ''
      }`,
      'video/x-h264,profile=constrained-baseline',
    ].join(' ! ');
  }
}
