/**
 * The CPU renderer: casts each pixel's ray onto the ground plane and looks the hit up in the
 * road raster (O(1) per pixel), then shades it — asphalt, solid edge lines, a dashed centre
 * line, grass or snow verges, seeded ground texture, daylight and headlights, exponential fog —
 * or paints the sky above the horizon. Everything that depends only on the camera and the
 * condition is tabulated once; a frame is one pass over the pixels, allocating nothing per pixel.
 */
import { PinholeCamera } from './camera';
import { Condition, Rgb } from './conditions';
import { FAR, RoadRaster } from './road_raster';
import { SeededRng } from './rng';

/** Albedos (0–255) and texture amplitudes of the materials. */
const ASPHALT: Rgb = [88, 88, 92];
const GRASS: Rgb = [70, 112, 48];
const SNOW: Rgb = [228, 232, 240];
const PAINT: Rgb = [236, 236, 228];
const ASPHALT_TEXTURE = 10;
const GRASS_TEXTURE = 26;
const SNOW_TEXTURE = 9;

/** Marking layout (m): solid edge lines just inside the edges, a dashed line on the centre. */
const EDGE_LINE_WIDTH = 0.15;
const EDGE_LINE_INSET = 0.25;
const CENTRE_LINE_WIDTH = 0.12;
const DASH_LENGTH = 3;
const DASH_PERIOD = 9;

/**
 * What each pixel shows, for measuring attention against ground truth (`classify`). `road_edge`:
 * the band from the inner side of an edge line to the asphalt's end, widened by EDGE_MARGIN on
 * both sides (a pixel belongs to it when its footprint on the ground touches the band); `road`:
 * the rest of the road surface, centre line included; `verge`: the ground beyond; `sky`: above the horizon.
 */
export const PIXEL_CLASSES = ['road_edge', 'road', 'verge', 'sky'] as const;
export type PixelClass = (typeof PIXEL_CLASSES)[number];
export const EDGE_MARGIN = 0.25;
const [ROAD_EDGE, ROAD, VERGE, SKY] = [0, 1, 2, 3];

/** Distance look-up tables (fog, headlights): bins of 0.25 m up to 1 km. */
const LUT_SCALE = 4;
const LUT_SIZE = 4000;
/** The texture tile: 256×256 raster cells, repeated. */
const TILE = 256;
const GAUSS_TABLE = 1 << 16;
/** Headlight colour (per-channel light) and beam half-width (tan of the angle off the axis). */
const HEADLIGHT: Rgb = [1, 0.95, 0.85];
const BEAM_WIDTH = 0.45;

export class RoadRenderer {
  private readonly rowT: Float64Array;
  private readonly rowForward: Float64Array;
  /** b² + 1 per row, so that the ray length is t·sqrt(a² + b² + 1). */
  private readonly rowRay: Float64Array;
  private readonly rowTexture: Float32Array;
  private readonly colA: Float64Array;
  private readonly colBeam: Float32Array;
  private readonly sky: Float32Array;
  private readonly fogLut: Float32Array;
  private readonly headlightLut: Float32Array;
  private readonly texture: Float32Array;
  /** Gaussian samples of the condition's pixel noise, in whole intensity steps. */
  private readonly sensorNoise: Int16Array;
  private readonly dashPeriod: number;
  /** Daylight per channel: the tint scaled by the brightness. */
  private readonly daylight: Rgb;

