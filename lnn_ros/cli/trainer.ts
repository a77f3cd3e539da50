/**
 * `lnn-ros trainer --params-file config/train.yaml [--ros-args ...]`: runs trainer_node. After a
 * finished job it stays up so that drive nodes started later still get the latched announcement;
 * a failed job exits 1 (unless exit_on_failure is false).
 */
import { ReadLog } from '../config/config_object';
import { initBackend } from '../kernels/backend';
import { parseTrainerConfig, TRAINER_PARAMETER_DOCS, TrainerNode } from '../nodes/trainer_node';
import { parameterSpecs } from '../transport/parameter_docs';
import { parseCommandLine } from './args';
import { hostNode, NODE_OPTIONS, runUntilStopped } from './node_host';

const HELP = `usage: lnn-ros trainer --params-file FILE [--transport ros|in-process] [--ros-args ...]

Runs trainer_node with its section of FILE: trains the job, announces the policy, stays up to
serve the announcement; exits 1 when the job fails (unless exit_on_failure is false).`;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, { command: 'trainer', usage: HELP, rosArgs: true, options: NODE_OPTIONS });
  if (!args) return 0;
  const host = await hostNode({ paramsFiles: args.values['params-file'], transport: args.values.transport, rosArgs: args.rosArgs }, 'trainer_node');
  const log = new ReadLog('trainer_node.ros__parameters');
  const config = parseTrainerConfig(host.params, host.paramsFile, { log, sourceOf: host.sourceOf });
  await initBackend();
  const parameters = parameterSpecs(log, TRAINER_PARAMETER_DOCS, 'the job is read once at start-up; restart the node to run another.');
  const node = await host.transport.createNode(host.name, { namespace: host.namespace, parameters, useSimTime: config.useSimTime });
  const trainer = new TrainerNode(node, config);
  const ok = trainer.run();
  const failed = ok.then((success) => (success || !config.exitOnFailure ? new Promise<number>(() => {}) : 1));
  return runUntilStopped(host, {
    finished: failed,
    stop: async () => {
      trainer.stop();
      await ok;
      node.destroy();
    },
  });
}
