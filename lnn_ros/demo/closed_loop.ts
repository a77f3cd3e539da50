/**
 * A policy driving the simulator closed-loop: drive_node (the same node as under ROS 2) reads
 * the simulator's camera and IMU on sim time and publishes /cmd_vel, which the simulator drives
 * with from the next physics step.
 */
import type { SaliencyMethod } from '../model/saliency';
import { DriveCounters, DriveNode, SaliencyFrame } from '../nodes/drive_node';
import { AttentionSummary, AttentionTally } from '../sim/attention';
import { ImageMsg, TYPES } from '../sim/messages';
import { SimNode } from '../sim/sim_node';
import type { InProcessTransport } from '../transport/in_process';
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
  /** With `saliency`: attention against what the renderer knows each pixel shows, averaged over frames. */
  attention: AttentionSummary | null;
}

export interface ClosedLoopSaliency {
  method: SaliencyMethod;
  /** Each map drive_node computed, with that frame's shares of attention (null: a map without mass). */
  onFrame?: (frame: SaliencyFrame, shares: AttentionSummary | null) => void;
}

/** drive_node's `saliency.rate` for a map of every frame. */
export const EVERY_FRAME = 1e9;

/**
 * Measures each map against the pixel classes of its frame: the frame's classes are taken from
 * the simulator's pose when the frame is published (this subscription comes before drive_node's,
 * so it sees each frame first), and the map, laid back over the camera image, is tallied by class.
 */
async function attentionProbe(transport: InProcessTransport, sim: SimNode, o: ClosedLoopSaliency) {
  const node = await transport.createNode('attention_probe');
  const { width, height } = sim.sim.camera;
  const tally = new AttentionTally(width, height, sim.sim.camera.horizonRow());
  const labels = new Uint8Array(width * height);
  const onCamera = new Float32Array(width * height);
  let labelled = -1n;
  node.createSubscription<ImageMsg>(TYPES.image, sim.topics.camera, SENSOR_DATA, (m) => {
    const s = sim.sim.vehicle.state;
    sim.sim.renderer.classify(s.x, s.y, s.yaw, labels);
    labelled = BigInt(m.header.stamp.sec) * 1_000_000_000n + BigInt(m.header.stamp.nanosec);
  });
  const onSaliency = (f: SaliencyFrame) => {
    if (f.stamp !== labelled) throw new Error(`saliency map of frame ${f.stamp}, but the frame last classified is ${labelled}`);
    f.preprocessor.toSource(f.map, { width, height }, onCamera);
    o.onFrame?.(f, tally.add(labels, onCamera));
  };
  return { node, tally, onSaliency };
}

const POLICY_STATE = { topic: '/lnn/policy_state', type: 'lnn_ros/msg/PolicyState', offeredQos: RELIABLE };
const DIAGNOSTICS = { topic: '/diagnostics', type: 'diagnostic_msgs/msg/DiagnosticArray', offeredQos: RELIABLE };

export async function driveClosedLoop(
  policyDir: string,
  options: Omit<SimRunOptions, 'driver' | 'attach' | 'extraTopics'> & { saliency?: ClosedLoopSaliency },
): Promise<ClosedLoopResult> {
  const latenciesMs: number[] = [];
  // Set by attach (a callback, so a plain `let` would stay narrowed to null here).
  const nodes: { drive?: DriveNode; tally?: AttentionTally } = {};
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
      const attention = options.saliency ? await attentionProbe(transport, sim, options.saliency) : null;
      const { params } = demoDriveParams(policyDir);
      const saliency = options.saliency ? { saliency: { rate: EVERY_FRAME, method: options.saliency.method } } : {};
      const drive = await DriveNode.start(transport, { params: { ...params, ...saliency } }, { onSaliency: attention?.onSaliency });
      nodes.drive = drive;
      nodes.tally = attention?.tally;
      return () => {
        drive.stop();
        probe.destroy();
        attention?.node.destroy();
      };
    },
  });
  return { ...result, latenciesMs, counters: nodes.drive!.counters, attention: nodes.tally?.summary() ?? null };
}
