/** `lnn-ros fit --config FILE [--resume]`: trains a sequence model from .npy/.csv files. */
import * as path from 'node:path';
import { Stopped } from '../errors';
import { initBackend } from '../kernels/backend';
import { readYamlFile } from '../model/model_dir';
import { fit } from '../train/fit';
import { parseFitConfig } from '../train/fit_config';
import { option, parseCommandLine, UsageError } from './args';
import { Interrupt } from './interrupt';

const HELP = `usage: lnn-ros fit --config FILE.yaml [--resume | --overwrite] [--epochs N] [--seed N] [--output DIR]

Trains and evaluates a CfC / LTC / LSTM / FeedForward sequence model as the YAML describes (data folder and
split, windows, model, optimizer), writing OUTPUT/model (the best-validation model directory),
OUTPUT/metrics.json and OUTPUT/learning_curves.svg. --epochs, --seed and --output override the
config's training.epochs, training.seed and output. See configs/halfcheetah/ for examples.

OUTPUT must be new or empty; --overwrite replaces an earlier fit output (nothing else). Every
epoch publishes the whole output at once with a resume checkpoint; --resume continues the last
complete epoch (with the same settings; --epochs may grow). Ctrl-C (SIGINT) or SIGTERM stops
after the current batch, keeping the complete epochs, and exits 130 / 143.`;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, {
    command: 'fit',
    usage: HELP,
    options: {
      config: option.string('FILE').required(),
      resume: option.flag(),
      overwrite: option.flag(),
      epochs: option.int({ min: 1 }),
      seed: option.int({ min: 0 }),
      output: option.string('DIR'),
    },
  });
  if (!args) return 0;
  const { values } = args;
  if (values.resume && values.overwrite) throw new UsageError('fit', '--resume continues the output and --overwrite replaces it: give one');
  const doc = readYamlFile(values.config) as { training?: Record<string, unknown>; output?: string };
  if (values.epochs !== undefined) doc.training = { ...doc.training, epochs: values.epochs };
  if (values.seed !== undefined) doc.training = { ...doc.training, seed: values.seed };
  if (values.output !== undefined) doc.output = path.resolve(values.output);
  const config = parseFitConfig(doc, values.config);
  await initBackend(config.training.backend);
  const interrupt = Interrupt.watch();
  try {
    const result = await fit(config, { resume: values.resume, overwrite: values.overwrite, shouldStop: () => interrupt.requested });
    console.log(`best validation MSE ${result.best_val_mse.toFixed(4)} at epoch ${result.best_epoch}; test MSE there ${result.test_mse_at_best_val.toFixed(4)} (${result.wall_seconds.toFixed(0)} s) → ${config.output}`);
    return 0;
  } catch (e) {
    if (e instanceof Stopped) return interrupt.reportStop('fit', e.kept);
    throw e;
  }
}
