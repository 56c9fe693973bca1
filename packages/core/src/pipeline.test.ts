import { describe, expect, it } from 'vitest';
import { composePipeline, fitCaps, outputSize, pipelineElements } from './pipeline.js';

describe('outputSize', () => {
  it.each([
    [{ width: 1920, height: 1080 }, undefined, undefined, { width: 1920, height: 1080 }],
    [{ width: 1366, height: 767 }, undefined, undefined, { width: 1366, height: 766 }],
    [{ width: 3840, height: 2160 }, 1920, undefined, { width: 1920, height: 1080 }],
    [{ width: 3840, height: 2160 }, 1920, 720, { width: 1280, height: 720 }],
    [{ width: 1001, height: 1001 }, 500, 500, { width: 500, height: 500 }],
    [{ width: 2880, height: 1800 }, 1440, undefined, { width: 1440, height: 900 }],
  ])('%o within %s x %s → %o', (native, w, h, expected) => {
    expect(outputSize(native, w, h)).toEqual(expected);
  });
});

describe('composePipeline', () => {
  const base = { video: { launch: 'videotestsrc is-live=true' }, encoders: [{ fragment: 'x264enc tune=zerolatency' }], fps: 30 };

  it('chains source → convert → rate → encoder → parse → mux → stdout', () => {
    const spec = composePipeline(base);
    const order = ['videotestsrc', 'videoconvert', 'videorate', 'framerate=30/1', 'x264enc', 'h264parse config-interval=-1', 'mpegtsmux', 'fdsink fd=1'];
    let last = -1;
    for (const part of order) {
      const at = spec.description.indexOf(part);
      expect(at, part).toBeGreaterThan(last);
      last = at;
    }
    expect(spec.description).not.toMatch(/avenc_aac/);
  });

  it('adds AAC audio into the same mux when there is audio', () => {
    const spec = composePipeline({ ...base, audio: { launch: 'audiotestsrc is-live=true' } });
    expect(spec.description).toMatch(/audiotestsrc is-live=true ! .*avenc_aac bitrate=96000 ! aacparse ! queue ! mux\.sink_80/);
  });

  it.each([
    [{ width: 1366, height: 767 }, 'videocrop right=0 bottom=1'],
    [{ width: 1367, height: 768 }, 'videocrop right=1 bottom=0'],
  ])('crops odd size %o to even', (geometry, crop) => {
    expect(composePipeline({ ...base, geometry }).description).toContain(crop);
  });

  it('scales down to the limits and keeps even sizes', () => {
    const d = composePipeline({ ...base, geometry: { width: 3840, height: 2160 }, maxWidth: 1280 }).description;
    expect(d).toContain('videoscale');
    expect(d).toContain('width=1280,height=720');
  });

  it('does not scale when already within the limits', () => {
    const d = composePipeline({ ...base, geometry: { width: 1280, height: 720 }, maxWidth: 1920 }).description;
    expect(d).not.toContain('videoscale');
  });

  it.each([
    [undefined, undefined, 'videoscale method=nearest-neighbour ! video/x-raw,width=[2,16384,2],height=[2,16384,2],pixel-aspect-ratio=1/1'],
    [1280, undefined, 'videoscale ! video/x-raw,width=[2,1280,2],height=[2,16384,2],pixel-aspect-ratio=1/1'],
    [1001, 721, 'videoscale ! video/x-raw,width=[2,1000,2],height=[2,720,2],pixel-aspect-ratio=1/1'],
    [undefined, 540, 'videoscale ! video/x-raw,width=[2,16384,2],height=[2,540,2],pixel-aspect-ratio=1/1'],
  ])('unknown size, limits %s x %s: the caps fit it (%s)', (maxWidth, maxHeight, expected) => {
    const d = composePipeline({ ...base, maxWidth, maxHeight }).description;
    expect(d).toContain(`videotestsrc is-live=true ! queue max-size-buffers=3 max-size-time=0 max-size-bytes=0 leaky=downstream ! ${expected} ! videoconvert`);
    expect(d, 'no fixed size in the rate caps').toMatch(/videorate skip-to-first=true ! video\/x-raw,framerate=30\/1 ! identity/);
    expect(d).not.toContain('videocrop');
  });

  it.each([
    [undefined, undefined, 'video/x-raw,width=[2,16384,2],height=[2,16384,2],pixel-aspect-ratio=1/1'],
    [1, 1, 'video/x-raw,width=[2,2,2],height=[2,2,2],pixel-aspect-ratio=1/1'],
    [1919, 1081, 'video/x-raw,width=[2,1918,2],height=[2,1080,2],pixel-aspect-ratio=1/1'],
  ])('fitCaps(%s, %s): even bounds', (w, h, expected) => {
    expect(fitCaps(w, h)).toBe(expected);
  });

  it('a known size keeps the fixed-size path (no caps ranges)', () => {
    const d = composePipeline({ ...base, geometry: { width: 1280, height: 720 }, maxWidth: 1920 }).description;
    expect(d).not.toContain('[2,');
  });

  it('passes fds and environment of both fragments', () => {
    const spec = composePipeline({
      ...base,
      video: { launch: 'pipewiresrc fd=7', inheritFds: [7], env: { A: '1' } },
      audio: { launch: 'pulsesrc', env: { B: '2' } },
    });
    expect(spec.inheritFds).toEqual([7]);
    expect(spec.env).toEqual({ A: '1', B: '2' });
  });

  it('a ladder: one tee after the keyframe point, an encode per rung on its own mux pad (PID), lower rungs scaled', () => {
    const d = composePipeline({
      ...base,
      encoders: [{ fragment: 'x264enc bitrate=4000' }, { fragment: 'x264enc bitrate=1300', size: { width: 854, height: 480 } }],
    }).description;
    expect(d).toMatch(/identity name=keyunit silent=true ! tee name=renditions {2}/);
    expect(d).toMatch(/renditions\. ! queue [^!]* ! x264enc name=venc0 bitrate=4000 ! .* ! mux\.sink_65/);
    expect(d).toMatch(/renditions\. ! queue [^!]* ! videoscale ! video\/x-raw,width=854,height=480,pixel-aspect-ratio=1\/1 ! x264enc name=venc1 bitrate=1300 ! .* ! mux\.sink_66/);
  });

  it.each([
    ['a source that only sends on damage gets videorate', false, true],
    ['a paced source (X11, test pattern) does not: a frame less of latency', true, false],
  ])('%s', (_n, paced, hasRate) => {
    expect(composePipeline({ ...base, paced }).description.includes('videorate')).toBe(hasRate);
  });

  it.each([
    ['with sound the PCR is on the sound pad', { launch: 'audiotestsrc is-live=true' }, / prog-map="program_map,PCR_1=\(string\)sink_80"/],
    ['without sound the mux picks the video', undefined, /mpegtsmux name=mux ! fdsink/],
  ])('%s; packets are not held back to fill aligned buffers', (_n, audio, mux) => {
    const d = composePipeline({ ...base, audio }).description;
    expect(d).toMatch(mux);
    expect(d).not.toContain('alignment=7');
  });

  it('a ladder of unknown size: a lower rung fits its box, keeping the aspect', () => {
    const d = composePipeline({
      ...base,
      geometry: undefined,
      encoders: [{ fragment: 'x264enc bitrate=4000' }, { fragment: 'x264enc bitrate=1300', bound: { width: 1280, height: 720 } }],
    }).description;
    expect(d).toMatch(/renditions\. ! queue [^!]* ! videoscale ! video\/x-raw,width=\[2,1280,2\],height=\[2,720,2\],pixel-aspect-ratio=1\/1 ! x264enc name=venc1/);
  });

  it('one rendition: no tee, the encoder right after the keyframe point', () => {
    const d = composePipeline(base).description;
    expect(d).not.toContain('tee');
    expect(d).toMatch(/identity name=keyunit silent=true ! x264enc name=venc0 tune=zerolatency ! .* ! mux\.sink_65/);
  });

  it('lists the elements it uses', () => {
    const spec = composePipeline({ ...base, geometry: { width: 1280, height: 720 }, audio: { launch: 'audiotestsrc' } });
    expect(pipelineElements(spec.description).sort()).toEqual(
      ['aacparse', 'audioconvert', 'audioresample', 'audiotestsrc', 'avenc_aac', 'fdsink', 'h264parse', 'identity', 'mpegtsmux', 'queue', 'videoconvert', 'videorate', 'videotestsrc', 'x264enc'].sort(),
    );
  });
});

describe('pipelineRequirements', () => {
  it('lists what composePipeline uses besides capture and encoder, video and sound apart', async () => {
    const { pipelineRequirements } = await import('./pipeline.js');
    const r = pipelineRequirements();
    expect([...r.video].sort()).toEqual(['fdsink', 'h264parse', 'identity', 'mpegtsmux', 'queue', 'tee', 'videoconvert', 'videocrop', 'videorate', 'videoscale'].sort());
    expect([...r.audio].sort()).toEqual(['aacparse', 'audioconvert', 'audioresample', 'avenc_aac'].sort());
  });
});
