import { describe, expect, it } from 'vitest';
import { vaapiUnavailable, vendorOf, type VaFacts } from './va-diagnosis.js';

const base: VaFacts = { vaPlugin: true, encoderElements: [], renderNodes: [], vaDrivers: [] };
const intel = { path: '/dev/dri/renderD128', vendorId: '0x8086', kernelDriver: 'i915', accessible: true };
const amd = { path: '/dev/dri/renderD128', vendorId: '0x1002', kernelDriver: 'amdgpu', accessible: true };
const nvidia = { path: '/dev/dri/renderD128', vendorId: '0x10de', kernelDriver: 'nvidia', accessible: true };

describe('vaapiUnavailable', () => {
  const cases: Array<{ name: string; facts: VaFacts; reason: RegExp; provider?: RegExp | undefined }> = [
    {
      name: 'no GPU at all',
      facts: base,
      reason: /vah264enc is not registered: no VA render device \(\/dev\/dri\/renderD\* does not exist/,
      provider: /Intel: intel-media-va-driver-non-free.*i965-va-driver.*AMD: mesa-va-drivers.*nvidia-vaapi-driver\) only decodes; use --encoder nvenc/,
    },
    { name: 'va plugin missing', facts: { ...base, vaPlugin: false }, reason: /va plugin/, provider: /^gstreamer1\.0-plugins-bad$/ },
    {
      name: 'device without permission',
      facts: { ...base, renderNodes: [{ ...intel, accessible: false }] },
      reason: /cannot open \/dev\/dri\/renderD128 \(permission denied\).*render" group/,
      provider: undefined,
    },
    {
      name: 'Intel without a driver',
      facts: { ...base, renderNodes: [intel] },
      reason: /no VA driver for the Intel GPU on renderD128 is installed/,
      provider: /^intel-media-va-driver-non-free or intel-media-va-driver .* i965-va-driver/,
    },
    {
      name: 'Intel with the free iHD that lacks the encoder',
      facts: { ...base, renderNodes: [intel], vaDrivers: ['iHD'] },
      reason: /the iHD VA driver on renderD128 offers no H\.264 encoder/,
      provider: /^intel-media-va-driver-non-free$/,
    },
    {
      name: 'AMD without a driver',
      facts: { ...base, renderNodes: [amd], vaDrivers: ['iHD'] },
      reason: /no VA driver for the AMD GPU/,
      provider: /^mesa-va-drivers$/,
    },
    {
      name: 'NVIDIA: VA only decodes',
      facts: { ...base, renderNodes: [nvidia], vaDrivers: ['nvidia'] },
      reason: /is NVIDIA; NVIDIA's VA driver \(nvidia-vaapi-driver\) only decodes; use --encoder nvenc/,
      provider: undefined,
    },
    {
      name: 'registered but the test encode fails (unpackaged driver)',
      facts: { ...base, encoderElements: ['vah264enc'], renderNodes: [amd], vaDrivers: ['radeonsi'], testFailure: { element: 'vah264enc', message: 'Failed to open encoder' } },
      reason: /vah264enc is registered but a test encode failed \(Failed to open encoder\)/,
      provider: /^mesa-va-drivers$/,
    },
    {
      name: 'unknown GPU',
      facts: { ...base, renderNodes: [{ path: '/dev/dri/renderD128', vendorId: '0x1af4', kernelDriver: 'virtio-pci', accessible: true }] },
      reason: /vendor 0x1af4, kernel driver virtio-pci\) offers no VA H\.264 encoder/,
      provider: /the VA driver for your GPU/,
    },
  ];
  it.each(cases)('$name', ({ facts, reason, provider }) => {
    const r = vaapiUnavailable(facts);
    expect(r.reason).toMatch(reason);
    if (provider) expect(r.provider).toMatch(provider);
    else expect(r.provider).toBeUndefined();
  });
});

describe('vendorOf', () => {
  const cases: Array<[string | undefined, string | undefined, string]> = [
    ['0x8086', 'i915', 'intel'],
    [undefined, 'xe', 'intel'],
    ['0x1002', undefined, 'amd'],
    ['0x10DE', undefined, 'nvidia'],
    [undefined, 'nouveau', 'nvidia'],
    ['0x1af4', 'virtio-pci', 'other'],
  ];
  it.each(cases)('%s/%s → %s', (vendorId, kernelDriver, vendor) =>
    expect(vendorOf({ path: '/dev/dri/renderD128', vendorId, kernelDriver, accessible: true })).toBe(vendor),
  );
});
