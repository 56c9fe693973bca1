import { describe, expect, it } from 'vitest';
import { runEndReason, type RunEnd } from './capture-pipeline.js';

describe('runEndReason: what viewers and the log are told when a capture run ends', () => {
  const exit0 = { code: 0, reason: '' };
  it.each<[string, RunEnd, string]>([
    ['stopped on purpose: nothing to report, whatever else happened', { stopping: true, sourceEnded: 'window closed', exit: { code: 1, reason: 'boom' } }, ''],
    ['the source ended first (window closed)', { stopping: false, sourceEnded: 'the shared window 0x1 was closed', exit: exit0 }, 'capture source ended: the shared window 0x1 was closed'],
    ['the media process said why it died', { stopping: false, exit: { code: 1, reason: 'GStreamer element "x" is missing' } }, 'GStreamer element "x" is missing'],
    ['it died without a reason', { stopping: false, exit: { code: 137, reason: '' } }, 'pipeline exited with code 137'],
    ['killed by a signal (no code)', { stopping: false, exit: { code: null, reason: '' } }, 'pipeline exited with code null'],
  ])('%s', (_name, end, expected) => {
    expect(runEndReason(end)).toBe(expected);
  });
});
