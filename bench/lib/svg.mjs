// Minimal SVG bar charts: groups of bars with min–max whiskers. No dependencies.

const COLORS = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2'];
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 4, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * groups: [{ label, bars: [{ series, value, min?, max? }] }]; series names give
 * colours and the legend. Whiskers show min–max when given.
 */
export function barChart({ title, unit, groups, width = 720, height = 360 }) {
  const series = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.series)))];
  const top = 48;
  const left = 64;
  const bottom = 56;
  const right = 16;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const vmax = niceMax(Math.max(...groups.flatMap((g) => g.bars.map((b) => (Number.isFinite(b.max) ? b.max : b.value))).filter(Number.isFinite), 0));
  const y = (v) => top + plotH - (Math.max(0, v) / vmax) * plotH;
  const groupW = plotW / Math.max(1, groups.length);
  const barW = Math.min(48, (groupW * 0.8) / Math.max(1, series.length));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (vmax * i) / 4;
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${esc(+v.toPrecision(3))}</text>`);
  }
  parts.push(`<text transform="translate(14 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(unit)}</text>`);
  groups.forEach((g, gi) => {
    const x0 = left + gi * groupW + (groupW - barW * g.bars.length) / 2;
    g.bars.forEach((b, bi) => {
      const x = x0 + bi * barW;
      const color = COLORS[series.indexOf(b.series) % COLORS.length];
      if (Number.isFinite(b.value)) {
        parts.push(`<rect x="${x + 2}" y="${y(b.value)}" width="${barW - 4}" height="${top + plotH - y(b.value)}" fill="${color}"><title>${esc(`${b.series}: ${+b.value.toPrecision(4)}`)}</title></rect>`);
        parts.push(`<text x="${x + barW / 2}" y="${y(Number.isFinite(b.max) ? b.max : b.value) - 4}" text-anchor="middle" font-size="10">${esc(+b.value.toPrecision(3))}</text>`);
      }
      if (Number.isFinite(b.min) && Number.isFinite(b.max)) {
        const cx = x + barW / 2;
        parts.push(`<path d="M${cx} ${y(b.min)}V${y(b.max)}M${cx - 5} ${y(b.min)}h10M${cx - 5} ${y(b.max)}h10" stroke="#222" fill="none"/>`);
      }
    });
    parts.push(`<text x="${left + gi * groupW + groupW / 2}" y="${top + plotH + 18}" text-anchor="middle">${esc(g.label)}</text>`);
  });
  series.forEach((s, i) => {
    const lx = left + i * 170;
    parts.push(`<rect x="${lx}" y="${height - 22}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`);
    parts.push(`<text x="${lx + 16}" y="${height - 12}">${esc(s)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** A bar from a summary (median with min–max whiskers). */
export const bar = (series, s, scale = 1) => ({ series, value: s?.median * scale, min: s?.min * scale, max: s?.max * scale });
