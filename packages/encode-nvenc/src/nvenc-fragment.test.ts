import { describe, expect, it } from 'vitest';
import { NVENC_VARIANTS, nvencFragment, nvencUnavailable, nvencVariantId, parseNvencVariantId, type NvencFacts } from './nvenc-fragment.js';

const s = { fps: 30, bitrateKbps: 8000, keyframeIntervalSec: 2 };

describe('nvencFragment', () => {
  const cases: Array<[(typeof NVENC_VARIANTS)[number], string]> = [
    [NVENC_VARIANTS[0]!, 'nvh264enc preset=low-latency-hq rc-mode=cbr zerolatency=true bframes=0 gop-size=60 bitrate=8000'],
    [NVENC_VARIANTS[1]!, 'nvh264enc bitrate=8000 gop-size=60'],
    [NVENC_VARIANTS[2]!, 'nvcudah264enc bitrate=8000 gop-size=60'],
  ];
  it.each(cases)('%j', (v, expected) => expect(nvencFragment(v, s)).toBe(expected));
  it('variant ids round-trip', () => {
    for (const v of NVENC_VARIANTS) expect(parseNvencVariantId(nvencVariantId(v))).toEqual(v);
    expect(parseNvencVariantId('x264enc|plain')).toBeUndefined();
  });
});

describe('nvencUnavailable', () => {
  const base: NvencFacts = { nvcodecPlugin: true, encoderElements: [], nvidiaDriverLoaded: false, encodeLibrary: false };
  const cases: Array<[string, NvencFacts, RegExp, RegExp | undefined]> = [
    ['no NVIDIA driver', base, /nvh264enc is not registered: no NVIDIA driver is loaded/, /NVIDIA proprietary driver.*libnvidia-encode1/],
    ['plugin missing', { ...base, nvcodecPlugin: false }, /nvcodec plugin/, /^gstreamer1\.0-plugins-bad$/],
    ['driver without NVENC library', { ...base, nvidiaDriverLoaded: true }, /libnvidia-encode\.so\.1 is missing/, /^libnvidia-encode1$/],
    ['driver and library but no element', { ...base, nvidiaDriverLoaded: true, encodeLibrary: true }, /did not initialise/, undefined],
    [
      'test encode fails',
      { ...base, nvidiaDriverLoaded: true, encodeLibrary: true, encoderElements: ['nvh264enc'], testFailure: { element: 'nvh264enc', message: 'Could not open encoder' } },
      /nvh264enc is registered but a test encode failed \(Could not open encoder\)/,
      undefined,
    ],
  ];
  it.each(cases)('%s', (_name, facts, reason, provider) => {
    const r = nvencUnavailable(facts);
    expect(r.reason).toMatch(reason);
    if (provider) expect(r.provider).toMatch(provider);
    else expect(r.provider).toBeUndefined();
  });
});
