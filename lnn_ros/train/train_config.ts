/**
 * The YAML of `lnn-ros train` and the trainer node: a dataset (the dataset builder's config,
 * inline or as a file), the policy architecture, and training settings. Validated once.
 */
import * as path from 'node:path';
import { DatasetConfig, parseDatasetConfig } from '../bag/dataset/config';
import { ConfigObject } from '../config/config_object';
import { readYamlFile } from '../model/model_dir';
import { OPTIMIZERS } from './fit_config';

export interface PolicyTrainingConfig {
  file?: string;
  dataset: DatasetConfig;
  /** Encoder mapping (snake_case, as parseEncoderConfig reads it) for a camera input. */
  encoder: Record<string, unknown>;
  /** ncps model arguments for the recurrent core; input_size and outputs are derived. */
  rnn: Record<string, unknown>;
  /** Fine-tune from this policy directory instead of starting from scratch. */
  base: string | null;
  optimizer: (typeof OPTIMIZERS)[number];
  lr: number;
  clipNorm: number | null;
  batchSize: number;
  epochs: number;
  window: number;
  stride: number;
  /** The last fraction of every sequence (by time) is held out for validation. */
  valFraction: number;
  seed: number;
  output: string;
}

export const DEFAULT_RNN = { class: 'CfC', units: { wiring: 'AutoNCP', units: 16, output_size: 2, sparsity_level: 0.5, seed: 22222 } };

export function parseTrainConfig(value: unknown, file?: string): PolicyTrainingConfig {
  const c = ConfigObject.from(value, file);
  c.rejectUnknown(['dataset', 'encoder', 'rnn', 'base', 'training', 'output']);
  const base = file ? path.dirname(file) : process.cwd();
  const resolve = (p: string) => path.resolve(base, p);
  const datasetRaw = c.raw('dataset');
  const datasetFile = typeof datasetRaw === 'string' ? resolve(datasetRaw) : undefined;
  const dataset = datasetFile ? parseDatasetConfig(readYamlFile(datasetFile), datasetFile) : parseDatasetConfig(c.object('dataset').value, file);
  const t = c.has('training') ? c.object('training') : ConfigObject.from({}, file, 'training');
  t.rejectUnknown(['optimizer', 'lr', 'clip_norm', 'batch_size', 'epochs', 'window', 'stride', 'val_fraction', 'seed']);
  const window = t.int('window', { default: 16, min: 1 });
  return {
    file,
    dataset,
    encoder: c.has('encoder') ? c.object('encoder').value : {},
    rnn: c.has('rnn') ? c.object('rnn').value : DEFAULT_RNN,
    base: c.has('base') ? resolve(c.string('base')) : null,
    optimizer: t.oneOf('optimizer', OPTIMIZERS, 'adam'),
    lr: t.number('lr', { default: 2e-3, min: 0, minExclusive: true }),
    clipNorm: t.raw('clip_norm') === null ? null : t.number('clip_norm', { default: 1, min: 0, minExclusive: true }),
    batchSize: t.int('batch_size', { default: 8, min: 1 }),
    epochs: t.int('epochs', { default: 10, min: 1 }),
    window,
    stride: t.int('stride', { default: Math.max(1, Math.floor(window / 2)), min: 1 }),
    valFraction: t.number('val_fraction', { default: 0.2, min: 0, max: 0.9, minExclusive: true }),
    seed: t.int('seed', { default: 1, min: 0 }),
    output: resolve(c.string('output')),
  };
}
