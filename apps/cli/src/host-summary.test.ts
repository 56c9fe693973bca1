import { describe, expect, it } from 'vitest';
import type { ViewerStats } from '@pixelpass/core';
import { accountingGap, formatSummary } from './host-summary.js';

const base: ViewerStats = {
  id: 1,
  label: 'abcde',
  path: { kind: 'direct', rttMs: 1 },
  bytesSent: 0,
  bytesSkipped: 0,
  bytesPublished: 0,
  bytesReplayed: 0,
  bytesInjected: 0,
  bytesDiscarded: 0,
  skips: 0,
  queuedBytes: 0,
  joinedAt: 0,
  deliveredBytes: 0,
  inTransitBytes: 0,
  rateBps: undefined,
  delayMs: 0,
  rendition: 0,
  renditionLabel: '',
  switches: 0,
};

describe('viewer accounting', () => {
  it.each([
    ['nothing happened', {}, 0],
    ['everything published was sent', { bytesPublished: 1000, bytesSent: 1000 }, 0],
    ['instant join: cached GOP and PAT/PMT on top', { bytesPublished: 1000, bytesReplayed: 500, bytesInjected: 376, bytesSent: 1876 }, 0],
    ['skips and a queue discarded on leaving', { bytesPublished: 1000, bytesSkipped: 300, bytesDiscarded: 200, bytesSent: 500 }, 0],
    ['a byte missing', { bytesPublished: 1000, bytesSent: 999 }, 1],
    ['a byte too many', { bytesPublished: 1000, bytesSent: 1001 }, -1],
  ])('%s', (_name, patch, gap) => {
    expect(accountingGap({ ...base, ...patch })).toBe(gap);
  });

  it('formats one line for the stream and one per viewer; queued bytes of a current viewer are not a gap', () => {
    const lines = formatSummary(
      { bytesPublished: 1000, bytesSent: 900, keyframes: 3, skips: 0, drops: 0 },
      [
        { ...base, bytesPublished: 1000, bytesSent: 900, queuedBytes: 100 },
        { ...base, id: 2, label: 'fghij', bytesPublished: 10, bytesSent: 9 },
      ],
      2048 * 1024,
    );
    expect(lines).toEqual([
      'summary published=1000 sent=900 keyframes=3 viewers=2 skips=0 drops=0 rss_kb=2048',
      'summary viewer=abcde#1 sent=900 published=1000 replayed=0 injected=0 skipped=0 discarded=0 queued=100 balanced=yes',
      'summary viewer=fghij#2 sent=9 published=10 replayed=0 injected=0 skipped=0 discarded=0 queued=0 balanced=no(1)',
    ]);
  });
});
