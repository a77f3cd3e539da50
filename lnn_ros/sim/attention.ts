/**
 * Attention measured against what the renderer knows each pixel shows: for every pixel class
 * (PIXEL_CLASSES) and for a band around the horizon, the share of the frame's area and the share
 * of the saliency map's mass, each frame on its own, averaged over frames. Pixels outside the
 * policy's view (NaN in the map) count for neither.
 */
import { PIXEL_CLASSES, PixelClass } from './renderer';

/** The horizon band reaches this fraction of the image height above and below the horizon row. */
export const HORIZON_BAND = 0.1;

export interface AttentionShare {
  area_fraction: number;
  attention_fraction: number;
}

export interface AttentionSummary {
  /** Frames measured (frames whose map is zero everywhere carry no attention and are left out). */
  frames: number;
  classes: Record<PixelClass, AttentionShare>;
  horizon_band: AttentionShare;
}

/** Area and mass shares of the horizon band come after the classes in the per-frame arrays. */
const BAND = PIXEL_CLASSES.length;

export class AttentionTally {
  private frames = 0;
  private readonly areaSum = new Float64Array(BAND + 1);
  private readonly massSum = new Float64Array(BAND + 1);
  private readonly area = new Float64Array(BAND + 1);
  private readonly mass = new Float64Array(BAND + 1);
  private readonly bandTop: number;
  private readonly bandBottom: number;

  /** For frames of width × height pixels whose horizon lies at `horizonRow` (continuous image coordinates). */
  constructor(
    readonly width: number,
    readonly height: number,
    horizonRow: number,
  ) {
    this.bandTop = horizonRow - HORIZON_BAND * height;
    this.bandBottom = horizonRow + HORIZON_BAND * height;
  }

  /**
   * One frame: the class of each pixel (indices into PIXEL_CLASSES) and the map over the same
   * pixels. Returns this frame's shares (null for a map without mass, which is not counted).
   */
  add(labels: Uint8Array, map: Float32Array): AttentionSummary | null {
    const n = this.width * this.height;
    if (labels.length !== n || map.length !== n) throw new RangeError(`attention of a ${this.width}×${this.height} frame: got ${labels.length} labels and ${map.length} map values`);
    this.area.fill(0);
    this.mass.fill(0);
    let pixels = 0;
    let total = 0;
    for (let v = 0; v < this.height; v++) {
      const centre = v + 0.5;
      const inBand = centre >= this.bandTop && centre <= this.bandBottom;
      for (let u = 0; u < this.width; u++) {
        const p = v * this.width + u;
        const m = map[p];
        if (Number.isNaN(m)) continue;
        pixels++;
        total += m;
        this.area[labels[p]]++;
        this.mass[labels[p]] += m;
        if (inBand) {
          this.area[BAND]++;
          this.mass[BAND] += m;
        }
      }
    }
    if (!(total > 0)) return null;
    for (let k = 0; k <= BAND; k++) {
      this.area[k] /= pixels;
      this.mass[k] /= total;
      this.areaSum[k] += this.area[k];
      this.massSum[k] += this.mass[k];
    }
    this.frames++;
    return shares(1, this.area, this.mass);
  }

  /** The shares averaged over the frames so far. */
  summary(): AttentionSummary {
    return shares(this.frames, this.areaSum.map((v) => v / this.frames), this.massSum.map((v) => v / this.frames));
  }
}

function shares(frames: number, area: Float64Array, mass: Float64Array): AttentionSummary {
  const share = (k: number): AttentionShare => ({ area_fraction: area[k], attention_fraction: mass[k] });
  return {
    frames,
    classes: Object.fromEntries(PIXEL_CLASSES.map((c, k) => [c, share(k)])) as Record<PixelClass, AttentionShare>,
    horizon_band: share(BAND),
  };
}

/** Summaries of several runs as one, each weighted by its frames. */
export function mergeAttention(parts: AttentionSummary[]): AttentionSummary {
  const frames = parts.reduce((s, p) => s + p.frames, 0);
  const mean = (pick: (p: AttentionSummary) => AttentionShare): AttentionShare => ({
    area_fraction: parts.reduce((s, p) => s + p.frames * pick(p).area_fraction, 0) / frames,
    attention_fraction: parts.reduce((s, p) => s + p.frames * pick(p).attention_fraction, 0) / frames,
  });
  return {
    frames,
    classes: Object.fromEntries(PIXEL_CLASSES.map((c) => [c, mean((p) => p.classes[c])])) as Record<PixelClass, AttentionShare>,
    horizon_band: mean((p) => p.horizon_band),
  };
}
