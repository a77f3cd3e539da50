/**
 * `lnn-ros robustness`: NCP-wired CfC vs CfC vs LTC vs LSTM vs feed-forward policies, trained
 * alike on the demo's summer recording with several seeds, each driven closed-loop under every
 * named condition.
 */
import * as path from 'node:path';
import { DEFAULT_DEMO } from '../demo/pipeline';
import { ROBUSTNESS_OUTPUT, runRobustness } from '../demo/robustness';
import { readRobustnessResults, RobustnessResults, writeRobustnessBenchmarks, writeRobustnessReport } from '../demo/robustness_report';
import { ROBUSTNESS_MODELS } from '../demo/robustness_models';
import { SALIENCY_CONDITIONS } from '../demo/robustness_saliency';
import { Stopped } from '../errors';
import { linkTree } from '../io/atomic';
import { Output } from '../io/output';
import { BACKEND_NAMES, initBackend } from '../kernels/backend';
import { Condition } from '../sim/conditions';
import { option, parseCommandLine } from './args';
import { Interrupt } from './interrupt';

const HELP = `usage: lnn-ros robustness [--out results/robustness] [--models ${Object.keys(ROBUSTNESS_MODELS).join(',')}]
         [--conditions ${Condition.names().join(',')}] [--seeds 1,2,3]
         [--train-seeds 1,..,8] [--record-seconds S] [--epochs N] [--test-seeds 101,102,103] [--laps N | --seconds S]
         [--saliency [CONDITIONS]] [--benchmarks [ROOT]] [--from RESULTS.json] [--overwrite]

Records the expert (summer) on the --train-seeds roads, trains every model on it with the same
encoder, data and epochs once per training seed (--seeds: weight initialisation and batch
order), drives each policy on the --test-seeds roads under every condition (one lap each, or
--laps N, or --seconds S of sim time), and writes OUT/results.json (every run), OUT/table.md,
OUT/off_road.svg and OUT/cross_track.svg — after every policy, so an interrupted run keeps what
it measured. --saliency also measures where each policy looks in the runs of CONDITIONS
(default ${SALIENCY_CONDITIONS.join(',')}): VisualBackProp attention on road edges, road,
verge, sky and the horizon band, against the simulator's own pixel classes; the table, a typical
map per run (OUT/saliency/) and a figure of them (OUT/saliency_maps.png) join the report.
--benchmarks also writes the table and charts into ROOT/BENCHMARKS.md (its
robustness section) and ROOT/bench/ (ROOT: the current folder). --from re-renders a finished
experiment's results.json instead of running one.
OUT must be new or empty; --overwrite replaces an earlier experiment (nothing else). OUT is
built beside its place and renamed into it; Ctrl-C (SIGINT) or SIGTERM stops after the current
run, keeps the runs measured so far with their report, and exits 130 / 143.
The defaults (5 models × 3 seeds) take about 20 minutes on two cores; for a quick look:
--seeds 1 --train-seeds 1,2,3,4 --epochs 4 --test-seeds 101 --seconds 30.`;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, {
    command: 'robustness',
    usage: HELP,
    options: {
      out: option.string('DIR').default(path.join('results', 'robustness')),
      models: option.list('MODEL'),
      conditions: option.list('CONDITION'),
      seeds: option.intList({ min: 0 }).default([1, 2, 3]),
      'train-seeds': option.intList({ min: 0 }),
      'record-seconds': option.number({ min: 0, minExclusive: true, unit: 'seconds' }),
      epochs: option.int({ min: 1 }),
      'test-seeds': option.intList({ min: 0 }),
      laps: option.int({ min: 1 }).default(1),
      seconds: option.number({ min: 0, minExclusive: true, unit: 'seconds' }),
      from: option.string('RESULTS.json'),
      benchmarks: option.string('ROOT').valueOptional(),
      saliency: option.list('CONDITION').valueOptional(),
      backend: option.oneOf(BACKEND_NAMES),
      overwrite: option.flag(),
    },
  });
  if (!args) return 0;
  const { values } = args;
  const out = path.resolve(values.out);
  let results: RobustnessResults;
  if (values.from) {
    results = readRobustnessResults(values.from);
    const output = Output.claim(out, ROBUSTNESS_OUTPUT, { replace: values.overwrite });
    // Re-rendered over a copy of what is there, so that the bags and policies stay with their report.
    await output.publish((stage) => {
      if (output.previous) linkTree(out, stage);
      writeRobustnessReport(stage, results);
    });
  } else {
    await initBackend(values.backend, (line) => console.log(line));
    const d = DEFAULT_DEMO;
    const interrupt = Interrupt.watch();
    try {
      results = await runRobustness(
        {
          out,
          command: ['npx lnn-ros robustness', ...argv].join(' '),
          models: values.models ?? Object.keys(ROBUSTNESS_MODELS),
          conditions: values.conditions ?? Condition.names(),
          seeds: values.seeds,
          trainRoads: values['train-seeds'] ?? d.trainSeeds,
          recordSeconds: values['record-seconds'] ?? d.recordSeconds,
          training: { image: d.training.image, epochs: values.epochs ?? d.training.epochs },
          testRoads: values['test-seeds'] ?? d.testSeeds,
          laps: values.laps,
          seconds: values.seconds,
          saliency: values.saliency === undefined ? undefined : { method: 'visual_backprop', conditions: values.saliency === true ? SALIENCY_CONDITIONS : values.saliency },
          log: (line) => console.log(line),
        },
        { overwrite: values.overwrite, stop: interrupt },
      );
    } catch (e) {
      if (e instanceof Stopped) return interrupt.reportStop('robustness', e.kept);
      throw e;
    }
  }
  console.log(`${results.runs.length} runs → ${path.join(values.out, 'table.md')}`);
  if (values.benchmarks !== undefined) {
    const root = path.resolve(values.benchmarks === true ? '.' : values.benchmarks);
    writeRobustnessBenchmarks(root, results, out);
    console.log(`→ ${path.join(root, 'BENCHMARKS.md')} (robustness section) and ${path.join(root, 'bench')}/robustness_*`);
  }
  return 0;
}
