/**
 * The robustness experiment's policies looked at with both saliency methods: every policy of an
 * experiment folder (OUT/policies/<model>/seed_<n>) drives the same stretch of a held-out road
 * closed-loop in each condition, once with VisualBackProp and once with the gradient map (same
 * trajectory: the maps do not change the commands), and the share of attention on road edges and
 * in the horizon band is set against their share of the frame. Prints a Markdown table (mean over
 * training seeds) for BENCHMARKS.md.
 *
 *   node -r ts-node/register/transpile-only bench/saliency_methods.ts results/robustness [--road 101] [--seconds 20]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { option, parseCommandLine } from '../lnn_ros/cli/args';
import { driveClosedLoop } from '../lnn_ros/demo/closed_loop';
import { ROBUSTNESS_MODELS } from '../lnn_ros/demo/robustness_models';
import { SALIENCY_CONDITIONS } from '../lnn_ros/demo/robustness_saliency';
import { initBackend } from '../lnn_ros/kernels/backend';
import { SALIENCY_METHODS } from '../lnn_ros/model/saliency';
import { Condition } from '../lnn_ros/sim/conditions';

const USAGE = 'usage: bench/saliency_methods.ts EXPERIMENT_DIR [--road N] [--seconds S]';

interface Measured {
  model: string;
  condition: string;
  method: string;
  edge: number;
  edgeArea: number;
  horizon: number;
  horizonArea: number;
}

async function main(argv: string[]): Promise<void> {
  const args = parseCommandLine(argv, {
    command: 'saliency_methods',
    usage: USAGE,
    positionals: ['EXPERIMENT_DIR'],
    options: { road: option.int({ min: 0 }).default(101), seconds: option.number({ min: 0, minExclusive: true, unit: 'seconds' }).default(20) },
  });
  if (!args) return;
  const experiment = args.positionals[0];
  await initBackend('wasm', () => undefined);
  const policiesDir = path.join(experiment, 'policies');
  const measured: Measured[] = [];
  // The experiment's model order (ncp-cfc first), then any other folder by name.
  const order = Object.keys(ROBUSTNESS_MODELS);
  const rank = (model: string) => (order.includes(model) ? order.indexOf(model) : order.length);
  const models = fs.readdirSync(policiesDir).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const model of models) {
    for (const seed of fs.readdirSync(path.join(policiesDir, model))) {
      for (const conditionName of SALIENCY_CONDITIONS) {
        for (const method of SALIENCY_METHODS) {
          const run = await driveClosedLoop(path.resolve(policiesDir, model, seed), {
            seed: args.values.road,
            condition: Condition.named(conditionName),
            seconds: args.values.seconds,
            saliency: { method, onFrame: () => undefined },
          });
          const a = run.attention!;
          measured.push({ model, condition: conditionName, method, edge: a.classes.road_edge.attention_fraction, edgeArea: a.classes.road_edge.area_fraction, horizon: a.horizon_band.attention_fraction, horizonArea: a.horizon_band.area_fraction });
          process.stderr.write(`${model} ${seed} ${conditionName} ${method}: edge ${(100 * a.classes.road_edge.attention_fraction).toFixed(1)} %\n`);
        }
      }
    }
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const pct = (x: number) => (100 * x).toFixed(1);
  const cell = (rows: Measured[]) => {
    const edge = mean(rows.map((r) => r.edge));
    const area = mean(rows.map((r) => r.edgeArea));
    return `${pct(edge)} (×${(edge / area).toFixed(2)}) | ${pct(mean(rows.map((r) => r.horizon)))}`;
  };
  console.log('| model | condition | VisualBackProp: road edge % (× its area) | VisualBackProp: horizon band % | gradient: road edge % (× its area) | gradient: horizon band % | road-edge area % | horizon-band area % |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const model of [...new Set(measured.map((m) => m.model))]) {
    for (const condition of SALIENCY_CONDITIONS) {
      const mine = measured.filter((m) => m.model === model && m.condition === condition);
      const by = (method: string) => mine.filter((m) => m.method === method);
      console.log(`| ${model} | ${condition} | ${cell(by('visual_backprop'))} | ${cell(by('gradient'))} | ${pct(mean(mine.map((m) => m.edgeArea)))} | ${pct(mean(mine.map((m) => m.horizonArea)))} |`);
    }
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error((e as Error).message);
  process.exitCode = 1;
});
