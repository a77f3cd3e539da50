/**
 * A synthetic recording for trainer tests: IMU at 20 Hz (header stamps = log time) and a Twist
 * command at 20 Hz whose angular.z is a low-passed copy of the IMU yaw rate — learnable only with
 * memory, so a recurrent policy must beat the mean-command baseline.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { McapBagWriter } from '../../lnn_ros/bag/mcap_writer';
import { MessageRegistry } from '../../lnn_ros/msg/registry';
import { toRosTime } from '../../lnn_ros/transport/types';

export async function writeImuCommandBag(seconds = 60, rateHz = 20): Promise<string> {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-imu-bag-')), 'run');
  const bag = await McapBagWriter.open(dir, { codec: MessageRegistry.standard() });
  await bag.addTopic({ name: '/imu', type: 'sensor_msgs/msg/Imu' });
  await bag.addTopic({ name: '/cmd_vel', type: 'geometry_msgs/msg/Twist' });
  const zero3 = { x: 0, y: 0, z: 0 };
  const cov = new Array(9).fill(0);
  let filtered = 0;
  const t0 = 1_700_000_000_000_000_000n;
  for (let k = 0; k < seconds * rateHz; k++) {
    const t = k / rateHz;
    const yaw = 0.6 * Math.sin(0.7 * t) + 0.3 * Math.sin(2.3 * t + 1) + 0.2 * Math.sign(Math.sin(0.31 * t));
    filtered += 0.15 * (yaw - filtered);
    const stamp = t0 + BigInt(Math.round(t * 1e9));
    await bag.writeObject('/imu', stamp, {
      header: { stamp: toRosTime(stamp), frame_id: 'imu' },
      orientation: { x: 0, y: 0, z: 0, w: 1 }, orientation_covariance: cov,
      angular_velocity: { x: 0, y: 0, z: yaw }, angular_velocity_covariance: cov,
      linear_acceleration: { x: 0.1 * Math.cos(t), y: 0, z: 9.81 }, linear_acceleration_covariance: cov,
    });
    await bag.writeObject('/cmd_vel', stamp + 2_000_000n, { linear: { ...zero3, x: 1 + 0.2 * Math.sin(0.5 * t) }, angular: { ...zero3, z: filtered } });
  }
  await bag.close();
  return dir;
}
