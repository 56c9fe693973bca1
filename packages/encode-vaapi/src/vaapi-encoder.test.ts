import { describe, expect, it } from 'vitest';
import type { CachedProbe, ProbeCache } from '@pixelpass/core';
import { VaapiEncoder } from './vaapi-encoder.js';

/** Real gst-inspect / gst-launch on this machine: no VA device, so VA-API must be reported unusable. */
describe('VaapiEncoder.probe on this machine (real GStreamer)', () => {
  it('reports unusable and names the element, the device and the driver packages', async () => {
    const r = await new VaapiEncoder().probe();
    expect(r.usable).toBe(false);
    if (r.usable) return;
    expect(r.reason).toMatch(/vah264enc is not registered/);
    expect(r.reason).toMatch(/\/dev\/dri\/renderD\*/);
    expect(r.provider).toMatch(/intel-media-va-driver/);
    expect(r.provider).toMatch(/mesa-va-drivers/);
    expect(r.provider).toMatch(/nvidia-vaapi-driver\) only decodes/);
  });

  it('stores the result in the cache and answers from it next time', async () => {
    const store = new Map<string, CachedProbe>();
    const cache: ProbeCache = { get: async (id) => store.get(id), put: async (id, p) => void store.set(id, p) };
    const first = await new VaapiEncoder({ cache }).probe();
    expect(store.get('vaapi')?.result).toEqual(first);
    // A cached usable variant is restored without probing, and drives the fragment.
    store.set('vaapi', { result: { usable: true, detail: 'vah264enc' }, variant: 'vah264enc|none|cbr' });
    const enc = new VaapiEncoder({ cache });
    expect(await enc.probe()).toEqual({ usable: true, detail: 'vah264enc' });
    expect(enc.fragment({ fps: 30, bitrateKbps: 3000, keyframeIntervalSec: 1 })).toBe('vah264enc rate-control=cbr bitrate=3000 key-int-max=30 b-frames=0');
  });

  it('refuses to build a fragment when never probed usable', () => {
    expect(() => new VaapiEncoder().fragment({ fps: 30, bitrateKbps: 3000, keyframeIntervalSec: 1 })).toThrow(/not probed/);
  });
});
