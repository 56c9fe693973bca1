import { describe, expect, it } from 'vitest';
import type { CachedProbe, ProbeCache } from '@pixelpass/core';
import type { GstCommands, PluginFeatures, TestEncodeOutcome } from '@pixelpass/gst';
import { NvencEncoder, type NvidiaHost } from './nvenc-encoder.js';

const settings = { fps: 30, bitrateKbps: 3000, keyframeIntervalSec: 1 };
const fail = (message: string, hung = false): TestEncodeOutcome => ({ ok: false, message, hung, noOutput: false });

function fakeGst(nvcodec: PluginFeatures, encode: (fragment: string) => TestEncodeOutcome = () => fail('unexpected')) {
  const encoded: string[] = [];
  const gst: GstCommands = {
    inspectElement: async () => 'absent',
    pluginFeatures: async (plugin) => (plugin === 'nvcodec' ? nvcodec : undefined),
    testEncode: async (fragment) => (encoded.push(fragment), encode(fragment)),
  };
  return { gst, encoded };
}

const host = (driverLoaded: boolean, encodeLibrary: boolean): NvidiaHost => ({
  driverLoaded: async () => driverLoaded,
  encodeLibrary: async () => encodeLibrary,
});

function memoryCache() {
  const store = new Map<string, CachedProbe>();
  const cache: ProbeCache = { get: async (id) => store.get(id), put: async (id, p) => void store.set(id, p) };
  return { store, cache };
}

describe('NvencEncoder.probe (fake GStreamer and machine)', () => {
  it('no NVIDIA driver: nvcodec registers no encoder; says the driver is missing, test-encodes nothing', async () => {
    const { gst, encoded } = fakeGst(['cudaupload', 'cudadownload']);
    const r = await new NvencEncoder({ gst, host: host(false, false) }).probe();
    expect(r.usable).toBe(false);
    if (r.usable) return;
    expect(r.reason).toMatch(/nvh264enc is not registered: no NVIDIA driver is loaded/);
    expect(r.provider).toMatch(/NVIDIA/);
    expect(encoded).toEqual([]);
  });

  it('no nvcodec plugin names gstreamer1.0-plugins-bad', async () => {
    const r = await new NvencEncoder({ gst: fakeGst(undefined).gst, host: host(true, true) }).probe();
    expect(r).toEqual({ usable: false, reason: 'the GStreamer nvcodec plugin (nvh264enc) is missing', provider: 'gstreamer1.0-plugins-bad' });
  });

  it('keeps the first variant whose test encode works, caches it, and builds fragments from it', async () => {
    const { gst, encoded } = fakeGst(['nvh264enc', 'nvh264dec'], (f) => (f.includes('preset=') ? fail('invalid preset') : { ok: true }));
    const { store, cache } = memoryCache();
    const enc = new NvencEncoder({ cache, gst, host: host(true, true) });
    expect(await enc.probe()).toEqual({ usable: true, detail: 'nvh264enc, driver defaults' });
    expect(encoded).toEqual([
      'nvh264enc preset=low-latency-hq rc-mode=cbr zerolatency=true bframes=0 gop-size=30 bitrate=2000',
      'nvh264enc bitrate=2000 gop-size=30',
    ]);
    expect(store.get('nvenc')?.variant).toBe('nvh264enc|plain');
    expect(enc.fragment(settings)).toBe('nvh264enc bitrate=3000 gop-size=30');
  });

  it('a hanging nvh264enc is left after one try; nvcudah264enc is tried next', async () => {
    const { gst, encoded } = fakeGst(['nvh264enc', 'nvcudah264enc'], (f) => (f.startsWith('nvh264enc') ? fail('hung', true) : { ok: true }));
    expect(await new NvencEncoder({ gst, host: host(true, true) }).probe()).toEqual({ usable: true, detail: 'nvcudah264enc, driver defaults' });
    expect(encoded).toEqual(['nvh264enc preset=low-latency-hq rc-mode=cbr zerolatency=true bframes=0 gop-size=30 bitrate=2000', 'nvcudah264enc bitrate=2000 gop-size=30']);
  });

  it('registered but every test encode fails: the first failure', async () => {
    const { gst } = fakeGst(['nvh264enc'], () => fail('Could not open encoder'));
    expect(await new NvencEncoder({ gst, host: host(true, true) }).probe()).toEqual({
      usable: false,
      reason: 'nvh264enc is registered but a test encode failed (Could not open encoder)',
      provider: undefined,
    });
  });

  it('a gst-inspect timeout is reported but not cached', async () => {
    const { store, cache } = memoryCache();
    expect(await new NvencEncoder({ cache, gst: fakeGst('timeout').gst, host: host(false, false) }).probe()).toEqual({
      usable: false,
      reason: 'gst-inspect-1.0 did not answer within 30 s',
    });
    expect(store.size).toBe(0);
  });

  it('refuses to build a fragment when never probed usable', () => {
    expect(() => new NvencEncoder().fragment(settings)).toThrow(/not probed/);
  });
});

/** Real gst-inspect / gst-launch: holds on any machine, with or without an NVIDIA GPU. */
describe('NvencEncoder.probe on this machine (real GStreamer)', () => {
  it('gives a usable variant or a reason naming what is missing', async () => {
    const enc = new NvencEncoder();
    const r = await enc.probe();
    if (r.usable) {
      expect(r.detail).toMatch(/^nv(cuda)?h264enc, /);
      expect(enc.fragment(settings)).toMatch(/bitrate=3000/);
    } else {
      expect(r.reason).toMatch(/nvh264enc|nvcodec/);
    }
  });
});