  constructor(
    readonly camera: PinholeCamera,
    readonly raster: RoadRaster,
    readonly condition: Condition,
    private readonly rng: SeededRng,
  ) {
    const { width: w, height: h, f } = camera;
    this.rowT = new Float64Array(h);
    this.rowForward = new Float64Array(h);
    this.rowRay = new Float64Array(h);
    this.rowTexture = new Float32Array(h);
    for (let v = 0; v < h; v++) {
      const t = camera.groundScale(v + 0.5);
      const b = (v + 0.5 - camera.cy) / f;
      this.rowT[v] = t;
      this.rowForward[v] = camera.groundForward(v + 0.5, t);
      this.rowRay[v] = b * b + 1;
      // Fade the texture once a pixel spans more than ~0.2 m, where it would only shimmer.
      this.rowTexture[v] = condition.surface.texture * Math.min(1, (0.2 * f) / t);
    }
    this.colA = new Float64Array(w);
    this.colBeam = new Float32Array(w);
    for (let u = 0; u < w; u++) {
      this.colA[u] = (u + 0.5 - camera.cx) / f;
      this.colBeam[u] = Math.exp(-((this.colA[u] / BEAM_WIDTH) ** 2));
    }
    const fog = condition.fog.density;
    const headlights = condition.lighting.headlights;
    const range = condition.lighting.headlightRange;
    this.fogLut = new Float32Array(LUT_SIZE);
    this.headlightLut = new Float32Array(LUT_SIZE);
    for (let i = 0; i < LUT_SIZE; i++) {
      const d = (i + 0.5) / LUT_SCALE;
      this.fogLut[i] = Math.exp(-fog * d);
      this.headlightLut[i] = headlights * Math.exp(-d / range);
    }
    const { brightness, tint } = condition.lighting;
    this.daylight = [brightness * tint[0], brightness * tint[1], brightness * tint[2]];
    this.sky = this.skyRows();
    this.texture = valueNoiseTile(rng.fork('texture'));
    this.sensorNoise = new Int16Array(GAUSS_TABLE);
    const g = rng.fork('gauss');
    for (let i = 0; i < GAUSS_TABLE; i++) this.sensorNoise[i] = Math.round(condition.camera.noiseStd * g.gaussian());
    // Whole dash periods around the loop, so the pattern has no seam at s = 0.
    this.dashPeriod = raster.road.length / Math.max(1, Math.round(raster.road.length / DASH_PERIOD));
  }

  /**
   * Per pixel the index into PIXEL_CLASSES of what the view from this pose shows (geometry only:
   * lighting, fog and snow do not change it), into `out` (width·height, row-major).
   */
  classify(x: number, y: number, yaw: number, out: Uint8Array): void {
    const { width: w, height: h } = this.camera;
    if (out.length !== w * h) throw new RangeError(`class buffer holds ${out.length} values, expected ${w * h}`);
    const halfWidth = this.raster.road.halfWidth;
    const bandLow = halfWidth - EDGE_LINE_INSET - EDGE_LINE_WIDTH / 2 - EDGE_MARGIN;
    const bandHigh = halfWidth + EDGE_MARGIN;
    const cos = Math.cos(yaw);
    const sin = Math.sin(yaw);
    const camX = x + this.camera.options.mountForward * cos;
    const camY = y + this.camera.options.mountForward * sin;
    for (let v = 0; v < h; v++) {
      const o = v * w;
      const t = this.rowT[v];
      if (t === Infinity) {
        out.fill(SKY, o, o + w);
        continue;
      }
      const forward = this.rowForward[v];
      // Half the width of a pixel on the ground across the view (m), as the renderer's antialiasing takes it.
      const half = Math.max(t / this.camera.f, 1e-3) / 2;
      for (let u = 0; u < w; u++) {
        const a = this.colA[u];
        const d = Math.abs(this.raster.distanceAt(camX + forward * cos + a * t * sin, camY + forward * sin - a * t * cos));
        out[o + u] = d + half >= bandLow && d - half <= bandHigh ? ROAD_EDGE : d < halfWidth ? ROAD : VERGE;
      }
    }
  }

