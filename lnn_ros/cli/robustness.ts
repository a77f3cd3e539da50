/**
 * `lnn-ros robustness`: NCP-wired CfC vs CfC vs LTC vs LSTM policies, trained alike on the demo's
 * summer recording, each driven closed-loop under every named condition.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DEMO } from '../demo/pipeline';
import { ROBUSTNESS_MODELS, runRobustness } from '../demo/robustness';
import { initBackend } from '../kernels/backend';
import { Condition } from '../sim/conditions';
import { intList } from './demo';

const HELP = `usage: lnn-ros robustness [--out results/robustness] [--models ${Object.keys(ROBUSTNESS_MODELS).join(',')}] [--conditions ${Condition.names().join(',')}]
         [--train-seeds 1,..] [--record-seconds S] [--epochs N] [--test-seeds 101,102,103] [--seconds S]

Records the expert (summer), trains every model on it with the same encoder, data and epochs,
drives each on the held-out roads under every condition, and writes OUT/table.md,
OUT/results.json and OUT/cross_track.svg. The defaults take about an hour on two cores; for a
quick look: --train-seeds 1,2,3,4 --epochs 4 --test-seeds 101 --seconds 30.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string', default: path.join('results', 'robustness') }, models: { type: 'string' }, conditions: { type: 'string' },
      'train-seeds': { type: 'string' }, 'record-seconds': { type: 'string' }, epochs: { type: 'string' }, 'test-seeds': { type: 'string' },
      seconds: { type: 'string', default: '60' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  await initBackend(values.backend, (line) => console.log(line));
  const d = DEFAULT_DEMO;
  const cells = await runRobustness({
    out: path.resolve(values.out!),
    models: values.models ? values.models.split(',') : Object.keys(ROBUSTNESS_MODELS),
    conditions: values.conditions ? values.conditions.split(',') : Condition.names(),
    trainSeeds: values['train-seeds'] ? intList(values['train-seeds'], 'train-seeds') : d.trainSeeds,
    recordSeconds: values['record-seconds'] ? Number(values['record-seconds']) : d.recordSeconds,
    training: { image: d.training.image, epochs: values.epochs ? Number(values.epochs) : d.training.epochs },
    testSeeds: values['test-seeds'] ? intList(values['test-seeds'], 'test-seeds') : [101, 102, 103],
    seconds: Number(values.seconds),
    log: (line) => console.log(line),
  });
  console.log(`${cells.length} cells → ${path.join(values.out!, 'table.md')}`);
  return 0;
}
