/**
 * The ROS 2 messages the simulator speaks, as plain objects with ROS field names (as rclnodejs
 * delivers them), and how its state becomes them.
 */
import { RosTime, toRosTime } from '../transport/types';
import { ImuReading } from './imu';
import { VehicleState } from './vehicle';

export const TYPES = {
  clock: 'rosgraph_msgs/msg/Clock',
  image: 'sensor_msgs/msg/Image',
  imu: 'sensor_msgs/msg/Imu',
  odometry: 'nav_msgs/msg/Odometry',
  twist: 'geometry_msgs/msg/Twist',
  ackermann: 'ackermann_msgs/msg/AckermannDriveStamped',
} as const;

export interface Vector3 {
  x: number;
  y: number;
  z: number;
}

export interface Quaternion extends Vector3 {
  w: number;
}

export interface Header {
  stamp: RosTime;
  frame_id: string;
}

export interface ClockMsg {
  clock: RosTime;
}

export interface ImageMsg {
  header: Header;
  height: number;
  width: number;
  encoding: string;
  is_bigendian: number;
  step: number;
  data: Uint8Array;
}

export interface ImuMsg {
  header: Header;
  orientation: Quaternion;
  orientation_covariance: number[];
  angular_velocity: Vector3;
  angular_velocity_covariance: number[];
  linear_acceleration: Vector3;
  linear_acceleration_covariance: number[];
}

export interface TwistMsg {
  linear: Vector3;
  angular: Vector3;
}

export interface AckermannDriveStampedMsg {
  header: Header;
  drive: { steering_angle: number; steering_angle_velocity: number; speed: number; acceleration: number; jerk: number };
}

export interface OdometryMsg {
  header: Header;
  child_frame_id: string;
  pose: { pose: { position: Vector3; orientation: Quaternion }; covariance: number[] };
  twist: { twist: TwistMsg; covariance: number[] };
}

/** A diagonal 3×3 covariance, row-major. */
function diagonal(variance: number): number[] {
  return [variance, 0, 0, 0, variance, 0, 0, 0, variance];
}

export function header(stampNs: number, frameId: string): Header {
  return { stamp: toRosTime(BigInt(stampNs)), frame_id: frameId };
}

export function clockMsg(stampNs: number): ClockMsg {
  return { clock: toRosTime(BigInt(stampNs)) };
}

export function imageMsg(stampNs: number, frameId: string, width: number, height: number, rgb: Uint8Array): ImageMsg {
  return { header: header(stampNs, frameId), height, width, encoding: 'rgb8', is_bigendian: 0, step: width * 3, data: rgb };
}

/** No orientation (covariance[0] = −1, as REP 145 says for an IMU without one). */
export function imuMsg(stampNs: number, frameId: string, reading: ImuReading, gyroStd: number, accelStd: number): ImuMsg {
  const [gx, gy, gz] = reading.gyro;
  const [ax, ay, az] = reading.accel;
  return {
    header: header(stampNs, frameId),
    orientation: { x: 0, y: 0, z: 0, w: 1 },
    orientation_covariance: [-1, 0, 0, 0, 0, 0, 0, 0, 0],
    angular_velocity: { x: gx, y: gy, z: gz },
    angular_velocity_covariance: diagonal(gyroStd ** 2),
    linear_acceleration: { x: ax, y: ay, z: az },
    linear_acceleration_covariance: diagonal(accelStd ** 2),
  };
}

export function twistMsg(speed: number, yawRate: number): TwistMsg {
  return { linear: { x: speed, y: 0, z: 0 }, angular: { x: 0, y: 0, z: yawRate } };
}

export function ackermannMsg(stampNs: number, frameId: string, speed: number, steer: number): AckermannDriveStampedMsg {
  return { header: header(stampNs, frameId), drive: { steering_angle: steer, steering_angle_velocity: 0, speed, acceleration: 0, jerk: 0 } };
}

/** Ground truth: the rear axle's pose in the odom frame, its velocity in the body frame. */
export function odometryMsg(stampNs: number, frameId: string, childFrameId: string, s: VehicleState): OdometryMsg {
  return {
    header: header(stampNs, frameId),
    child_frame_id: childFrameId,
    pose: {
      pose: { position: { x: s.x, y: s.y, z: 0 }, orientation: { x: 0, y: 0, z: Math.sin(s.yaw / 2), w: Math.cos(s.yaw / 2) } },
      covariance: new Array<number>(36).fill(0),
    },
    twist: { twist: { linear: { x: s.speed, y: s.lateralVelocity, z: 0 }, angular: { x: 0, y: 0, z: s.yawRate } }, covariance: new Array<number>(36).fill(0) },
  };
}
