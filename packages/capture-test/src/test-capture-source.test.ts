import { describe, expect, it } from 'vitest';
import { UsageError } from '@pixelpass/core';
import { checkPattern, TestCaptureSource } from './test-capture-source.js';

describe('the test pattern is checked before a ticket exists', () => {
  it.each(['smpte', 'ball', 'smpte-rp-219', '0', '25'])('%s is accepted', (p) => {
    expect(() => checkPattern(p)).not.toThrow();
  });
  it.each(['nope', '', '26', '-1', 'SMPTE', 'ball ! fakesink'])('%j is a usage error naming the patterns', (p) => {
    expect(() => checkPattern(p)).toThrow(UsageError);
    expect(() => checkPattern(p)).toThrow(/is not a test pattern; use one of: smpte, snow, /);
  });
  it('check() says what will be shared', async () => {
    await expect(new TestCaptureSource({ pattern: 'ball', width: 640, height: 480 }).check()).resolves.toBe('test pattern ball 640x480');
    await expect(new TestCaptureSource({ pattern: 'nope' }).check()).rejects.toThrow(UsageError);
  });
});
