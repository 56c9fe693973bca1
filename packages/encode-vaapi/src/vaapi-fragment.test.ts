import { describe, expect, it } from 'vitest';
import { parseVariantId, postprocFor, rankVaapiElements, vaapiFragment, vaapiVariants, variantId, type VaapiVariant } from './vaapi-fragment.js';

const s = { fps: 30, bitrateKbps: 6000, keyframeIntervalSec: 2 };

describe('vaapiFragment', () => {
  const cases: Array<[VaapiVariant, string]> = [
    [
      { element: 'vah264enc', upload: 'postproc', rateControl: 'cbr' },
      'vapostproc ! video/x-raw(memory:VAMemory),format=NV12 ! vah264enc rate-control=cbr bitrate=6000 key-int-max=60 b-frames=0',
    ],
    [{ element: 'vah264enc', upload: 'none', rateControl: 'driver' }, 'vah264enc bitrate=6000 key-int-max=60 b-frames=0'],
    [
      { element: 'varenderD129h264lpenc', upload: 'postproc', rateControl: 'cbr' },
      'varenderD129postproc ! video/x-raw(memory:VAMemory),format=NV12 ! varenderD129h264lpenc rate-control=cbr bitrate=6000 key-int-max=60 b-frames=0',
    ],
    [
      { element: 'vaapih264enc', upload: 'postproc', rateControl: 'cbr' },
      'vaapipostproc ! video/x-raw(memory:VASurface),format=NV12 ! vaapih264enc rate-control=cbr bitrate=6000 keyframe-period=60 max-bframes=0',
    ],
    [{ element: 'vaapih264enc', upload: 'none', rateControl: 'driver' }, 'vaapih264enc bitrate=6000 keyframe-period=60 max-bframes=0'],
  ];
  it.each(cases)('%j', (v, expected) => expect(vaapiFragment(v, s)).toBe(expected));

  it('never enables B-frames and keeps the keyframe interval in frames', () => {
    for (const v of vaapiVariants(['vah264enc', 'vaapih264enc'])) {
      const f = vaapiFragment(v, { fps: 60, bitrateKbps: 4000, keyframeIntervalSec: 1 });
      expect(f).toMatch(/(b-frames|max-bframes)=0/);
      expect(f).toMatch(/(key-int-max|keyframe-period)=60/);
      expect(f).toMatch(/bitrate=4000/);
    }
  });
});

describe('rankVaapiElements', () => {
  const cases: Array<[string[], string[]]> = [
    [['vaapih264enc', 'vah264lpenc', 'vah264enc', 'vah264dec', 'vapostproc'], ['vah264enc', 'vah264lpenc', 'vaapih264enc']],
    [['varenderD129h264enc', 'vah264enc'], ['vah264enc', 'varenderD129h264enc']],
    [['vah265enc', 'vaapih265enc'], []],
  ];
  it.each(cases)('%j → %j', (input, expected) => expect(rankVaapiElements(input)).toEqual(expected));
});

describe('variants', () => {
  it('try GPU conversion + CBR first, the driver defaults last', () => {
    expect(vaapiVariants(['vah264enc']).map(variantId)).toEqual([
      'vah264enc|postproc|cbr',
      'vah264enc|none|cbr',
      'vah264enc|none|driver',
    ]);
  });
  const ids: Array<[string, boolean]> = [
    ['vah264enc|postproc|cbr', true],
    ['vaapih264enc|none|driver', true],
    ['x264enc|none|cbr', false],
    ['vah264enc|gpu|cbr', false],
    ['vah264enc', false],
  ];
  it.each(ids)('parseVariantId(%s) valid=%s', (id, valid) => {
    const v = parseVariantId(id);
    expect(v !== undefined).toBe(valid);
    if (v) expect(variantId(v)).toBe(id);
  });
  it('postproc on the same device', () => {
    expect(postprocFor('vah264lpenc')).toBe('vapostproc');
    expect(postprocFor('varenderD130h264enc')).toBe('varenderD130postproc');
    expect(postprocFor('vaapih264enc')).toBe('vaapipostproc');
  });
});
