// Summaries of repeated measurements: every figure in the report is a median
// with its spread, never a single run.

/** Linear-interpolated quantile of `values` (0 ≤ q ≤ 1). */
export function quantile(values, q) {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** median, min, max, p25/p75 (IQR), p95 and the run count. */
export function summarize(values) {
  const v = values.filter((x) => Number.isFinite(x));
  return {
    n: v.length,
    median: quantile(v, 0.5),
    min: v.length ? Math.min(...v) : Number.NaN,
    max: v.length ? Math.max(...v) : Number.NaN,
    p25: quantile(v, 0.25),
    p75: quantile(v, 0.75),
    p95: quantile(v, 0.95),
    runs: v,
  };
}

/** "12.3 (11.9–12.8)": median with min–max, for tables. */
export function fmt(s, digits = 1) {
  if (!s || !Number.isFinite(s.median)) return 'n/a';
  const f = (x) => x.toFixed(digits);
  return s.n > 1 ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : f(s.median);
}
