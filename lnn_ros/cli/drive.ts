/**
 * `lnn-ros drive --params-file config/drive.yaml [--managed] [--ros-args ...]`: runs drive_node.
 * Under `ros2 launch` / `ros2 run` (installed as lib/lnn_ros/drive_node) it speaks rclnodejs;
 * without ROS 2 it runs on the in-process transport, where `--sim CONDITION` adds the embedded
 * simulator as its world. `--managed` makes it a lifecycle node that waits for `configure`.
 */
import { InputError } from '../errors';
import { initBackend } from '../kernels/backend';
import { parseDriveConfig } from '../nodes/drive_config';
import { DriveNode } from '../nodes/drive_node';
import { Condition } from '../sim/conditions';
import { SimNode } from '../sim/sim_node';
import { option, parseCommandLine } from './args';
import { hostNode, NODE_OPTIONS, runUntilStopped } from './node_host';

const HELP = `usage: lnn-ros drive --params-file FILE [--managed] [--sim CONDITION] [--transport ros|in-process] [--ros-args ...]

Runs drive_node with its section of FILE (ROS 2 params layout, matched by the node's name and
namespace). --managed: a lifecycle node (configure loads the policy, activate starts commands).
--sim CONDITION (in-process only): drive the embedded simulator under that condition.
SIGINT/SIGTERM publish a final stop and exit 0.`;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, {
    command: 'drive',
    usage: HELP,
    rosArgs: true,
    options: { ...NODE_OPTIONS, managed: option.flag(), sim: option.string('CONDITION') },
  });
  if (!args) return 0;
  const { managed, sim: condition } = args.values;
  const host = await hostNode({ paramsFiles: args.values['params-file'], transport: args.values.transport, rosArgs: args.rosArgs }, 'drive_node');
  if (condition !== undefined && host.transport.kind !== 'in-process') throw new InputError('--sim runs the embedded simulator in this process: use it with --transport in-process (under ROS 2, start sim_node)');
  // The embedded simulator owns the clock: follow it, or rate limits and the watchdog run on wall time.
  const params = condition === undefined ? host.params : { ...host.params, use_sim_time: true };
  const source = { params, file: host.paramsFile, sourceOf: host.sourceOf };
  // Validated before the backend loads, so a bad params file is named at once.
  await initBackend(parseDriveConfig(source.params, source.file, { sourceOf: source.sourceOf }).backend);
  const drive = await DriveNode.start(host.transport, source, { name: host.name, namespace: host.namespace, managed });
  let sim: SimNode | null = null;
  if (condition !== undefined) {
    sim = await SimNode.create(host.transport, { seed: 1, condition: Condition.named(condition), driver: 'external', realTimeFactor: 1 });
    void sim.run(Infinity);
  }
  return runUntilStopped(host, {
    stop: () => {
      drive.stop();
      sim?.stop();
    },
  });
}
