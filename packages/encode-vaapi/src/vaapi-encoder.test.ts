import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CachedProbe, ProbeCache } from '@pixelpass/core';
import type { GstCommands, PluginFeatures, TestEncodeOutcome } from '@pixelpass/gst';
import { VaapiEncoder, type VaHost } from './vaapi-encoder.js';
import type { RenderNode } from './va-diagnosis.js';

const settings = { fps: 30, bitrateKbps: 3000, keyframeIntervalSec: 1 };
const fail = (message: string, hung = false): TestEncodeOutcome => ({ ok: false, message, hung, noOutput: false });

/** GStreamer answers from a table: plugin features, and a test-encode verdict per fragment. */
function fakeGst(plugins: Record<string, PluginFeatures>, encode: (fragment: string) => TestEncodeOutcome = () => fail('unexpected')) {
  const encoded: string[] = [];
  const gst: GstCommands = {
    inspectElement: async () => 'absent',
    pluginFeatures: async (plugin) => plugins[plugin],
    testEncode: async (fragment) => (encoded.push(fragment), encode(fragment)),
  };
  return { gst, encoded };
}

function fakeHost(renderNodes: RenderNode[] = [], vaDrivers: string[] = []): VaHost {
  return { renderNodes: async () => renderNodes, vaDrivers: async () => vaDrivers };
}

/** Says so if the probe reads the machine when a variant already worked. */
const untouchedHost: VaHost = {
  renderNodes: () => Promise.reject(new Error('host read although a variant worked')),
  vaDrivers: () => Promise.reject(new Error('host read although a variant worked')),
};

function memoryCache() {
  const store = new Map<string, CachedProbe>();
  const cache: ProbeCache = { get: async (id) => store.get(id), put: async (id, p) => void store.set(id, p) };
  return { store, cache };
}

const amd: RenderNode = { path: '/dev/dri/renderD128', vendorId: '0x1002', kernelDriver: 'amdgpu', accessible: true };
const vaPlugin = ['vah264dec', 'vah264enc', 'vapostproc'];

