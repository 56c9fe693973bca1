import type { EncodeSettings, Encoder, ProbeCache, ProbeResult } from '@pixelpass/core';
import { gstFailureSummary, noProbeCache, probeThroughCache, testEncodeArgs } from '@pixelpass/core';
import { execa } from 'execa';

export interface X264EncoderOptions {
  readonly cache?: ProbeCache;
}

/**
 * Software H.264 with x264: what runs on machines without a usable GPU encoder.
 * zerolatency (no lookahead, no B-frames), a short keyframe interval so joining
 * viewers start fast.
 */
export class X264Encoder implements Encoder {
  readonly id = 'x264';
  private readonly cache: ProbeCache;

  constructor(options: X264EncoderOptions = {}) {
    this.cache = options.cache ?? noProbeCache;
  }

  async probe(): Promise<ProbeResult> {
    return (await probeThroughCache(this.cache, this.id, () => this.probeNow())).result;
  }

  fragment(s: EncodeSettings): string {
    const keyInt = Math.max(1, Math.round(s.fps * s.keyframeIntervalSec));
    return [
      `x264enc tune=zerolatency speed-preset=veryfast bitrate=${s.bitrateKbps} key-int-max=${keyInt} bframes=0 byte-stream=true`,
      'video/x-h264,profile=constrained-baseline',
    ].join(' ! ');
  }

  private async probeNow(): Promise<{ result: ProbeResult; transient: boolean }> {
    // stdin ignored: with an open stdin pipe, gst-inspect hangs while rebuilding a cold registry.
    const r = await execa('gst-inspect-1.0', ['--exists', 'x264enc'], { reject: false, timeout: 30_000, stdin: 'ignore' });
    if (r.timedOut) return { result: { usable: false, reason: 'gst-inspect-1.0 did not answer within 30 s' }, transient: true };
    if (r.exitCode !== 0) {
      return { result: { usable: false, reason: 'GStreamer element x264enc not found', provider: 'gstreamer1.0-plugins-ugly' }, transient: false };
    }
    // Cheap (tens of ms) and catches a broken libx264 or a fragment the installed version rejects.
    const t = await execa('gst-launch-1.0', testEncodeArgs(this.fragment({ fps: 30, bitrateKbps: 2000, keyframeIntervalSec: 1 })), {
      reject: false,
      timeout: 30_000,
      encoding: 'buffer',
      stdin: 'ignore',
    });
    const bytes = (t.stdout as Uint8Array | undefined)?.byteLength ?? 0;
    if (t.exitCode === 0 && bytes > 0) return { result: { usable: true, detail: 'x264enc, software' }, transient: false };
    if (t.timedOut) return { result: { usable: false, reason: 'x264enc test encode did not finish within 30 s' }, transient: true };
    const stderr = Buffer.from((t.stderr as Uint8Array | undefined) ?? new Uint8Array()).toString('utf8');
    const why = t.exitCode === 0 ? 'no output' : gstFailureSummary(stderr, t.exitCode);
    return { result: { usable: false, reason: `x264enc test encode failed (${why})` }, transient: false };
  }
}
