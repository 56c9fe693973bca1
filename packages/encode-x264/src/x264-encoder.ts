import type { EncodeSettings, Encoder, ProbeResult } from '@pixelpass/core';
import { execa } from 'execa';

/**
 * Software H.264 with x264: what runs on machines without a usable GPU encoder.
 * zerolatency (no lookahead, no B-frames), a short keyframe interval so joining
 * viewers start fast.
 */
export class X264Encoder implements Encoder {
  readonly id = 'x264';

  async probe(): Promise<ProbeResult> {
    const r = await execa('gst-inspect-1.0', ['--exists', 'x264enc'], { reject: false });
    return r.exitCode === 0
      ? { usable: true, detail: 'x264enc (software)' }
      : { usable: false, reason: 'GStreamer element x264enc not found', provider: 'gstreamer1.0-plugins-ugly' };
  }

  fragment(s: EncodeSettings): string {
    const keyInt = Math.max(1, Math.round(s.fps * s.keyframeIntervalSec));
    return [
      `x264enc tune=zerolatency speed-preset=veryfast bitrate=${s.bitrateKbps} key-int-max=${keyInt} bframes=0 byte-stream=true`,
      'video/x-h264,profile=constrained-baseline',
    ].join(' ! ');
  }
}
