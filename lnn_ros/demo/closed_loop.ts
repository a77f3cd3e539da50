/**
 * A policy driving the simulator closed-loop: drive_node (the same node as under ROS 2) reads
 * the simulator's camera and IMU on sim time and publishes /cmd_vel, which the simulator drives
 * with from the next physics step.
 */
import { DriveCounters, DriveNode } from '../nodes/drive_node';
import { TYPES } from '../sim/messages';
import { RELIABLE, SENSOR_DATA } from '../transport/qos';
import { demoDriveParams } from './demo_config';
import { runSimulation, SimRunOptions, SimRunResult } from './sim_run';

export interface ClosedLoopResult extends SimRunResult {
  /**
   * Wall-clock ms from a camera frame's delivery to drive_node's command for it: decoding,
   * preprocessing, the CNN, the cell, shaping and publishing. (PolicyState's inference_latency
   * covers the cell step only; the frame is encoded when it arrives.)
   */
  latenciesMs: number[];
  counters: DriveCounters;
}

const POLICY_STATE = { topic: '/lnn/policy_state', type: 'lnn_ros/msg/PolicyState', offeredQos: RELIABLE };
const DIAGNOSTICS = { topic: '/diagnostics', type: 'diagnostic_msgs/msg/DiagnosticArray', offeredQos: RELIABLE };

export async function driveClosedLoop(policyDir: string, options: Omit<SimRunOptions, 'driver' | 'attach' | 'extraTopics'>): Promise<ClosedLoopResult> {
  const latenciesMs: number[] = [];
  // Set by attach (a callback, so a plain `let` would stay narrowed to null here).
  const nodes: { drive?: DriveNode } = {};
  const result = await runSimulation({
    ...options,
    driver: 'external',
    extraTopics: [POLICY_STATE, DIAGNOSTICS],
    attach: async (transport, sim) => {
      // Subscribed before drive_node, so it sees each frame first; a command counts when drive_node stepped on that frame.
      const probe = await transport.createNode('latency_probe');
      let frame: { at: bigint; steps: number } | null = null;
      probe.createSubscription(TYPES.image, sim.topics.camera, SENSOR_DATA, () => (frame = { at: process.hrtime.bigint(), steps: nodes.drive!.counters.steps }));
      probe.createSubscription(TYPES.twist, sim.topics.command, RELIABLE, () => {
        if (frame && nodes.drive!.counters.steps > frame.steps) latenciesMs.push(Number(process.hrtime.bigint() - frame.at) / 1e6);
        frame = null;
      });
      const drive = await DriveNode.start(transport, demoDriveParams(policyDir));
      nodes.drive = drive;
      return () => {
        drive.stop();
        probe.destroy();
      };
    },
  });
  return { ...result, latenciesMs, counters: nodes.drive!.counters };
}
