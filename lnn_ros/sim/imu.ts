/**
 * An IMU on the rear axle, body frame x forward, y left, z up (REP 103): the yaw rate and the
 * planar accelerations of the vehicle's motion, gravity on z, each with white gaussian noise and
 * a constant bias drawn once per run from the seed.
 */
import { SeededRng } from './rng';
import { VehicleState } from './vehicle';

export interface ImuOptions {
  rateHz: number;
  /** White noise standard deviation of each gyro axis (rad/s). */
  gyroNoiseStd: number;
  /** Standard deviation of the per-run gyro bias (rad/s). */
  gyroBiasStd: number;
  /** White noise standard deviation of each accelerometer axis (m/s²). */
  accelNoiseStd: number;
  /** Standard deviation of the per-run accelerometer bias (m/s²). */
  accelBiasStd: number;
}

export const DEFAULT_IMU: ImuOptions = { rateHz: 100, gyroNoiseStd: 0.003, gyroBiasStd: 0.002, accelNoiseStd: 0.05, accelBiasStd: 0.03 };

export const GRAVITY = 9.80665;

export interface ImuReading {
  /** Angular velocity about x, y, z (rad/s). */
  gyro: Float64Array;
  /** Linear acceleration along x, y, z (m/s²), gravity included as a resting IMU reports it. */
  accel: Float64Array;
}

export class ImuModel {
  readonly options: ImuOptions;
  private readonly gyroBias = new Float64Array(3);
  private readonly accelBias = new Float64Array(3);

  constructor(
    options: Partial<ImuOptions>,
    private readonly rng: SeededRng,
  ) {
    this.options = { ...DEFAULT_IMU, ...options };
    for (let i = 0; i < 3; i++) {
      this.gyroBias[i] = this.options.gyroBiasStd * rng.gaussian();
      this.accelBias[i] = this.options.accelBiasStd * rng.gaussian();
    }
  }

  read(state: VehicleState, out: ImuReading): ImuReading {
    out.gyro.fill(0);
    out.gyro[2] = state.yawRate;
    out.accel[0] = state.accelX;
    out.accel[1] = state.accelY;
    out.accel[2] = GRAVITY;
    for (let i = 0; i < 3; i++) {
      out.gyro[i] += this.gyroBias[i] + this.options.gyroNoiseStd * this.rng.gaussian();
      out.accel[i] += this.accelBias[i] + this.options.accelNoiseStd * this.rng.gaussian();
    }
    return out;
  }
}
