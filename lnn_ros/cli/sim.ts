/**
 * `lnn-ros sim --params-file config/sim.yaml [--ros-args ...]`: the embedded simulator as a node
 * (lib/lnn_ros/sim_node under ROS 2, paced by real_time_factor), for users without Gazebo. On
 * SIGINT/SIGTERM it finishes the current step and prints its driving summary.
 */
import { ReadLog } from '../config/config_object';
import { parseSimParameters, SIM_PARAMETER_DOCS } from '../sim/sim_params';
import { SimNode } from '../sim/sim_node';
import { parameterSpecs } from '../transport/parameter_docs';
import { parseCommandLine } from './args';
import { hostNode, NODE_OPTIONS, runUntilStopped } from './node_host';

const HELP = `usage: lnn-ros sim --params-file FILE [--transport ros|in-process] [--ros-args ...]

Runs the embedded simulator as a node (lnn_sim) with its section of FILE (ROS 2 params layout).`;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, { command: 'sim', usage: HELP, rosArgs: true, options: NODE_OPTIONS });
  if (!args) return 0;
  const host = await hostNode({ paramsFiles: args.values['params-file'], transport: args.values.transport, rosArgs: args.rosArgs }, 'lnn_sim');
  const log = new ReadLog('lnn_sim.ros__parameters');
  const options = parseSimParameters(host.params, host.paramsFile, log);
  const parameters = parameterSpecs(log, SIM_PARAMETER_DOCS, 'the simulated world is built at start-up; restart the node to change it.');
  const sim = await SimNode.create(host.transport, { ...options, nodeName: host.name, namespace: host.namespace, parameters });
  const running = sim.run(Infinity);
  console.error(`${host.name}: simulating ${sim.sim.condition.name}, seed ${sim.sim.seed}, on the ${host.transport.kind} transport`);
  const code = await runUntilStopped(host, {
    stop: async () => {
      sim.stop();
      await running;
      sim.destroy();
    },
  });
  console.error(`${host.name}: ${JSON.stringify(sim.summary())}`);
  return code;
}
