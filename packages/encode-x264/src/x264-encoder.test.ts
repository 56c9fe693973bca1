import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { PROBE_SETTINGS, type ElementPresence, type GstCommands } from '@pixelpass/gst';
import type { CachedProbe, ProbeCache } from '@pixelpass/core';
import { X264Encoder } from './x264-encoder.js';

describe('X264Encoder.fragment', () => {
  const cases: Array<[{ fps: number; bitrateKbps: number; keyframeIntervalSec: number }, RegExp[]]> = [
    [{ fps: 30, bitrateKbps: 4000, keyframeIntervalSec: 2 }, [/^x264enc /, /tune=zerolatency/, /bitrate=4000 /, /key-int-max=60 /, /bframes=0/, /video\/x-h264,profile=constrained-baseline$/]],
    [{ fps: 60, bitrateKbps: 1500, keyframeIntervalSec: 0.01 }, [/key-int-max=1 /, /bitrate=1500 /]],
  ];
  it.each(cases)('%j', (s, patterns) => {
    for (const p of patterns) expect(new X264Encoder().fragment(s)).toMatch(p);
  });
});

describe('X264Encoder.probe (fake GStreamer)', () => {
  const gst = (presence: ElementPresence, encoded: string[] = []): GstCommands => ({
    inspectElement: async (element) => (element === 'x264enc' ? presence : 'absent'),
    pluginFeatures: async () => undefined,
    testEncode: async (fragment) => (encoded.push(fragment), { ok: true }),
  });
  it('test-encodes its own fragment at the probe settings', async () => {
    const encoded: string[] = [];
    expect(await new X264Encoder({ gst: gst('present', encoded) }).probe()).toEqual({ usable: true, detail: 'x264enc, software' });
    expect(encoded).toEqual([new X264Encoder().fragment(PROBE_SETTINGS)]);
  });
  it('a missing element names its package', async () => {
    expect(await new X264Encoder({ gst: gst('absent') }).probe()).toEqual({
      usable: false,
      reason: 'GStreamer element x264enc not found',
      provider: 'gstreamer1.0-plugins-ugly',
    });
  });
});

describe('X264Encoder on this machine (real GStreamer)', () => {
  it('probes usable with a real test encode', async () => {
    expect(await new X264Encoder().probe()).toEqual({ usable: true, detail: 'x264enc, software' });
  });
  it('every property in the fragment exists on the real element', async () => {
    const r = await execa('gst-inspect-1.0', ['x264enc']);
    const props = new X264Encoder().fragment({ fps: 30, bitrateKbps: 2000, keyframeIntervalSec: 1 }).split(' ! ')[0]!.split(' ').slice(1);
    for (const prop of props.map((kv) => kv.split('=')[0]!)) expect(r.stdout).toMatch(new RegExp(`^\\s+${prop}\\s+:`, 'm'));
  });
  it('answers from the cache without probing', async () => {
    const store = new Map<string, CachedProbe>([['x264', { result: { usable: false, reason: 'cached' } }]]);
    const cache: ProbeCache = { get: async (id) => store.get(id), put: async (id, p) => void store.set(id, p) };
    expect(await new X264Encoder({ cache }).probe()).toEqual({ usable: false, reason: 'cached' });
  });
});
