/**
 * An SVG picture of a road seen from above — asphalt, edges, dashed centre line, start line —
 * with any number of driven paths (e.g. expert vs policy) in different colours and a legend.
 */
import { esc } from '../io/svg_common';
import { Road } from './road';

export interface TrackPath {
  name: string;
  /** World points (m), in driving order. */
  points: ReadonlyArray<readonly [number, number]>;
  color?: string;
}

export interface TrackPlotOptions {
  title?: string;
  /** Width of the drawing area (px); the height follows the road's aspect ratio. */
  width?: number;
}

const PATH_COLORS = ['#d62728', '#1f77b4', '#ff7f0e', '#9467bd', '#17becf', '#e377c2'];
/** Centre-line samples per drawn vertex (the road is sampled every ~0.25 m). */
const ROAD_STRIDE = 4;

export function trackPlotSvg(road: Road, paths: TrackPath[], options: TrackPlotOptions = {}): string {
  const b = road.bounds();
  const pad = road.halfWidth + 4;
  const worldW = b.maxX - b.minX + 2 * pad;
  const worldH = b.maxY - b.minY + 2 * pad;
  const width = options.width ?? 720;
  const scale = width / worldW;
  const top = options.title ? 32 : 8;
  const legendH = 20 * paths.length + 8;
  const height = Math.ceil(worldH * scale) + top + legendH;
  // World y points up, SVG y down.
  const sx = (x: number) => ((x - b.minX + pad) * scale).toFixed(1);
  const sy = (y: number) => (top + (b.maxY + pad - y) * scale).toFixed(1);
  const polyline = (xs: number[], ys: number[]) => xs.map((x, i) => `${sx(x)},${sy(ys[i])}`).join(' ');
  const offsetLine = (offset: number) => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < road.n; i += ROAD_STRIDE) {
      xs.push(road.x[i] - offset * Math.sin(road.heading[i]));
      ys.push(road.y[i] + offset * Math.cos(road.heading[i]));
    }
    return polyline(xs, ys);
  };
  const roadPx = (road.width * scale).toFixed(1);
  const startNormal = [-Math.sin(road.heading[0]) * road.halfWidth, Math.cos(road.heading[0]) * road.halfWidth];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#eef3e8"/>`,
    options.title ? `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15">${esc(options.title)}</text>` : '',
    `<polygon points="${offsetLine(0)}" fill="none" stroke="#9a9a9e" stroke-width="${roadPx}" stroke-linejoin="round"/>`,
    `<polygon points="${offsetLine(road.halfWidth)}" fill="none" stroke="#444" stroke-width="1"/>`,
    `<polygon points="${offsetLine(-road.halfWidth)}" fill="none" stroke="#444" stroke-width="1"/>`,
    `<polygon points="${offsetLine(0)}" fill="none" stroke="white" stroke-width="1" stroke-dasharray="3 6"/>`,
    `<line x1="${sx(road.x[0] + startNormal[0])}" y1="${sy(road.y[0] + startNormal[1])}" x2="${sx(road.x[0] - startNormal[0])}" y2="${sy(road.y[0] - startNormal[1])}" stroke="black" stroke-width="2"><title>start</title></line>`,
  ];
  paths.forEach((p, i) => {
    const color = p.color ?? PATH_COLORS[i % PATH_COLORS.length];
    const ly = height - legendH + 14 + 20 * i;
    parts.push(
      `<polyline points="${polyline(p.points.map(([x]) => x), p.points.map(([, y]) => y))}" fill="none" stroke="${color}" stroke-width="1.5" stroke-linejoin="round"><title>${esc(p.name)}</title></polyline>`,
      `<line x1="12" x2="36" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2.5"/>`,
      `<text x="42" y="${ly}">${esc(p.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.filter((p) => p !== '').join('\n');
}
