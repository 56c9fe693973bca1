import { describe, expect, it } from 'vitest';
import { gstFailureSummary, testEncode, testEncodeArgs } from './test-encode.js';

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

/** Real gst-launch-1.0 with core elements only (identity stands in for an encoder), so no encoder or GPU is needed. */
describe('testEncode on this machine (real gst-launch-1.0)', () => {
  const timeoutMs = 20_000;
  it('ok when bytes come out and the run ends', async () => {
    expect(await testEncode('identity', { timeoutMs })).toEqual({ ok: true });
  });
  it('no output is a failure', async () => {
    expect(await testEncode('identity drop-probability=1.0', { timeoutMs })).toEqual({
      ok: false,
      hung: false,
      noOutput: true,
      message: 'the encoder produced no output',
    });
  });
  it('a rejected property is named', async () => {
    expect(await testEncode('identity bogus-property=1', { timeoutMs })).toMatchObject({
      ok: false,
      hung: false,
      noOutput: false,
      message: expect.stringMatching(/no property "bogus-property" in element "identity/),
    });
  });
  it('a missing element is named', async () => {
    expect(await testEncode('nosuchelement42', { timeoutMs })).toMatchObject({ ok: false, message: 'no element "nosuchelement42"' });
  });
  it('a run past the timeout is hung', async () => {
    // 2 s per buffer, 3 buffers: far past 0.5 s.
    expect(await testEncode('identity sleep-time=2000000', { timeoutMs: 500 })).toEqual({
      ok: false,
      hung: true,
      noOutput: false,
      message: 'the test encode hung (no end after 0.5 s)',
    });
  });
});
