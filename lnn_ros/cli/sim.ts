/**
 * `lnn-ros sim --params-file config/sim.yaml [--ros-args ...]`: the embedded simulator as a node
 * (lib/lnn_ros/sim_node under ROS 2, paced by real_time_factor), for users without Gazebo.
 */
import { parseSimParameters } from '../sim/sim_params';
import { SimNode } from '../sim/sim_node';
import { hostNode, spinUntilSignal } from './node_host';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: lnn-ros sim --params-file FILE [--transport ros|in-process] [--ros-args ...]');
    return 0;
  }
  const host = await hostNode(argv, 'lnn_sim');
  const sim = await SimNode.create(host.transport, parseSimParameters(host.params, host.paramsFile));
  const running = sim.run(Infinity);
  const code = await spinUntilSignal(host, async () => {
    sim.stop();
    await running;
    sim.destroy();
  });
  const s = sim.summary();
  console.error(`lnn_sim: ${JSON.stringify(s)}`);
  return code;
}
