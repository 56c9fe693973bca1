// Run with: node --test bench/lib/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fmt, quantile, summarize } from './stats.mjs';

test('quantile interpolates between ranks', () => {
  const cases = [
    [[1], 0.5, 1],
    [[1, 2, 3], 0.5, 2],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[4, 1, 3, 2], 0.25, 1.75],
    [[10, 20], 0.95, 19.5],
    [[], 0.5, Number.NaN],
  ];
  for (const [values, q, want] of cases) assert.deepEqual(quantile(values, q), want, `${values} q=${q}`);
});

test('summarize ignores non-finite values and keeps the runs', () => {
  const s = summarize([3, Number.NaN, 1, 2]);
  assert.equal(s.n, 3);
  assert.equal(s.median, 2);
  assert.equal(s.min, 1);
  assert.equal(s.max, 3);
  assert.deepEqual(s.runs, [3, 1, 2]);
});

test('fmt shows the spread only for several runs', () => {
  assert.equal(fmt(summarize([1, 2, 3])), '2.0 (1.0–3.0)');
  assert.equal(fmt(summarize([5]), 0), '5');
  assert.equal(fmt(summarize([])), 'n/a');
});
