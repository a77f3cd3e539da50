/**
 * The LTC paper's Half-Cheetah table, from the runs `lnn-ros fit` wrote under
 * results/halfcheetah/<model>/ (this module only collects them: each run takes tens of minutes).
 * Test MSE at the best-validation epoch; paper (AAAI 2021, Table 6): LTC 2.308 ± 0.015,
 * LSTM 2.500 ± 0.140.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { BenchEntry } from './types';

const RESULTS = path.join(__dirname, '..', 'results', 'halfcheetah');

export async function run(): Promise<BenchEntry[]> {
  return ['cfc', 'ltc', 'lstm'].map((model) => {
    const command = `npx lnn-ros fit --config configs/halfcheetah/${model}.yaml --output results/halfcheetah/${model} [--epochs N]`;
    const file = path.join(RESULTS, model, 'metrics.json');
    if (!fs.existsSync(file)) return { name: `halfcheetah_${model}_test_mse`, unit: 'MSE', value: null, note: `no run yet: ${file} is missing`, command };
    const m = JSON.parse(fs.readFileSync(file, 'utf8'));
    const epochs = m.epochs.length;
    return {
      name: `halfcheetah_${model}_test_mse`,
      unit: 'MSE',
      value: m.test_mse_at_best_val,
      note: `test MSE at the best-validation epoch ${m.best_epoch} of ${epochs}${m.complete ? '' : ' (stopped early)'}; val ${m.best_val_mse.toFixed(3)}; ${m.parameters} parameters; seed 1; ${(m.wall_seconds / 60).toFixed(1)} min wall`,
      command,
    };
  });
}