describe('VaapiEncoder.probe (fake GStreamer and machine)', () => {
  it('no GPU: the va plugin registers no encoder; names the device and the driver packages, test-encodes nothing', async () => {
    const { gst, encoded } = fakeGst({ va: [] });
    const r = await new VaapiEncoder({ gst, host: fakeHost() }).probe();
    expect(r.usable).toBe(false);
    if (r.usable) return;
    expect(r.reason).toMatch(/vah264enc is not registered: no VA render device \(\/dev\/dri\/renderD\*/);
    expect(r.provider).toMatch(/intel-media-va-driver/);
    expect(r.provider).toMatch(/mesa-va-drivers/);
    expect(r.provider).toMatch(/nvidia-vaapi-driver\) only decodes/);
    expect(encoded).toEqual([]);
  });

  it('no va plugin at all names gstreamer1.0-plugins-bad', async () => {
    const { gst } = fakeGst({});
    expect(await new VaapiEncoder({ gst, host: fakeHost() }).probe()).toEqual({
      usable: false,
      reason: 'the GStreamer va plugin (vah264enc) is missing',
      provider: 'gstreamer1.0-plugins-bad',
    });
  });

  it('keeps the first variant whose test encode works, caches it, and builds fragments from it', async () => {
    const { gst, encoded } = fakeGst({ va: vaPlugin }, (f) => (f.startsWith('vapostproc') ? fail('not negotiated') : { ok: true }));
    const { store, cache } = memoryCache();
    const enc = new VaapiEncoder({ cache, gst, host: untouchedHost });
    expect(await enc.probe()).toEqual({ usable: true, detail: 'vah264enc, CBR, CPU colour conversion' });
    expect(encoded).toEqual([
      'vapostproc ! video/x-raw(memory:VAMemory),format=NV12 ! vah264enc rate-control=cbr bitrate=2000 key-int-max=30 b-frames=0',
      'vah264enc rate-control=cbr bitrate=2000 key-int-max=30 b-frames=0',
    ]);
    expect(store.get('vaapi')).toEqual({ result: { usable: true, detail: 'vah264enc, CBR, CPU colour conversion' }, variant: 'vah264enc|none|cbr' });
    expect(enc.fragment(settings)).toBe('vah264enc rate-control=cbr bitrate=3000 key-int-max=30 b-frames=0');
  });

  it('a hanging element is left after one try; the legacy element is tried next', async () => {
    const { gst, encoded } = fakeGst({ va: vaPlugin, vaapi: ['vaapih264enc', 'vaapipostproc'] }, (f) =>
      f.includes('vah264enc') ? fail('the test encode hung (no end after 10 s)', true) : { ok: true },
    );
    const r = await new VaapiEncoder({ gst, host: untouchedHost }).probe();
    expect(r).toEqual({ usable: true, detail: 'vaapih264enc, CBR, GPU colour conversion' });
    expect(encoded.filter((f) => f.includes('vah264enc'))).toHaveLength(1);
  });

  it('registered but every test encode fails: the first failure and the vendor’s driver package', async () => {
    const { gst, encoded } = fakeGst({ va: vaPlugin }, () => fail('Failed to open encoder'));
    const r = await new VaapiEncoder({ gst, host: fakeHost([amd], ['radeonsi']) }).probe();
    expect(r).toEqual({
      usable: false,
      reason: 'vah264enc is registered but a test encode failed (Failed to open encoder); the VA driver is broken or not the packaged one',
      provider: 'mesa-va-drivers',
    });
    expect(encoded).toHaveLength(3);
  });

  it('a gst-inspect timeout is reported but not cached', async () => {
    const { gst } = fakeGst({ va: 'timeout', vaapi: undefined });
    const { store, cache } = memoryCache();
    expect(await new VaapiEncoder({ cache, gst, host: fakeHost() }).probe()).toEqual({ usable: false, reason: 'gst-inspect-1.0 did not answer within 30 s' });
    expect(store.size).toBe(0);
  });

  it('stores the result in the cache and answers from it next time', async () => {
    const { store, cache } = memoryCache();
    const first = await new VaapiEncoder({ cache, gst: fakeGst({ va: [] }).gst, host: fakeHost() }).probe();
    expect(store.get('vaapi')?.result).toEqual(first);
    // A cached usable variant is restored without probing, and drives the fragment.
    store.set('vaapi', { result: { usable: true, detail: 'vah264enc' }, variant: 'vah264enc|none|cbr' });
    const { gst, encoded } = fakeGst({});
    const enc = new VaapiEncoder({ cache, gst, host: untouchedHost });
    expect(await enc.probe()).toEqual({ usable: true, detail: 'vah264enc' });
    expect(encoded).toEqual([]);
    expect(enc.fragment(settings)).toBe('vah264enc rate-control=cbr bitrate=3000 key-int-max=30 b-frames=0');
  });

  it('refuses to build a fragment when never probed usable', () => {
    expect(() => new VaapiEncoder().fragment(settings)).toThrow(/not probed/);
  });

  it('reads render nodes from driDir by default (an empty one: no device)', async () => {
    const driDir = await mkdtemp(join(tmpdir(), 'pixelpass-dri-'));
    try {
      const r = await new VaapiEncoder({ driDir, gst: fakeGst({ va: [] }).gst }).probe();
      expect(r.usable).toBe(false);
      if (!r.usable) expect(r.reason).toMatch(/no VA render device/);
    } finally {
      await rm(driDir, { recursive: true, force: true });
    }
  });
});

/** Real gst-inspect / gst-launch: holds on any machine, with or without a VA device. */
describe('VaapiEncoder.probe on this machine (real GStreamer)', () => {
  it('gives a usable variant or a reason naming what is missing', async () => {
    const enc = new VaapiEncoder();
    const r = await enc.probe();
    if (r.usable) {
      expect(r.detail).toMatch(/^va\S*h264(lp)?enc, /);
      expect(enc.fragment(settings)).toMatch(/h264(lp)?enc .*bitrate=3000/);
    } else {
      expect(r.reason).toMatch(/vah264enc|va plugin/);
    }
  });
});
