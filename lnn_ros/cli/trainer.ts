/** `lnn-ros trainer --params-file config/train.yaml [--ros-args ...]`: runs trainer_node. */
import { initBackend } from '../kernels/backend';
import { parseTrainerConfig, TrainerNode } from '../nodes/trainer_node';
import { hostNode, spinUntilSignal } from './node_host';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: lnn-ros trainer --params-file FILE [--transport ros|in-process] [--ros-args ...]');
    return 0;
  }
  const host = await hostNode(argv, 'trainer_node');
  const config = parseTrainerConfig(host.params, host.paramsFile);
  await initBackend();
  const node = await host.transport.createNode(host.name, { parameters: { job: config.job } });
  const trainer = new TrainerNode(node, config);
  const ok = trainer.run();
  // Stays up after training so late drive nodes still get the latched announcement.
  const code = await spinUntilSignal(host, async () => {
    trainer.stop();
    await ok;
  });
  return (await ok) ? code : 1;
}
