/** `lnn-ros fit --config FILE [--resume]`: trains a sequence model from .npy/.csv files. */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../errors';
import { initBackend } from '../kernels/backend';
import { readYamlFile } from '../model/model_dir';
import { fit, Interrupted } from '../train/fit';
import { parseFitConfig } from '../train/fit_config';

const HELP = `usage: lnn-ros fit --config FILE.yaml [--resume] [--epochs N] [--seed N] [--output DIR]

Trains and evaluates a CfC / LTC / LSTM / FeedForward sequence model as the YAML describes (data folder and
split, windows, model, optimizer), writing OUTPUT/model (the best-validation model directory),
OUTPUT/metrics.json and OUTPUT/learning_curves.svg. Ctrl-C stops after the current batch;
--resume continues from the last complete epoch. --epochs, --seed and --output override the
config's training.epochs, training.seed and output. See configs/halfcheetah/ for examples.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' }, resume: { type: 'boolean' }, epochs: { type: 'string' }, seed: { type: 'string' }, output: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.config) throw new InputError(`fit: --config is required\n\n${HELP}`);
  const doc = readYamlFile(values.config) as { training?: Record<string, unknown>; output?: string };
  // Overrides go through the same validation as the file's own values.
  if (values.epochs !== undefined) doc.training = { ...doc.training, epochs: Number(values.epochs) };
  if (values.seed !== undefined) doc.training = { ...doc.training, seed: Number(values.seed) };
  if (values.output !== undefined) doc.output = path.resolve(values.output);
  const config = parseFitConfig(doc, values.config);
  await initBackend(config.training.backend);
  let stop = false;
  const onSignal = () => {
    if (stop) process.exit(130); // a second Ctrl-C: the last epoch checkpoint is already on disk
    stop = true;
    console.error('\nlnn-ros fit: stopping after this batch (Ctrl-C again to quit now)');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await fit(config, { resume: values.resume, shouldStop: () => stop });
    console.log(`best validation MSE ${result.best_val_mse.toFixed(4)} at epoch ${result.best_epoch}; test MSE there ${result.test_mse_at_best_val.toFixed(4)} (${result.wall_seconds.toFixed(0)} s) → ${config.output}`);
    return 0;
  } catch (e) {
    if (e instanceof Interrupted) {
      console.error(`lnn-ros fit: ${e.message}`);
      return 130;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
