/**
 * `lnn-ros robustness`: NCP-wired CfC vs CfC vs LTC vs LSTM vs feed-forward policies, trained
 * alike on the demo's summer recording with several seeds, each driven closed-loop under every
 * named condition.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DEMO } from '../demo/pipeline';
import { runRobustness } from '../demo/robustness';
import { readRobustnessResults, RobustnessResults, writeRobustnessBenchmarks, writeRobustnessReport } from '../demo/robustness_report';
import { ROBUSTNESS_MODELS } from '../demo/robustness_models';
import { initBackend } from '../kernels/backend';
import { Condition } from '../sim/conditions';
import { intList, optionalValueFlag } from './args';

const HELP = `usage: lnn-ros robustness [--out results/robustness] [--models ${Object.keys(ROBUSTNESS_MODELS).join(',')}]
         [--conditions ${Condition.names().join(',')}] [--seeds 1,2,3]
         [--train-seeds 1,..,8] [--record-seconds S] [--epochs N] [--test-seeds 101,102,103] [--laps N | --seconds S]
         [--benchmarks [ROOT]] [--from RESULTS.json]

Records the expert (summer) on the --train-seeds roads, trains every model on it with the same
encoder, data and epochs once per training seed (--seeds: weight initialisation and batch
order), drives each policy on the --test-seeds roads under every condition (one lap each, or
--laps N, or --seconds S of sim time), and writes OUT/results.json (every run), OUT/table.md,
OUT/off_road.svg and OUT/cross_track.svg — after every policy, so an interrupted run keeps what
it measured. --benchmarks also writes the table and charts into ROOT/BENCHMARKS.md (its
robustness section) and ROOT/bench/ (ROOT: the current folder). --from re-renders a finished
experiment's results.json instead of running one.
The defaults (5 models × 3 seeds) take about 35 minutes on two cores; for a quick look:
--seeds 1 --train-seeds 1,2,3,4 --epochs 4 --test-seeds 101 --seconds 30.`;

export async function run(argv: string[]): Promise<number> {
  const benchmarks = optionalValueFlag(argv, '--benchmarks');
  const { values } = parseArgs({
    args: benchmarks.rest,
    options: {
      out: { type: 'string', default: path.join('results', 'robustness') }, models: { type: 'string' }, conditions: { type: 'string' },
      seeds: { type: 'string', default: '1,2,3' }, 'train-seeds': { type: 'string' }, 'record-seconds': { type: 'string' }, epochs: { type: 'string' },
      'test-seeds': { type: 'string' }, laps: { type: 'string', default: '1' }, seconds: { type: 'string' }, from: { type: 'string' },
      backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const out = path.resolve(values.out!);
  let results: RobustnessResults;
  if (values.from) {
    results = readRobustnessResults(values.from);
    writeRobustnessReport(out, results);
  } else {
    await initBackend(values.backend, (line) => console.log(line));
    const d = DEFAULT_DEMO;
    results = await runRobustness({
      out,
      command: ['npx lnn-ros robustness', ...argv].join(' '),
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
  }
  console.log(`${results.runs.length} runs → ${path.join(values.out!, 'table.md')}`);
  if (benchmarks.given) {
    const root = path.resolve(benchmarks.value ?? '.');
    writeRobustnessBenchmarks(root, results);
    console.log(`→ ${path.join(root, 'BENCHMARKS.md')} (robustness section) and ${path.join(root, 'bench')}/robustness_*`);
  }
  return 0;
}
