/**
 * The expert driver: Stanley steering on the known centre line (heading error plus
 * atan(k·e/v) of the front axle's cross-track error e — zero steady-state error on a bend, unlike
 * pure pursuit, which cuts corners), and a speed that slows for the sharpest bend ahead.
 */
import { Road, RoadProjection, wrapAngle } from './road';
import { VehicleState } from './vehicle';

export interface StanleyOptions {
  /** Cross-track gain k (1/s): how hard it steers back towards the line. */
  gain: number;
  /** Added to the speed in atan(k·e/v), so that the correction stays gentle when slow (m/s). */
  softening: number;
  /** Speed on straights (m/s). */
  cruiseSpeed: number;
  /** Lateral acceleration allowed in bends (m/s²): the bend speed is sqrt(a/|κ|). */
  maxLateralAccel: number;
  /** How far ahead to look for bends, as travel time at the current speed plus a margin (s, m). */
  previewTime: number;
  previewMargin: number;
  /** Offset of the followed line from the centre line (m, + left). */
  lateralOffset: number;
}

export const DEFAULT_STANLEY: StanleyOptions = {
  gain: 1.5,
  softening: 1,
  cruiseSpeed: 8,
  maxLateralAccel: 2.5,
  previewTime: 2,
  previewMargin: 5,
  lateralOffset: 0,
};

/** A speed (m/s) and front-wheel steering angle (rad, + left). */
export interface DriveCommand {
  speed: number;
  steer: number;
}

export class StanleyExpert {
  readonly options: StanleyOptions;
  private readonly front: RoadProjection = { s: 0, crossTrack: 0, heading: 0, curvature: 0, index: -1 };

  constructor(
    readonly road: Road,
    private readonly wheelbase: number,
    options: Partial<StanleyOptions> = {},
  ) {
    this.options = { ...DEFAULT_STANLEY, ...options };
  }

  /** The command the expert wants in `state`, written to `out`. */
  command(state: VehicleState, out: DriveCommand): DriveCommand {
    const o = this.options;
    const p = this.road.project(
      state.x + this.wheelbase * Math.cos(state.yaw),
      state.y + this.wheelbase * Math.sin(state.yaw),
      this.front,
      this.front.index,
    );
    const error = p.crossTrack - o.lateralOffset;
    out.steer = wrapAngle(p.heading - state.yaw) + Math.atan2(-o.gain * error, Math.abs(state.speed) + o.softening);
    const bend = this.road.maxCurvatureAhead(p.s, Math.abs(state.speed) * o.previewTime + o.previewMargin);
    out.speed = Math.min(o.cruiseSpeed, Math.sqrt(o.maxLateralAccel / Math.max(bend, 1e-6)));
    return out;
  }
}
