/** What is worth recording of a simulator node: its topics with their types and offered QoS. */
import { TYPES } from '../sim/messages';
import { SimNode } from '../sim/sim_node';
import { RELIABLE, SENSOR_DATA } from '../transport/qos';
import { RecordedTopic } from '../nodes/recorder';

/** Clock, camera, IMU, ground truth and the expert's command (plus the driving command when someone else drives). */
export function simRecordedTopics(sim: SimNode): RecordedTopic[] {
  const t = sim.topics;
  const command = sim.commandType === 'twist' ? TYPES.twist : TYPES.ackermann;
  return [
    { topic: t.clock, type: TYPES.clock, offeredQos: RELIABLE },
    { topic: t.camera, type: TYPES.image, offeredQos: SENSOR_DATA },
    { topic: t.imu, type: TYPES.imu, offeredQos: SENSOR_DATA },
    { topic: t.odom, type: TYPES.odometry, offeredQos: RELIABLE },
    { topic: t.expertCommand, type: command, offeredQos: RELIABLE },
    ...(sim.sim.driver === 'external' ? [{ topic: t.command, type: command, offeredQos: RELIABLE }] : []),
  ];
}
