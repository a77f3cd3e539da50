/** The simulator's vehicle and IMU: bicycle-model limits and kinematics, slip, the IMU on a turn, OU noise. */
import { strict as assert } from 'node:assert';
import { ImuModel, ImuReading, GRAVITY } from '../lnn_ros/sim/imu';
import { OrnsteinUhlenbeck } from '../lnn_ros/sim/ou_noise';
import { SeededRng } from '../lnn_ros/sim/rng';
import { KinematicBicycle } from '../lnn_ros/sim/vehicle';

const DT = 0.01;

function drive(car: KinematicBicycle, seconds: number, each?: () => void): void {
  for (let i = 0; i < Math.round(seconds / DT); i++) {
    car.step(DT);
    each?.();
  }
}

describe('sim vehicle', () => {
  it('clamps speed and steering to the limits', () => {
    const car = new KinematicBicycle({ maxSpeed: 12, minSpeed: -2, maxSteer: 0.4 });
    car.setCommand(100, 2);
    drive(car, 10);
    assert.equal(car.state.speed, 12);
    assert.equal(car.state.steer, 0.4);
    car.setCommand(-100, -2);
    drive(car, 10);
    assert.equal(car.state.speed, -2);
    assert.equal(car.state.steer, -0.4);
  });

  it('limits the steering rate and the acceleration', () => {
    const car = new KinematicBicycle({ maxSteerRate: 0.5, maxAccel: 2, maxDecel: 5 });
    car.setCommand(10, 0.3);
    car.step(DT);
    assert.ok(Math.abs(car.state.steer - 0.5 * DT) < 1e-12);
    assert.ok(Math.abs(car.state.speed - 2 * DT) < 1e-12);
    drive(car, 0.49);
    assert.ok(Math.abs(car.state.steer - 0.25) < 1e-9, `${car.state.steer}`);
    drive(car, 10);
    car.setCommand(0, 0.3);
    const before = car.state.speed;
    car.step(DT);
    assert.ok(Math.abs(before - car.state.speed - 5 * DT) < 1e-12);
  });

  it('turns at v·tan(δ)/L and drives a circle of radius L/tan(δ)', () => {
    const car = new KinematicBicycle({ wheelbase: 2.5 }, { x: 0, y: 0, yaw: 0, speed: 5 });
    car.setCommand(5, 0.2);
    drive(car, 2);
    assert.ok(Math.abs(car.state.yawRate - (5 * Math.tan(0.2)) / 2.5) < 1e-12);
    // Steady state from here: the axle stays on one circle about the turn centre.
    const radius = 2.5 / Math.tan(0.2);
    const cx = car.state.x - radius * Math.sin(car.state.yaw);
    const cy = car.state.y + radius * Math.cos(car.state.yaw);
    drive(car, 10, () => assert.ok(Math.abs(Math.hypot(car.state.x - cx, car.state.y - cy) - radius) < 1e-3));
  });

  it('converts a Twist yaw rate to steering and back', () => {
    const car = new KinematicBicycle({ wheelbase: 2.7, minConversionSpeed: 0.5 });
    for (const [omega, v] of [[0.3, 6], [-0.2, 2], [0.1, 0], [0.4, -1]]) {
      const steer = car.steerForYawRate(omega, v);
      assert.ok(Math.abs(car.yawRateForSteer(steer, v) - omega) < 1e-12);
    }
    assert.ok(Math.abs(car.steerForYawRate(0.3, 6) - Math.atan((2.7 * 0.3) / 6)) < 1e-12);
  });

  it('slides outwards and turns less beyond the grip limit', () => {
    const car = new KinematicBicycle({ grip: 3 }, { x: 0, y: 0, yaw: 0, speed: 12 });
    car.setCommand(12, 0.3);
    drive(car, 3);
    assert.ok(Math.abs(car.state.speed * car.state.yawRate - 3) < 1e-9, 'lateral acceleration held at the grip');
    assert.ok(car.state.lateralVelocity < -0.5, `slides to the right in a left turn (${car.state.lateralVelocity})`);
  });

  it('gives an IMU the yaw rate and centripetal acceleration of a constant-radius turn', () => {
    const car = new KinematicBicycle({ wheelbase: 2.7 }, { x: 0, y: 0, yaw: 0, speed: 8 });
    car.setCommand(8, 0.15);
    drive(car, 2);
    const imu = new ImuModel({ gyroNoiseStd: 0.01, accelNoiseStd: 0.1 }, new SeededRng(3, 'imu'));
    const reading: ImuReading = { gyro: new Float64Array(3), accel: new Float64Array(3) };
    const sums = [0, 0, 0];
    const n = 1000;
    drive(car, n * DT, () => {
      imu.read(car.state, reading);
      sums[0] += reading.gyro[2] / n;
      sums[1] += reading.accel[1] / n;
      sums[2] += reading.accel[2] / n;
    });
    const yawRate = (8 * Math.tan(0.15)) / 2.7;
    // Noise averages out; what remains is the per-run bias (σ 0.002 rad/s, 0.03 m/s²).
    assert.ok(Math.abs(sums[0] - yawRate) < 0.008, `gyro z ${sums[0]} vs ${yawRate}`);
    assert.ok(Math.abs(sums[1] - 8 * yawRate) < 0.12, `accel y ${sums[1]} vs ${8 * yawRate}`);
    assert.ok(Math.abs(sums[2] - GRAVITY) < 0.12);
  });

  it('makes OU steering noise with the stationary spread asked for', () => {
    const ou = new OrnsteinUhlenbeck({ std: 0.05, timeConstant: 0.5 }, new SeededRng(1, 'ou'));
    let sum2 = 0;
    let lag = 0;
    let last = 0;
    const n = 200000;
    for (let i = 0; i < n; i++) {
      const x = ou.next(DT);
      sum2 += x * x;
      lag += x * last;
      last = x;
    }
    assert.ok(Math.abs(Math.sqrt(sum2 / n) - 0.05) < 0.005);
    assert.ok(Math.abs(lag / sum2 - Math.exp(-DT / 0.5)) < 0.01, 'correlated over its time constant');
    assert.equal(new OrnsteinUhlenbeck({ std: 0, timeConstant: 1 }, new SeededRng(1)).next(DT), 0);
  });
});
