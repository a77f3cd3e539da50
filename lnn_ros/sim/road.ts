/**
 * A closed road: its centre line sampled at a uniform arc-length spacing (position, heading,
 * curvature), its width, and the closest-point query that the expert and the metrics use.
 * `Road.generate` makes a smooth, non-self-intersecting loop from a seed.
 */
import { InputError } from '../errors';
import { SeededRng } from './rng';

export interface RoadOptions {
  /** Road width from edge to edge (m); the vehicle drives on the centre line. */
  width: number;
  /** Centre-line sample spacing (m); the closest-point query is exact on the polyline through the samples. */
  spacing: number;
}

export interface RoadShapeOptions extends RoadOptions {
  seed: number;
  /** Range the mean radius is drawn from (m). */
  radius: [number, number];
  /** Relative amplitude of the shape's harmonics (the 2nd makes it an ellipse, 3rd–6th add bends). */
  wobble: number;
  /** Tightest radius of curvature allowed (m); the wobble is scaled down until the loop respects it. */
  minTurnRadius: number;
}

export const DEFAULT_ROAD: RoadOptions = { width: 7, spacing: 0.25 };

export const DEFAULT_SHAPE: Omit<RoadShapeOptions, 'seed'> = { ...DEFAULT_ROAD, radius: [30, 60], wobble: 0.35, minTurnRadius: 15 };

/** Where a point lies relative to the road. */
export interface RoadProjection {
  /** Arc length of the closest centre-line point from the start, in [0, length). */
  s: number;
  /** Signed distance from the centre line (m), positive to the left of the direction of travel. */
  crossTrack: number;
  /** Direction of travel at the closest point (rad). */
  heading: number;
  /** Signed curvature there (1/m, positive turning left). */
  curvature: number;
  /** Sample index at or before the closest point; pass it back as the hint of the next query. */
  index: number;
}

export interface RoadPoint {
  x: number;
  y: number;
  heading: number;
  curvature: number;
}

/** Samples either side of the hint searched before falling back to the whole road. */
const HINT_WINDOW = 64;

export class Road {
  readonly n: number;
  /** Actual sample spacing: the requested one adjusted so that the loop closes exactly. */
  readonly spacing: number;
  readonly length: number;
  readonly width: number;
  readonly halfWidth: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly heading: Float64Array;
  readonly curvature: Float64Array;
  private footD2 = 0;

  /** `xs`, `ys`: a closed polyline of any spacing (the first point not repeated at the end), traversed in driving order. */
  constructor(xs: ArrayLike<number>, ys: ArrayLike<number>, options: Partial<RoadOptions> = {}) {
    const { width, spacing } = { ...DEFAULT_ROAD, ...options };
    const m = xs.length;
    if (m < 3 || ys.length !== m) throw new InputError(`a road needs at least 3 centre-line points with x and y each (got ${m} and ${ys.length})`);
    if (!(width > 0) || !(spacing > 0)) throw new InputError(`road width and spacing must be positive (got ${width}, ${spacing})`);
    const cumulative = new Float64Array(m + 1);
    for (let i = 0; i < m; i++) {
      const j = (i + 1) % m;
      cumulative[i + 1] = cumulative[i] + Math.hypot(xs[j] - xs[i], ys[j] - ys[i]);
    }
    this.length = cumulative[m];
    this.n = Math.max(8, Math.round(this.length / spacing));
    this.spacing = this.length / this.n;
    this.width = width;
    this.halfWidth = width / 2;
    this.x = new Float64Array(this.n);
    this.y = new Float64Array(this.n);
    let seg = 0;
    for (let k = 0; k < this.n; k++) {
      const s = k * this.spacing;
      while (cumulative[seg + 1] < s) seg++;
      const t = (s - cumulative[seg]) / (cumulative[seg + 1] - cumulative[seg] || 1);
      const j = (seg + 1) % m;
      this.x[k] = xs[seg] + t * (xs[j] - xs[seg]);
      this.y[k] = ys[seg] + t * (ys[j] - ys[seg]);
    }
    this.heading = new Float64Array(this.n);
    this.curvature = new Float64Array(this.n);
    for (let k = 0; k < this.n; k++) {
      const prev = (k + this.n - 1) % this.n;
      const next = (k + 1) % this.n;
      this.heading[k] = Math.atan2(this.y[next] - this.y[prev], this.x[next] - this.x[prev]);
    }
    for (let k = 0; k < this.n; k++) {
      const prev = (k + this.n - 1) % this.n;
      const next = (k + 1) % this.n;
      this.curvature[k] = wrapAngle(this.heading[next] - this.heading[prev]) / (2 * this.spacing);
    }
  }

