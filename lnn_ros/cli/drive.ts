/**
 * `lnn-ros drive --params-file config/drive.yaml [--ros-args ...]`: runs drive_node. Under
 * `ros2 launch` (installed as lib/lnn_ros/drive_node) it speaks rclnodejs; without ROS 2 it runs
 * on the in-process transport, where `--sim CONDITION` adds the embedded simulator as its world.
 */
import { initBackend } from '../kernels/backend';
import { parseDriveConfig } from '../nodes/drive_config';
import { DriveNode } from '../nodes/drive_node';
import { Condition } from '../sim/conditions';
import { SimNode } from '../sim/sim_node';
import { hostNode, spinUntilSignal } from './node_host';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: lnn-ros drive --params-file FILE [--sim CONDITION] [--transport ros|in-process] [--ros-args ...]');
    return 0;
  }
  const simAt = argv.indexOf('--sim');
  const condition = simAt >= 0 ? argv[simAt + 1] : undefined;
  const rest = simAt >= 0 ? [...argv.slice(0, simAt), ...argv.slice(simAt + 2)] : argv;
  const host = await hostNode(rest, 'drive_node');
  const parsed = parseDriveConfig(host.params, host.paramsFile);
  // The embedded simulator owns the clock: follow it, or rate limits and the watchdog run on wall time.
  const config = condition === undefined ? parsed : { ...parsed, useSimTime: true };
  await initBackend(config.backend);
  const drive = await DriveNode.start(host.transport, config, host.name);
  if (condition !== undefined) {
    const sim = await SimNode.create(host.transport, { seed: 1, condition: Condition.named(condition), driver: 'external', realTimeFactor: 1 });
    void sim.run(Infinity);
  }
  return spinUntilSignal(host, () => drive.stop());
}
