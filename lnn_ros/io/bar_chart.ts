/** A small standalone SVG grouped bar chart (one metric per model and condition), no dependencies. */

import { esc, PALETTE, ticks } from './svg_common';

export interface BarSeries {
  name: string;
  /** One value per group; NaN: no bar (drawn as a small 'n/a' label). */
  values: number[];
  /** Optional whiskers per group (e.g. min and max over training seeds); NaN: none. */
  low?: number[];
  high?: number[];
  color?: string;
}

export interface BarChartOptions {
  title: string;
  yLabel: string;
  /** Categories along the x axis (e.g. driving conditions). */
  groups: string[];
  /** One bar per series inside each group (e.g. models). */
  series: BarSeries[];
  /** Top of the y axis; default the largest value or whisker (y axis always starts at 0). */
  yMax?: number;
  width?: number;
  height?: number;
}

/** A mismatched or negative input would silently draw a misleading chart, so it is refused up front. */
function check(o: BarChartOptions): void {
  for (const s of o.series) {
    for (const key of ['values', 'low', 'high'] as const) {
      const arr = s[key];
      if (!arr) continue;
      if (arr.length !== o.groups.length) {
        throw new Error(`bar chart: series "${s.name}" has ${arr.length} ${key} for ${o.groups.length} groups`);
      }
      arr.forEach((v, g) => {
        if (v < 0) throw new Error(`bar chart: series "${s.name}", group "${o.groups[g]}": negative ${key} ${v}`);
      });
    }
  }
  if (o.yMax !== undefined && !(o.yMax > 0 && Number.isFinite(o.yMax))) throw new Error(`bar chart: yMax ${o.yMax} is not a positive number`);
}

export function barChartSvg(o: BarChartOptions): string {
  check(o);
  const width = o.width ?? 720;
  const height = o.height ?? 420;
  const m = { left: 70, right: 150, top: 40, bottom: 50 };
  const all = o.series.flatMap((s) => [...s.values, ...(s.low ?? []), ...(s.high ?? [])]).filter(Number.isFinite);
  const yMax = o.yMax ?? (Math.max(0, ...all) || 1);
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const base = height - m.bottom;
  // Clamped to the plot: what lies above yMax is drawn at the top and marked there.
  const sy = (v: number) => base - (Math.min(v, yMax) / yMax) * plotH;
  const slot = plotW / Math.max(o.groups.length, 1);
  const barW = (0.8 * slot) / Math.max(o.series.length, 1);
  const capW = Math.min(barW / 4, 5);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`,
    `<text transform="translate(16 ${height / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  ];
  for (const t of ticks(0, yMax)) {
    const y = sy(t);
    parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${+t.toPrecision(3)}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  o.groups.forEach((g, gi) => {
    parts.push(`<text x="${(m.left + slot * (gi + 0.5)).toFixed(1)}" y="${base + 16}" text-anchor="middle">${esc(g)}</text>`);
  });
  o.series.forEach((s, si) => {
    const color = s.color ?? PALETTE[si % PALETTE.length];
    s.values.forEach((v, gi) => {
      const x = m.left + slot * (gi + 0.1) + barW * si;
      const cx = (x + barW / 2).toFixed(1);
      if (!Number.isFinite(v)) {
        parts.push(`<text x="${cx}" y="${base - 4}" text-anchor="middle" font-size="9" fill="#666">n/a</text>`);
      } else {
        const top = sy(v);
        parts.push(`<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${(base - top).toFixed(1)}" fill="${color}"><title>${esc(`${s.name}, ${o.groups[gi]}: ${+v.toPrecision(4)}`)}</title></rect>`);
        // Clipped: a ▲ above the bar, the value written down inside it (so neighbours' labels never overlap).
        if (v > yMax) {
          parts.push(`<text x="${cx}" y="${m.top - 3}" text-anchor="middle" font-size="10" fill="${color}">▲</text>`);
          parts.push(`<text transform="translate(${(+cx + 3).toFixed(1)} ${m.top + 4}) rotate(90)" font-size="9" fill="white">${+v.toPrecision(3)}</text>`);
        }
      }
      const [low, high] = [s.low?.[gi] ?? NaN, s.high?.[gi] ?? NaN];
      const lo = Number.isFinite(low) ? low : v;
      const hi = Number.isFinite(high) ? high : v;
      // None where neither end is given, nor for a one-sided whisker without a bar to start from.
      if ((!Number.isFinite(low) && !Number.isFinite(high)) || !Number.isFinite(lo + hi)) return;
      // A cap marks a whisker's real end; an end clipped at yMax has none, so it reads as running off the plot.
      let d = `M${cx} ${sy(lo).toFixed(1)}V${sy(hi).toFixed(1)}`;
      for (const e of [low, high]) if (e <= yMax) d += `M${(+cx - capW).toFixed(1)} ${sy(e).toFixed(1)}h${(2 * capW).toFixed(1)}`;
      parts.push(`<path d="${d}" stroke="#333" fill="none"/>`);
    });
    parts.push(`<line x1="${width - m.right + 12}" x2="${width - m.right + 32}" y1="${m.top + 10 + 18 * si}" y2="${m.top + 10 + 18 * si}" stroke="${color}" stroke-width="8"/>`);
    parts.push(`<text x="${width - m.right + 38}" y="${m.top + 14 + 18 * si}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