  /**
   * A loop from a seed: a polar curve r(θ) = R·(1 + w·Σ a_k cos(kθ + φ_k)), k = 2..6, a_k drawn
   * up to wobble/k — smooth and periodic, and never self-intersecting because r > 0 (the curve is
   * star-shaped). The factor w shrinks from 1 until no bend is tighter than `minTurnRadius`.
   * Half the seeds run clockwise.
   */
  static generate(options: Partial<RoadShapeOptions> & { seed: number }): Road {
    const o = { ...DEFAULT_SHAPE, ...options };
    if (!(o.radius[0] > 0 && o.radius[1] >= o.radius[0])) throw new InputError(`road radius range must be positive and ordered (got ${o.radius.join(', ')})`);
    const rng = new SeededRng(o.seed, 'road');
    const meanRadius = rng.range(o.radius[0], o.radius[1]);
    const harmonics = [2, 3, 4, 5, 6].map((k) => ({ k, amplitude: (o.wobble * rng.range(0.3, 1)) / k, phase: rng.range(0, 2 * Math.PI) }));
    const clockwise = rng.uniform() < 0.5;
    /** The harmonic sum and its first two derivatives in θ at `theta`. */
    const harmonicSum = (theta: number): [number, number, number] => {
      let sum = 0;
      let d1 = 0;
      let d2 = 0;
      for (const { k, amplitude, phase } of harmonics) {
        const c = amplitude * Math.cos(k * theta + phase);
        sum += c;
        d1 -= amplitude * k * Math.sin(k * theta + phase);
        d2 -= k * k * c;
      }
      return [sum, d1, d2];
    };
    const m = 4096;
    const table = Array.from({ length: m }, (_, i) => harmonicSum((2 * Math.PI * i) / m));
    // r = R(1 + wA), r' = RwA', r'' = RwA'': trying a smaller w needs no new trigonometry.
    const tightestTurn = (w: number) => {
      let tightest = Infinity;
      for (const [a, a1, a2] of table) {
        const [r, dr, ddr] = [1 + w * a, w * a1, w * a2];
        // Keep well clear of r = 0, where the loop would stop being star-shaped.
        if (r < 0.2) return 0;
        const kappa = (r * r + 2 * dr * dr - r * ddr) / (r * r + dr * dr) ** 1.5;
        tightest = Math.min(tightest, meanRadius / Math.abs(kappa));
      }
      return tightest;
    };
    let w = 1;
    while (tightestTurn(w) < o.minTurnRadius) {
      w *= 0.8;
      if (w < 1e-3) throw new InputError(`no road with radius ${meanRadius.toFixed(1)} m has all turns wider than ${o.minTurnRadius} m`);
    }
    // Arc length along θ (the trapezoid rule is spectrally accurate on a periodic integrand), then
    // points on the exact curve at uniform arc length.
    const arc = new Float64Array(m + 1);
    for (let i = 0; i < m; i++) {
      const [a0, d0] = table[i];
      const [a1, d1] = table[(i + 1) % m];
      const speed = (a: number, d: number) => meanRadius * Math.hypot(1 + w * a, w * d);
      arc[i + 1] = arc[i] + ((speed(a0, d0) + speed(a1, d1)) / 2) * ((2 * Math.PI) / m);
    }
    const n = Math.max(8, Math.round(arc[m] / o.spacing));
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    for (let j = 0, i = 0; j < n; j++) {
      const target = (j * arc[m]) / n;
      while (arc[i + 1] < target) i++;
      const theta = ((2 * Math.PI) / m) * (i + (target - arc[i]) / (arc[i + 1] - arc[i]));
      const r = meanRadius * (1 + w * harmonicSum(theta)[0]);
      xs[j] = r * Math.cos(theta);
      ys[j] = (clockwise ? -1 : 1) * r * Math.sin(theta);
    }
    return new Road(xs, ys, o);
  }

