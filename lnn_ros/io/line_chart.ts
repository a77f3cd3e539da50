/** A small standalone SVG line chart (learning curves, command traces), no dependencies. */

import { esc, PALETTE, ticks } from './svg_common';

export interface Series {
  name: string;
  points: Array<[number, number]>;
  color?: string;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Log-scale y axis (positive values only). */
  logY?: boolean;
  width?: number;
  height?: number;
}

export function lineChartSvg(o: LineChartOptions): string {
  const width = o.width ?? 720;
  const height = o.height ?? 420;
  const m = { left: 70, right: 150, top: 40, bottom: 50 };
  const fy = (v: number) => (o.logY ? Math.log10(v) : v);
  const all = o.series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(fy(y)));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => fy(y));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0 || 1)) * (width - m.left - m.right);
  const sy = (y: number) => height - m.bottom - ((fy(y) - y0) / (y1 - y0 || 1)) * (height - m.top - m.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`,
    `<text x="${(m.left + width - m.right) / 2}" y="${height - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(16 ${height / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}${o.logY ? ' (log)' : ''}</text>`,
    `<rect x="${m.left}" y="${m.top}" width="${width - m.left - m.right}" height="${height - m.top - m.bottom}" fill="none" stroke="#999"/>`,
  ];
  for (const t of ticks(x0, x1)) parts.push(`<text x="${sx(t).toFixed(1)}" y="${height - m.bottom + 16}" text-anchor="middle">${+t.toPrecision(3)}</text>`);
  for (const t of ticks(y0, y1)) {
    const label = o.logY ? 10 ** t : t;
    const y = height - m.bottom - ((t - y0) / (y1 - y0 || 1)) * (height - m.top - m.bottom);
    parts.push(`<text x="${m.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${+label.toPrecision(3)}</text>`);
  }
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts = s.points.filter(([, y]) => Number.isFinite(fy(y))).map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${pts.join(' ')}"><title>${esc(s.name)}</title></polyline>`);
    parts.push(`<line x1="${width - m.right + 12}" x2="${width - m.right + 32}" y1="${m.top + 10 + 18 * i}" y2="${m.top + 10 + 18 * i}" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${width - m.right + 38}" y="${m.top + 14 + 18 * i}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
