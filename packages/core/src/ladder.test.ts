import { describe, expect, it } from 'vitest';
import { describeRendition, planLadder } from './ladder.js';

const sizes = (top: Parameters<typeof planLadder>[0], kbps: number, rungs?: number, limits?: Parameters<typeof planLadder>[3]) =>
  planLadder(top, kbps, rungs, limits).map((r) => [r.size ? `${r.size.width}x${r.size.height}` : r.bound ? `≤${r.bound.width}x${r.bound.height}` : 'top', r.bitrateKbps]);

describe('planLadder', () => {
  it.each([
    ['1080p at 6 Mbit/s: four rungs down to ~400 kbit/s', { width: 1920, height: 1080 }, 6000, undefined, [['1920x1080', 6000], ['1280x720', 2000], ['960x540', 857], ['720x404', 375]]],
    ['720p at 3 Mbit/s: the bottom rung would be under 200 kbit/s', { width: 1280, height: 720 }, 3000, undefined, [['1280x720', 3000], ['852x480', 1000], ['640x360', 429]]],
    ['one rung asked for: a single encode', { width: 1920, height: 1080 }, 6000, 1, [['1920x1080', 6000]]],
    ['two rungs: the top and one for ~1 Mbit/s links', { width: 1920, height: 1080 }, 6000, 2, [['1920x1080', 6000], ['960x540', 857]]],
    ['three rungs (the default): the bottom still fits a 500 kbit/s link', { width: 1280, height: 720 }, 4000, 3, [['1280x720', 4000], ['852x480', 1333], ['480x270', 250]]],
    ['a small window: no rung narrower than 320', { width: 640, height: 480 }, 8000, undefined, [['640x480', 8000], ['426x320', 2667], ['320x240', 1143]]],
    ['a low bitrate: just the top', { width: 1920, height: 1080 }, 500, undefined, [['1920x1080', 500]]],
    ['unknown size (Wayland): lower rungs fit boxes of a 1080p screen', undefined, 6000, undefined, [['top', 6000], ['≤1280x720', 2000], ['≤960x540', 857], ['≤720x404', 375]]],
  ])('%s', (_name, top, kbps, rungs, expected) => {
    expect(sizes(top, kbps, rungs)).toEqual(expected);
  });

  it('unknown size with limits: the boxes scale from the limits', () => {
    expect(sizes(undefined, 6000, 2, { maxWidth: 1280, maxHeight: 720 })).toEqual([['top', 6000], ['≤640x360', 857]]);
  });

  it('every size is even (H.264 4:2:0)', () => {
    for (const r of planLadder({ width: 1366, height: 767 }, 8000)) {
      expect(r.size!.width % 2).toBe(0);
      expect(r.size!.height % 2).toBe(0);
    }
  });
});

describe('describeRendition', () => {
  it.each([
    [{ index: 0, size: { width: 1920, height: 1080 }, bitrateKbps: 6000 }, '1080p 6.0 Mbit/s'],
    [{ index: 2, size: { width: 960, height: 540 }, bitrateKbps: 857 }, '540p 857 kbit/s'],
    [{ index: 0, size: undefined, bitrateKbps: 6000 }, '6.0 Mbit/s'],
    [{ index: 1, size: undefined, bound: { width: 1280, height: 720 }, bitrateKbps: 2000 }, '≤720p 2.0 Mbit/s'],
  ])('%j → %s', (r, text) => {
    expect(describeRendition(r)).toBe(text);
  });
});
