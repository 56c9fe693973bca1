import { describe, expect, it } from 'vitest';
import { NvencEncoder } from './nvenc-encoder.js';

describe('NvencEncoder.probe on this machine (real GStreamer, no NVIDIA GPU)', () => {
  it('reports unusable and says the NVIDIA driver is missing', async () => {
    const r = await new NvencEncoder().probe();
    expect(r.usable).toBe(false);
    if (r.usable) return;
    expect(r.reason).toMatch(/nvh264enc is not registered/);
    expect(r.provider).toMatch(/NVIDIA/);
  });
});