  /** Renders the view from the vehicle pose (rear axle at x, y, heading yaw) into `out` (rgb8, row-major). */
  render(x: number, y: number, yaw: number, out: Uint8Array): void {
    const { width: w, height: h } = this.camera;
    if (out.length !== w * h * 3) throw new RangeError(`image buffer holds ${out.length} bytes, expected ${w * h * 3}`);
    const px = new Uint8ClampedArray(out.buffer, out.byteOffset, out.length);
    const cond = this.condition;
    const road = this.raster.road;
    const { x0, y0, nx, ny, invResolution: inv, field } = this.raster;
    const cos = Math.cos(yaw);
    const sin = Math.sin(yaw);
    const camX = x + this.camera.options.mountForward * cos;
    const camY = y + this.camera.options.mountForward * sin;
    const halfWidth = road.halfWidth;
    const edgeLine = halfWidth - EDGE_LINE_INSET;
    const snow = cond.surface.snowOnRoad;
    const marking = cond.surface.markingVisibility;
    const [fogR, fogG, fogB] = cond.fog.color;
    const [dayR, dayG, dayB] = this.daylight;
    const [beamR, beamG, beamB] = HEADLIGHT;
    const [roadR, roadG, roadB] = ASPHALT;
    const [paintR, paintG, paintB] = PAINT;
    const dashPeriod = this.dashPeriod;
    const { colA, colBeam, texture, fogLut, headlightLut } = this;
    const [vergeR, vergeG, vergeB] = cond.surface.verge === 'snow' ? SNOW : GRASS;
    const vergeTexture = cond.surface.verge === 'snow' ? SNOW_TEXTURE : GRASS_TEXTURE;
    for (let v = 0; v < h; v++) {
      let o = v * w * 3;
      const t = this.rowT[v];
      if (t === Infinity) {
        const r = this.sky[3 * v];
        const g = this.sky[3 * v + 1];
        const b = this.sky[3 * v + 2];
        for (let u = 0; u < w; u++, o += 3) {
          px[o] = r;
          px[o + 1] = g;
          px[o + 2] = b;
        }
        continue;
      }
      const forward = this.rowForward[v];
      const rowRay = this.rowRay[v];
      const textureScale = this.rowTexture[v];
      // Width of a pixel on the ground across the view (m): the antialiasing filter.
      const footprint = Math.max(t / this.camera.f, 1e-3);
      // Raster coordinates of column u: (baseX + a·kx, baseY + a·ky).
      const baseX = (camX + forward * cos - x0) * inv;
      const baseY = (camY + forward * sin - y0) * inv;
      const kx = t * sin * inv;
      const ky = -t * cos * inv;
      for (let u = 0; u < w; u++, o += 3) {
        const a = colA[u];
        const fx = baseX + a * kx;
        const fy = baseY + a * ky;
        // Truncation, not floor: negative coordinates are off the raster anyway.
        const gx = fx | 0;
        const gy = fy | 0;
        let d = FAR;
        let s = 0;
        if (fx >= 0 && fy >= 0 && gx < nx && gy < ny) {
          const cell = 2 * (gy * nx + gx);
          d = field[cell];
          s = field[cell + 1];
        }
        const ad = d < 0 ? -d : d;
        const noise = texture[((gy & (TILE - 1)) << 8) | (gx & (TILE - 1))] * textureScale;
        // Snow creeps in from the edges raggedly; the road ends where it starts.
        const edge = halfWidth - snow * (0.5 + 0.5 * noise);
        const onRoad = coverage(ad, edge - halfWidth, halfWidth, footprint);
        let r = vergeR + onRoad * (roadR - vergeR);
        let g = vergeG + onRoad * (roadG - vergeG);
        let b = vergeB + onRoad * (roadB - vergeB);
        const grain = noise * (vergeTexture + onRoad * (ASPHALT_TEXTURE - vergeTexture));
        let paint = onRoad * coverage(ad, edgeLine, EDGE_LINE_WIDTH / 2, footprint);
        if (ad < CENTRE_LINE_WIDTH + footprint && s - dashPeriod * Math.floor(s / dashPeriod) < DASH_LENGTH) {
          paint = Math.max(paint, coverage(d, 0, CENTRE_LINE_WIDTH / 2, footprint));
        }
        paint *= marking;
        r += paint * (paintR - r) + grain;
        g += paint * (paintG - g) + grain;
        b += paint * (paintB - b) + grain;
        const lut = Math.min(LUT_SIZE - 1, t * Math.sqrt(a * a + rowRay) * LUT_SCALE) | 0;
        const beam = headlightLut[lut] * colBeam[u];
        const fog = fogLut[lut];
        px[o] = r * (dayR + beam * beamR) * fog + fogR * (1 - fog);
        px[o + 1] = g * (dayG + beam * beamG) * fog + fogG * (1 - fog);
        px[o + 2] = b * (dayB + beam * beamB) * fog + fogB * (1 - fog);
      }
    }
    if (cond.camera.noiseStd > 0) this.addSensorNoise(out);
  }

