import { describe, expect, it } from 'vitest';
import { gstFailureSummary, parseProbeCache, probeCacheKey, testEncodeArgs, withCachedProbe } from './encoder-probe.js';

describe('testEncodeArgs', () => {
  it('wraps the fragment between a short test source and stdout', () => {
    const [quiet, ...rest] = testEncodeArgs('x264enc  bitrate=1 ! video/x-h264');
    expect(quiet).toBe('-q');
    expect(rest.join(' ')).toMatch(/^videotestsrc num-buffers=3 ! .* ! videoconvert ! x264enc bitrate=1 ! video\/x-h264 ! fdsink fd=1/);
    expect(rest.every((a) => a.length > 0 && !/\s/.test(a))).toBe(true);
  });
});

describe('gstFailureSummary', () => {
  const cases: Array<[string, string]> = [
    ['WARNING: erroneous pipeline: no element "vah264enc"\n', 'no element "vah264enc"'],
    ['WARNING: erroneous pipeline: no property "bogus" in element "x264enc0"', 'no property "bogus" in element "x264enc0"'],
    [
      'Setting pipeline to PAUSED ...\nERROR: from element /GstPipeline:pipeline0/GstVaH264Enc:vah264enc0: Failed to open encoder\nAdditional debug info:\n',
      'Failed to open encoder',
    ],
    ['', 'gst-launch-1.0 exited with code 1'],
  ];
  it.each(cases)('%j → %j', (stderr, expected) => expect(gstFailureSummary(stderr, 1)).toBe(expected));
});

describe('probe cache document', () => {
  const key = probeCacheKey({ bootId: 'b1\n', registryStamp: '123', env: { LIBVA_DRIVER_NAME: 'iHD' } });
  const stored = withCachedProbe(parseProbeCache(undefined, key), 'vaapi', {
    result: { usable: true, detail: 'vah264enc' },
    variant: 'vah264enc|vapostproc|cbr',
  });
  const text = JSON.stringify(stored);
  const cases: Array<[string, string | undefined, string, string[]]> = [
    ['round trip', text, key, ['vaapi']],
    ['another boot', text, probeCacheKey({ bootId: 'b2', registryStamp: '123', env: { LIBVA_DRIVER_NAME: 'iHD' } }), []],
    ['another driver', text, probeCacheKey({ bootId: 'b1', registryStamp: '123', env: {} }), []],
    ['registry rebuilt', text, probeCacheKey({ bootId: 'b1', registryStamp: '124', env: { LIBVA_DRIVER_NAME: 'iHD' } }), []],
    ['garbage', '{not json', key, []],
    ['missing file', undefined, key, []],
    ['malformed entry dropped', JSON.stringify({ version: 1, key, encoders: { x264: { result: { usable: 'yes' } } } }), key, []],
  ];
  it.each(cases)('%s', (_name, input, k, ids) => {
    expect(Object.keys(parseProbeCache(input, k).encoders)).toEqual(ids);
  });
  it('keeps the variant', () => {
    expect(parseProbeCache(text, key).encoders.vaapi?.variant).toBe('vah264enc|vapostproc|cbr');
  });
});
