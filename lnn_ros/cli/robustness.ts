/**
 * `lnn-ros robustness`: NCP-wired CfC vs CfC vs LTC vs LSTM vs feed-forward policies, trained
 * alike on the demo's summer recording with several seeds, each driven closed-loop under every
 * named condition.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DEMO } from '../demo/pipeline';
import { ROBUSTNESS_MODELS, runRobustness } from '../demo/robustness';
import { initBackend } from '../kernels/backend';
import { Condition } from '../sim/conditions';
import { intList } from './demo';

const HELP = `usage: lnn-ros robustness [--out results/robustness] [--models ${Object.keys(ROBUSTNESS_MODELS).join(',')}]
         [--conditions ${Condition.names().join(',')}] [--seeds 1,2,3]
         [--train-seeds 1,..,8] [--record-seconds S] [--epochs N] [--test-seeds 101,102,103] [--laps N | --seconds S]

Records the expert (summer) on the --train-seeds roads, trains every model on it with the same
encoder, data and epochs once per training seed (--seeds: weight initialisation and batch
order), drives each policy on the --test-seeds roads under every condition (one lap each, or --laps N,
or --seconds S of sim time), and writes
OUT/table.md, OUT/results.json (every run and the per-cell summary), OUT/off_road.svg and
OUT/cross_track.svg — after every policy, so an interrupted run keeps what it measured.
The defaults (5 models × 3 seeds) take about 35 minutes on two cores; for a quick look:
--seeds 1 --train-seeds 1,2,3,4 --epochs 4 --test-seeds 101 --seconds 30.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string', default: path.join('results', 'robustness') }, models: { type: 'string' }, conditions: { type: 'string' },
      seeds: { type: 'string', default: '1,2,3' }, 'train-seeds': { type: 'string' }, 'record-seconds': { type: 'string' }, epochs: { type: 'string' },
      'test-seeds': { type: 'string' }, laps: { type: 'string', default: '1' }, seconds: { type: 'string' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
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
    seeds: intList(values.seeds!, 'seeds'),
    trainRoads: values['train-seeds'] ? intList(values['train-seeds'], 'train-seeds') : d.trainSeeds,
    recordSeconds: values['record-seconds'] ? Number(values['record-seconds']) : d.recordSeconds,
    training: { image: d.training.image, epochs: values.epochs ? Number(values.epochs) : d.training.epochs },
    testRoads: values['test-seeds'] ? intList(values['test-seeds'], 'test-seeds') : d.testSeeds,
    laps: Number(values.laps),
    seconds: values.seconds ? Number(values.seconds) : undefined,
    log: (line) => console.log(line),
  });
  console.log(`${cells.length} cells → ${path.join(values.out!, 'table.md')}`);
  return 0;
}