  /** Gaussian pixel noise from the precomputed table, indexed by a per-frame xorshift stream; integer-only. */
  private addSensorNoise(out: Uint8Array): void {
    const noise = this.sensorNoise;
    let state = this.rng.nextU32() | 1;
    for (let i = 0; i < out.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const v = out[i] + noise[state >>> 16];
      out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }

  /** Sky colour per row: horizon to zenith with elevation, seen through the fog at the far end of its range. */
  private skyRows(): Float32Array {
    const { camera, condition } = this;
    const { zenith, horizon } = condition.sky;
    const farFog = this.fogLut[LUT_SIZE - 1];
    const out = new Float32Array(3 * camera.height);
    for (let v = 0; v < camera.height; v++) {
      const b = (v + 0.5 - camera.cy) / camera.f;
      const up = -(b * Math.cos(camera.pitch) + Math.sin(camera.pitch));
      const elevation = Math.atan2(up, Math.cos(camera.pitch) - b * Math.sin(camera.pitch));
      const k = Math.min(1, Math.max(0, elevation / 0.6)) ** 0.7;
      for (let c = 0; c < 3; c++) out[3 * v + c] = (horizon[c] + k * (zenith[c] - horizon[c])) * farFog + condition.fog.color[c] * (1 - farFog);
    }
    return out;
  }
}

/** Fraction of a pixel of width `w` centred at x that covers [centre − half, centre + half]. */
function coverage(x: number, centre: number, half: number, w: number): number {
  const lo = Math.max(x - w / 2, centre - half);
  const hi = Math.min(x + w / 2, centre + half);
  return hi > lo ? (hi - lo) / w : 0;
}

/** A seamless 256×256 tile of multi-scale value noise in about [−1, 1]: fine grain plus 0.8 m and 3.2 m blotches. */
function valueNoiseTile(rng: SeededRng): Float32Array {
  const tile = new Float32Array(TILE * TILE);
  const octaves: Array<[number, number]> = [
    [1, 0.35],
    [8, 0.35],
    [32, 0.3],
  ];
  for (const [cell, weight] of octaves) {
    const n = TILE / cell;
    const lattice = new Float32Array(n * n);
    for (let i = 0; i < lattice.length; i++) lattice[i] = rng.range(-1, 1);
    for (let y = 0; y < TILE; y++) {
      const fy = smooth((y % cell) / cell);
      const y1 = Math.floor(y / cell);
      const y2 = (y1 + 1) % n;
      for (let x = 0; x < TILE; x++) {
        const fx = smooth((x % cell) / cell);
        const x1 = Math.floor(x / cell);
        const x2 = (x1 + 1) % n;
        const top = lattice[y1 * n + x1] + fx * (lattice[y1 * n + x2] - lattice[y1 * n + x1]);
        const bottom = lattice[y2 * n + x1] + fx * (lattice[y2 * n + x2] - lattice[y2 * n + x1]);
        tile[y * TILE + x] += weight * (top + fy * (bottom - top)) * 1.6;
      }
    }
  }
  return tile;
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}
