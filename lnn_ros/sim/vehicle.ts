/**
 * A car-like vehicle as a kinematic bicycle about the rear axle: yaw rate = v·tan(δ)/L, with
 * steering-angle, steering-rate, speed and acceleration limits, and optional lateral slip (a grip
 * limit on the lateral acceleration: beyond it the car turns less than it steers and drifts
 * outwards, as on snow).
 */
import { wrapAngle } from './road';

export interface BicycleOptions {
  /** Distance between the axles, L (m). */
  wheelbase: number;
  /** Overall width (m); the off-road metric uses its half. */
  width: number;
  /** Largest steering angle either side (rad). */
  maxSteer: number;
  /** Largest steering angle change per second (rad/s). */
  maxSteerRate: number;
  /** Speed limits (m/s); a negative minimum allows reversing. */
  minSpeed: number;
  maxSpeed: number;
  /** Largest speed increase and decrease per second (m/s²). */
  maxAccel: number;
  maxDecel: number;
  /** Lateral acceleration the tyres hold (m/s²); Infinity: no slip. */
  grip: number;
  /** Time constant of building up and recovering from a slide (s). */
  slipTimeConstant: number;
  /** Below this |speed| a yaw-rate command is converted to steering as if at this speed (m/s). */
  minConversionSpeed: number;
}

export const DEFAULT_BICYCLE: BicycleOptions = {
  wheelbase: 2.7,
  width: 1.8,
  maxSteer: 0.5,
  maxSteerRate: 1.0,
  minSpeed: 0,
  maxSpeed: 20,
  maxAccel: 3,
  maxDecel: 6,
  grip: Infinity,
  slipTimeConstant: 0.3,
  minConversionSpeed: 0.5,
};

/** Pose and motion of the rear axle's centre, in the world frame (x, y, yaw) and the body frame (the rest). */
export interface VehicleState {
  x: number;
  y: number;
  yaw: number;
  /** Forward speed (m/s). */
  speed: number;
  /** Sideways speed from slip (m/s, + left). */
  lateralVelocity: number;
  /** Executed steering angle (rad, + left). */
  steer: number;
  /** Yaw rate over the last step (rad/s). */
  yawRate: number;
  /** Body-frame acceleration over the last step (m/s²): forward and left. */
  accelX: number;
  accelY: number;
}

export class KinematicBicycle {
  readonly options: BicycleOptions;
  readonly state: VehicleState;
  private targetSpeed = 0;
  private targetSteer = 0;

  constructor(options: Partial<BicycleOptions> = {}, pose: { x: number; y: number; yaw: number; speed?: number } = { x: 0, y: 0, yaw: 0 }) {
    this.options = { ...DEFAULT_BICYCLE, ...options };
    const speed = clamp(pose.speed ?? 0, this.options.minSpeed, this.options.maxSpeed);
    this.state = { x: pose.x, y: pose.y, yaw: pose.yaw, speed, lateralVelocity: 0, steer: 0, yawRate: 0, accelX: 0, accelY: 0 };
    this.targetSpeed = speed;
  }

  /** The command to follow from the next step on; both are clamped to the limits. */
  setCommand(speed: number, steer: number): void {
    const o = this.options;
    this.targetSpeed = clamp(speed, o.minSpeed, o.maxSpeed);
    this.targetSteer = clamp(steer, -o.maxSteer, o.maxSteer);
  }

  /** The steering angle that turns at `yawRate` at `speed`: δ = atan(L·ω / v), v kept away from 0. */
  steerForYawRate(yawRate: number, speed: number): number {
    return Math.atan((this.options.wheelbase * yawRate) / this.conversionSpeed(speed));
  }

  /** The inverse of steerForYawRate: what a Twist carries for a steering angle. */
  yawRateForSteer(steer: number, speed: number): number {
    return (this.conversionSpeed(speed) * Math.tan(steer)) / this.options.wheelbase;
  }

  private conversionSpeed(speed: number): number {
    return Math.max(Math.abs(speed), this.options.minConversionSpeed) * (speed < 0 ? -1 : 1);
  }

  step(dt: number): void {
    const o = this.options;
    const s = this.state;
    s.steer += clamp(this.targetSteer - s.steer, -o.maxSteerRate * dt, o.maxSteerRate * dt);
    const oldSpeed = s.speed;
    const oldLateral = s.lateralVelocity;
    s.speed += clamp(this.targetSpeed - s.speed, -o.maxDecel * dt, o.maxAccel * dt);
    let yawRate = (s.speed * Math.tan(s.steer)) / o.wheelbase;
    const demand = s.speed * yawRate;
    // Beyond the grip limit the car turns only as fast as the tyres allow and slides outwards.
    let slideTarget = 0;
    if (Math.abs(demand) > o.grip) {
      yawRate = (Math.sign(yawRate) * o.grip) / Math.max(Math.abs(s.speed), 1e-6);
      slideTarget = -Math.sign(demand) * (Math.abs(demand) - o.grip) * o.slipTimeConstant;
    }
    s.lateralVelocity += (slideTarget - s.lateralVelocity) * Math.min(1, dt / o.slipTimeConstant);
    const midYaw = s.yaw + (yawRate * dt) / 2;
    const cos = Math.cos(midYaw);
    const sin = Math.sin(midYaw);
    s.x += (s.speed * cos - s.lateralVelocity * sin) * dt;
    s.y += (s.speed * sin + s.lateralVelocity * cos) * dt;
    s.yaw = wrapAngle(s.yaw + yawRate * dt);
    s.yawRate = yawRate;
    // Body-frame acceleration: d(v_body)/dt + ω × v_body — what an IMU on the axle feels.
    s.accelX = (s.speed - oldSpeed) / dt - yawRate * s.lateralVelocity;
    s.accelY = (s.lateralVelocity - oldLateral) / dt + yawRate * s.speed;
  }
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
