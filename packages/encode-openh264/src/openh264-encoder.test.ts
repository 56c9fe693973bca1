import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { PROBE_SETTINGS, type ElementPresence, type GstCommands } from '@pixelpass/gst';
import { OpenH264Encoder, openh264Fragment } from './openh264-encoder.js';

describe('openh264Fragment', () => {
  const cases: Array<[{ fps: number; bitrateKbps: number; keyframeIntervalSec: number }, RegExp[]]> = [
    [{ fps: 30, bitrateKbps: 4000, keyframeIntervalSec: 2 }, [/^openh264enc /, /bitrate=4000000 /, /gop-size=60$/, /rate-control=bitrate/, /usage-type=screen/]],
    [{ fps: 60, bitrateKbps: 1500, keyframeIntervalSec: 1 }, [/bitrate=1500000 /, /max-bitrate=3000000/, /qp-min=10 /, /gop-size=60$/]],
  ];
  it.each(cases)('%j', (s, patterns) => {
    for (const p of patterns) expect(openh264Fragment(s)).toMatch(p);
  });
});

describe('OpenH264Encoder.probe (fake GStreamer)', () => {
  const gst = (presence: ElementPresence, encoded: string[] = []): GstCommands => ({
    inspectElement: async (element) => (element === 'openh264enc' ? presence : 'absent'),
    pluginFeatures: async () => undefined,
    testEncode: async (fragment) => (encoded.push(fragment), { ok: true }),
  });
  it('test-encodes its own fragment at the probe settings', async () => {
    const encoded: string[] = [];
    expect(await new OpenH264Encoder({ gst: gst('present', encoded) }).probe()).toEqual({ usable: true, detail: 'openh264enc, software' });
    expect(encoded).toEqual([openh264Fragment(PROBE_SETTINGS)]);
  });
  it('a missing element names its package', async () => {
    expect(await new OpenH264Encoder({ gst: gst('absent') }).probe()).toEqual({
      usable: false,
      reason: 'GStreamer element openh264enc not found',
      provider: 'gstreamer1.0-plugins-bad',
    });
  });
});

describe('OpenH264Encoder on this machine (real GStreamer)', () => {
  it('probes usable with a real test encode', async () => {
    expect(await new OpenH264Encoder().probe()).toEqual({ usable: true, detail: 'openh264enc, software' });
  });
  it('every property in the fragment exists on the real element', async () => {
    const r = await execa('gst-inspect-1.0', ['openh264enc']);
    for (const prop of openh264Fragment({ fps: 30, bitrateKbps: 2000, keyframeIntervalSec: 1 }).split(' ').slice(1).map((kv) => kv.split('=')[0]!)) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${prop}\\s+:`, 'm'));
    }
  });
});
