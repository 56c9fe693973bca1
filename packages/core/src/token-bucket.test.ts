import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';
import { FakeClock } from './test-support/fakes.js';

describe('TokenBucket', () => {
  it.each([
    // [ms before each take], expected results; burst 3, one more per 10 s
    ['a burst, then nothing', [0, 0, 0, 0, 100], [true, true, true, false, false]],
    ['refills one per period', [0, 0, 0, 10_000, 0, 10_000], [true, true, true, true, false, true]],
    ['never more than the burst after a long pause', [0, 0, 0, 3_600_000, 0, 0, 0], [true, true, true, true, true, true, false]],
    ['half a period is not enough', [0, 0, 0, 5000, 4999, 1], [true, true, true, false, false, true]],
  ] as const)('%s', (_name, gaps, expected) => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(3, 10_000, clock.now);
    const got = gaps.map((ms) => {
      clock.advance(ms);
      return bucket.take();
    });
    expect(got).toEqual(expected);
  });
});
