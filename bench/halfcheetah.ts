/**
 * The LTC paper's Half-Cheetah table, from the runs `lnn-ros fit` wrote under
 * results/halfcheetah/<model>/ (seed 1, the configs' seed) and results/halfcheetah/<model>_seed<N>/
 * (`--seed N`); this module only collects them: each run takes minutes to tens of minutes.
 * Test MSE at the best-validation epoch, mean ± sample std over the seeds found; paper (AAAI 2021,
 * Table 6, 5 seeds): LTC 2.308 ± 0.015, LSTM 2.500 ± 0.140.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { BenchEntry } from './types';

const RESULTS = path.join(__dirname, '..', 'results', 'halfcheetah');

interface SeedRun {
  seed: number;
  testMse: number;
  bestEpoch: number;
  epochs: number;
  complete: boolean;
  parameters: number;
  minutes: number;
}

function seedRuns(model: string): SeedRun[] {
  if (!fs.existsSync(RESULTS)) return [];
  const runs: SeedRun[] = [];
  for (const dir of fs.readdirSync(RESULTS).sort()) {
    const seed = dir === model ? 1 : Number(new RegExp(`^${model}_seed(\\d+)$`).exec(dir)?.[1] ?? NaN);
    const file = path.join(RESULTS, dir, 'metrics.json');
    if (!Number.isInteger(seed) || !fs.existsSync(file)) continue;
    const m = JSON.parse(fs.readFileSync(file, 'utf8'));
    runs.push({ seed, testMse: m.test_mse_at_best_val, bestEpoch: m.best_epoch, epochs: m.epochs.length, complete: m.complete, parameters: m.parameters, minutes: m.wall_seconds / 60 });
  }
  return runs.sort((a, b) => a.seed - b.seed);
}

export async function run(): Promise<BenchEntry[]> {
  return ['cfc', 'ltc', 'lstm'].map((model) => {
    const command = `npx lnn-ros fit --config configs/halfcheetah/${model}.yaml --output results/halfcheetah/${model}_seedN --seed N [--epochs E]`;
    const name = `halfcheetah_${model}_test_mse`;
    const runs = seedRuns(model);
    if (runs.length === 0) return { name, unit: 'MSE', value: null, note: `no run yet under ${RESULTS}`, command };
    const mean = runs.reduce((s, r) => s + r.testMse, 0) / runs.length;
    const std = runs.length > 1 ? Math.sqrt(runs.reduce((s, r) => s + (r.testMse - mean) ** 2, 0) / (runs.length - 1)) : NaN;
    const perSeed = runs.map((r) => `seed ${r.seed}: ${r.testMse.toFixed(3)} @ ${r.bestEpoch}/${r.epochs}${r.complete ? '' : ' (stopped early)'}, ${r.minutes.toFixed(1)} min`);
    return {
      name,
      unit: 'MSE',
      value: mean,
      note: `mean${runs.length > 1 ? ` ± std ${std.toFixed(3)}` : ''} over ${runs.length} seed(s) of the test MSE at the best-validation epoch (${perSeed.join('; ')}); ${runs[0].parameters} parameters`,
      command,
    };
  });
}
