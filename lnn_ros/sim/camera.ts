/**
 * A forward-facing pinhole camera on the vehicle: square pixels, principal point at the image
 * centre, tilted down by `pitch`, no roll. Image coordinates are continuous with pixel (i, j)'s
 * centre at (i + 0.5, j + 0.5), so the horizon lies at v = cy − f·tan(pitch).
 */
import { InputError } from '../errors';

export interface PinholeCameraOptions {
  /** Image size (px). */
  width: number;
  height: number;
  /** Horizontal field of view (degrees). */
  fovDeg: number;
  /** Downward tilt of the optical axis (degrees). */
  pitchDeg: number;
  /** Height of the optical centre above the ground (m). */
  mountHeight: number;
  /** Distance of the optical centre ahead of the rear axle (m). */
  mountForward: number;
}

/** 200×78 as in the lane-keeping setups, seen from behind the windscreen. */
export const DEFAULT_CAMERA: PinholeCameraOptions = { width: 200, height: 78, fovDeg: 90, pitchDeg: 6, mountHeight: 1.3, mountForward: 1.5 };

export class PinholeCamera {
  readonly options: PinholeCameraOptions;
  readonly width: number;
  readonly height: number;
  /** Focal length (px). */
  readonly f: number;
  readonly cx: number;
  readonly cy: number;
  /** Downward tilt (rad). */
  readonly pitch: number;

  constructor(options: Partial<PinholeCameraOptions> = {}) {
    const o = { ...DEFAULT_CAMERA, ...options };
    if (!Number.isInteger(o.width) || !Number.isInteger(o.height) || o.width < 2 || o.height < 2) {
      throw new InputError(`camera size must be whole pixels, at least 2×2 (got ${o.width}×${o.height})`);
    }
    if (!(o.fovDeg > 0 && o.fovDeg < 170)) throw new InputError(`camera field of view must be in (0, 170) degrees (got ${o.fovDeg})`);
    if (!(Math.abs(o.pitchDeg) < 80)) throw new InputError(`camera pitch must be within ±80 degrees (got ${o.pitchDeg})`);
    if (!(o.mountHeight > 0)) throw new InputError(`camera height must be above the ground (got ${o.mountHeight} m)`);
    this.options = o;
    this.width = o.width;
    this.height = o.height;
    this.f = o.width / 2 / Math.tan((o.fovDeg * Math.PI) / 360);
    this.cx = o.width / 2;
    this.cy = o.height / 2;
    this.pitch = (o.pitchDeg * Math.PI) / 180;
  }

  /** Image row of the horizon (continuous coordinates). */
  horizonRow(): number {
    return this.cy - this.f * Math.tan(this.pitch);
  }

  /**
   * Where the ray through image row `v` (continuous) meets the ground: the scale t such that the
   * point is t·(a, b, 1) in camera coordinates, with b = (v − cy)/f. Infinity at or above the horizon.
   */
  groundScale(v: number): number {
    const b = (v - this.cy) / this.f;
    const down = b * Math.cos(this.pitch) + Math.sin(this.pitch);
    return down > 1e-9 ? this.options.mountHeight / down : Infinity;
  }

  /** Ground distance ahead of the camera (m) seen at image row `v`, for a ray with scale t = groundScale(v). */
  groundForward(v: number, t: number): number {
    const b = (v - this.cy) / this.f;
    return t * (Math.cos(this.pitch) - b * Math.sin(this.pitch));
  }

  /** Image coordinates of a ground point `forward` ahead of and `left` of the camera (m); null behind it. */
  projectGround(forward: number, left: number): { u: number; v: number } | null {
    const h = this.options.mountHeight;
    const z = forward * Math.cos(this.pitch) + h * Math.sin(this.pitch);
    if (z <= 1e-9) return null;
    const y = h * Math.cos(this.pitch) - forward * Math.sin(this.pitch);
    return { u: this.cx + (this.f * -left) / z, v: this.cy + (this.f * y) / z };
  }
}