  /** The closest point of the centre line to (px, py), written to `out`. `hint`: the index of the last query (-1: search all). */
  project(px: number, py: number, out: RoadProjection, hint = -1): RoadProjection {
    const n = this.n;
    let best: number;
    if (hint >= 0 && n > 2 * HINT_WINDOW + 1) {
      best = this.nearestSample(px, py, hint - HINT_WINDOW + n, 2 * HINT_WINDOW + 1);
      const offset = (best - hint + n) % n;
      // Closest sample at the window's edge: the point may have jumped; search everything.
      if (offset === HINT_WINDOW || offset === n - HINT_WINDOW) best = this.nearestSample(px, py, 0, n);
    } else best = this.nearestSample(px, py, 0, n);
    // The foot lies on one of the two segments meeting at the closest sample.
    const prev = (best + n - 1) % n;
    const tBefore = this.segmentFoot(prev, px, py);
    const d2Before = this.footD2;
    const tAfter = this.segmentFoot(best, px, py);
    const i = d2Before < this.footD2 ? prev : best;
    const t = d2Before < this.footD2 ? tBefore : tAfter;
    const j = (i + 1) % n;
    const tx = (this.x[j] - this.x[i]) / this.spacing;
    const ty = (this.y[j] - this.y[i]) / this.spacing;
    out.index = i;
    out.s = (i + t) * this.spacing;
    out.crossTrack = (px - this.x[i]) * -ty + (py - this.y[i]) * tx;
    out.heading = Math.atan2(ty, tx);
    out.curvature = this.curvature[i] + t * (this.curvature[j] - this.curvature[i]);
    return out;
  }

  /** The centre line at arc length `s` (any real: it wraps around the loop). */
  pointAt(s: number, out: RoadPoint): RoadPoint {
    const u = ((s % this.length) + this.length) % this.length / this.spacing;
    const i = Math.min(this.n - 1, Math.floor(u));
    const j = (i + 1) % this.n;
    const t = u - i;
    out.x = this.x[i] + t * (this.x[j] - this.x[i]);
    out.y = this.y[i] + t * (this.y[j] - this.y[i]);
    out.heading = Math.atan2(this.y[j] - this.y[i], this.x[j] - this.x[i]);
    out.curvature = this.curvature[i] + t * (this.curvature[j] - this.curvature[i]);
    return out;
  }

  /** The largest |curvature| between arc lengths `s` and `s + ahead` (1/m). */
  maxCurvatureAhead(s: number, ahead: number): number {
    const first = Math.floor(s / this.spacing);
    const count = Math.ceil(ahead / this.spacing) + 1;
    let max = 0;
    for (let c = 0; c <= count; c++) max = Math.max(max, Math.abs(this.curvature[(((first + c) % this.n) + this.n) % this.n]));
    return max;
  }

  /** Axis-aligned bounds of the centre line (m). */
  bounds(): { minX: number; minY: number; maxX: number; maxY: number } {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < this.n; i++) {
      minX = Math.min(minX, this.x[i]);
      maxX = Math.max(maxX, this.x[i]);
      minY = Math.min(minY, this.y[i]);
      maxY = Math.max(maxY, this.y[i]);
    }
    return { minX, minY, maxX, maxY };
  }

  /** The sample closest to (px, py) among `count` samples from index `from` (mod n). */
  private nearestSample(px: number, py: number, from: number, count: number): number {
    let best = 0;
    let bestD2 = Infinity;
    for (let c = 0; c < count; c++) {
      const i = (from + c) % this.n;
      const d2 = (px - this.x[i]) ** 2 + (py - this.y[i]) ** 2;
      if (d2 < bestD2) {
        bestD2 = d2;
        best = i;
      }
    }
    return best;
  }

  /** Parameter of the foot of (px, py) on segment i → i+1, clamped to it; its squared distance goes to `footD2`. */
  private segmentFoot(i: number, px: number, py: number): number {
    const j = (i + 1) % this.n;
    const ex = this.x[j] - this.x[i];
    const ey = this.y[j] - this.y[i];
    const t = Math.min(1, Math.max(0, ((px - this.x[i]) * ex + (py - this.y[i]) * ey) / (ex * ex + ey * ey)));
    this.footD2 = (px - this.x[i] - t * ex) ** 2 + (py - this.y[i] - t * ey) ** 2;
    return t;
  }
}

/** The angle in (-π, π]. */
export function wrapAngle(a: number): number {
  return a - 2 * Math.PI * Math.ceil((a - Math.PI) / (2 * Math.PI));
}
