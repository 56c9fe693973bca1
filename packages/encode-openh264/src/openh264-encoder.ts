import { execa } from 'execa';
import {
  gstFailureSummary,
  noProbeCache,
  probeThroughCache,
  testEncodeArgs,
  type EncodeSettings,
  type Encoder,
  type ProbeCache,
  type ProbeResult,
} from '@pixelpass/core';

export interface OpenH264EncoderOptions {
  readonly cache?: ProbeCache;
}

/**
 * Cisco's OpenH264 in software: the last resort when x264 (plugins-ugly) is
 * not installed. Baseline profile only, so no B-frames by construction.
 */
export class OpenH264Encoder implements Encoder {
  readonly id = 'openh264';
  private readonly cache: ProbeCache;

  constructor(options: OpenH264EncoderOptions = {}) {
    this.cache = options.cache ?? noProbeCache;
  }

  async probe(): Promise<ProbeResult> {
    return (await probeThroughCache(this.cache, this.id, () => this.probeNow())).result;
  }

  fragment(s: EncodeSettings): string {
    return openh264Fragment(s);
  }

  private async probeNow(): Promise<{ result: ProbeResult; transient: boolean }> {
    // stdin ignored: with an open stdin pipe, gst-inspect hangs while rebuilding a cold registry.
    const exists = await execa('gst-inspect-1.0', ['--exists', 'openh264enc'], { reject: false, timeout: 30_000, stdin: 'ignore' });
    if (exists.timedOut) return { result: { usable: false, reason: 'gst-inspect-1.0 did not answer within 30 s' }, transient: true };
    if (exists.exitCode !== 0) {
      return { result: { usable: false, reason: 'GStreamer element openh264enc not found', provider: 'gstreamer1.0-plugins-bad' }, transient: false };
    }
    const r = await execa('gst-launch-1.0', testEncodeArgs(openh264Fragment({ fps: 30, bitrateKbps: 2000, keyframeIntervalSec: 1 })), {
      reject: false,
      timeout: 30_000,
      encoding: 'buffer',
      stdin: 'ignore',
    });
    const bytes = (r.stdout as Uint8Array | undefined)?.byteLength ?? 0;
    if (r.exitCode === 0 && bytes > 0) return { result: { usable: true, detail: 'openh264enc, software' }, transient: false };
    if (r.timedOut) return { result: { usable: false, reason: 'openh264enc test encode did not finish within 30 s' }, transient: true };
    const stderr = Buffer.from((r.stderr as Uint8Array | undefined) ?? new Uint8Array()).toString('utf8');
    const why = r.exitCode === 0 ? 'no output' : gstFailureSummary(stderr, r.exitCode);
    return { result: { usable: false, reason: `openh264enc test encode failed (${why})` }, transient: false };
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
  const gop = Math.max(1, Math.round(s.fps * s.keyframeIntervalSec));
  const bps = s.bitrateKbps * 1000;
  return `openh264enc usage-type=screen rate-control=bitrate complexity=low bitrate=${bps} max-bitrate=${bps * 2} qp-min=10 gop-size=${gop}`;
}
