/**
 * The road as a raster over its bounding box: for each cell (0.1 m by default) the signed
 * distance to the centre line and the arc length of the closest centre-line point, so that the
 * renderer's road lookup is O(1) per pixel. Only a band around the road is filled; the rest
 * holds FAR (verge everywhere).
 */
import { Road } from './road';

export interface RoadRasterOptions {
  /** Cell size (m). */
  resolution: number;
  /** Distance from the centre line that is filled (m); default the half-width plus 4 m of verge. */
  band?: number;
}

/** Distance stored in cells outside the band. */
export const FAR = 1e6;

export class RoadRaster {
  readonly resolution: number;
  readonly invResolution: number;
  /** World coordinates of the corner of cell (0, 0). */
  readonly x0: number;
  readonly y0: number;
  readonly nx: number;
  readonly ny: number;
  /** Per cell, row-major (rows along y): signed distance to the centre line (m, + left), then arc length s (m). */
  readonly field: Float32Array;

  constructor(
    readonly road: Road,
    options: Partial<RoadRasterOptions> = {},
  ) {
    this.resolution = options.resolution ?? 0.1;
    this.invResolution = 1 / this.resolution;
    const band = options.band ?? road.halfWidth + 4;
    const b = road.bounds();
    const pad = band + 2 * this.resolution;
    this.x0 = b.minX - pad;
    this.y0 = b.minY - pad;
    this.nx = Math.ceil((b.maxX - b.minX + 2 * pad) * this.invResolution);
    this.ny = Math.ceil((b.maxY - b.minY + 2 * pad) * this.invResolution);
    this.field = new Float32Array(2 * this.nx * this.ny);
    for (let i = 0; i < this.field.length; i += 2) this.field[i] = FAR;
    let maxCurvature = 0;
    for (let i = 0; i < road.n; i++) maxCurvature = Math.max(maxCurvature, Math.abs(road.curvature[i]));
    // Each segment fills the cells whose foot falls on it, plus a margin covering the wedge
    // outside each bend (where the nearest point is a vertex) and the cells' own size.
    const margin = band * maxCurvature * road.spacing + 2 * this.resolution;
    for (let i = 0; i < road.n; i++) this.fillSegment(i, band, margin);
  }

  /** Index of the cell holding (x, y), or -1 outside the raster. */
  cellAt(x: number, y: number): number {
    const gx = Math.floor((x - this.x0) * this.invResolution);
    const gy = Math.floor((y - this.y0) * this.invResolution);
    return gx >= 0 && gy >= 0 && gx < this.nx && gy < this.ny ? gy * this.nx + gx : -1;
  }

  /** Signed distance from the centre line at (x, y) (m), FAR off the band. */
  distanceAt(x: number, y: number): number {
    const cell = this.cellAt(x, y);
    return cell < 0 ? FAR : this.field[2 * cell];
  }

  private fillSegment(i: number, band: number, margin: number): void {
    const road = this.road;
    const j = (i + 1) % road.n;
    const ax = road.x[i];
    const ay = road.y[i];
    const ex = road.x[j] - ax;
    const ey = road.y[j] - ay;
    const len2 = ex * ex + ey * ey;
    const len = Math.sqrt(len2);
    const tx = ex / len;
    const ty = ey / len;
    // The rectangle: centre c, half-lengths hu along the segment and band across it.
    const cx = ax + ex / 2;
    const cy = ay + ey / 2;
    const hu = len / 2 + margin;
    const halfHeight = Math.abs(ty) * hu + Math.abs(tx) * band;
    const res = this.resolution;
    const rowFirst = Math.max(0, Math.ceil((cy - halfHeight - this.y0) / res - 0.5));
    const rowLast = Math.min(this.ny - 1, Math.floor((cy + halfHeight - this.y0) / res - 0.5));
    for (let row = rowFirst; row <= rowLast; row++) {
      const py = this.y0 + (row + 0.5) * res;
      // x range where |(p - c)·t| <= hu and |(p - c)·n| <= band, n = (-ty, tx).
      const lo = Math.max(slabEnd(tx, (py - cy) * ty, hu, -1), slabEnd(-ty, (py - cy) * tx, band, -1));
      const hi = Math.min(slabEnd(tx, (py - cy) * ty, hu, 1), slabEnd(-ty, (py - cy) * tx, band, 1));
      const colFirst = Math.max(0, Math.ceil((cx + lo - this.x0) / res - 0.5));
      const colLast = Math.min(this.nx - 1, Math.floor((cx + hi - this.x0) / res - 0.5));
      for (let col = colFirst; col <= colLast; col++) {
        const px = this.x0 + (col + 0.5) * res;
        const t = Math.min(1, Math.max(0, ((px - ax) * ex + (py - ay) * ey) / len2));
        const dx = px - ax - t * ex;
        const dy = py - ay - t * ey;
        const dist = Math.sqrt(dx * dx + dy * dy);
        const cell = 2 * (row * this.nx + col);
        if (dist < Math.abs(this.field[cell])) {
          this.field[cell] = (px - ax) * -ty + (py - ay) * tx < 0 ? -dist : dist;
          this.field[cell + 1] = (i + t) * road.spacing;
        }
      }
    }
  }
}

/** The lower (side -1) or upper (side 1) end of the x where |x·a + b| <= h (an empty slab has lower end +∞). */
function slabEnd(a: number, b: number, h: number, side: -1 | 1): number {
  if (Math.abs(a) < 1e-12) return Math.abs(b) <= h ? side * Infinity : -side * Infinity;
  const p = (-h - b) / a;
  const q = (h - b) / a;
  return side < 0 ? Math.min(p, q) : Math.max(p, q);
}
