/** The YAML of `lnn-ros fit`, validated once with errors naming the file and the key. */
import * as path from 'node:path';
import { ConfigObject } from '../config/config_object';
import { BackendName, BACKEND_NAMES } from '../kernels/backend';

export interface SplitRanges {
  /** [start, end) indices into the sorted files of `folder`. */
  train: [number, number];
  val: [number, number];
  test: [number, number];
}

export interface DataConfig {
  /** Sorted-file folder split by `ranges`, or one folder per split. */
  source: { folder: string; ranges: SplitRanges } | { train: string; val: string; test: string };
  /** Column holding time in seconds; rows' differences become the timespans. */
  timeColumn: string | number | null;
  /** Model inputs; null: every column but the time column. */
  inputs: Array<string | number> | null;
  /** Targets at the same step; null: next-step prediction of the inputs. */
  targets: Array<string | number> | null;
  window: number;
  stride: number;
  /** Probability of dropping each step (irregular sampling; elapsed time still true). */
  dropSteps: number;
}

export const OPTIMIZERS = ['adam', 'adamw', 'rmsprop'] as const;
export const SCHEDULES = ['constant', 'cosine', 'exponential', 'step'] as const;

export interface TrainingConfig {
  optimizer: (typeof OPTIMIZERS)[number];
  lr: number;
  weightDecay: number;
  schedule: (typeof SCHEDULES)[number];
  /** exponential: lr·decay^epoch; step: lr·decay^floor(epoch/stepEpochs). */
  decay: number;
  stepEpochs: number;
  clipNorm: number | null;
  batchSize: number;
  epochs: number;
  seed: number;
  backend: BackendName | undefined;
}

export interface FitConfig {
  file: string;
  data: DataConfig;
  /** ncps model arguments; format, input_size and the output size are filled in from the data. */
  model: Record<string, unknown>;
  training: TrainingConfig;
  output: string;
}

function parseRange(c: ConfigObject, key: string): [number, number] {
  const text = c.raw(key);
  const m = typeof text === 'string' ? /^\s*(\d*)\s*:\s*(\d*)\s*$/.exec(text) : null;
  if (!m) throw c.error(key, `expected a 'start:end' index range of the sorted files, got ${JSON.stringify(text)}`);
  return [m[1] === '' ? 0 : Number(m[1]), m[2] === '' ? Number.MAX_SAFE_INTEGER : Number(m[2])];
}

function columns(c: ConfigObject, key: string): Array<string | number> | null {
  const v = c.raw(key);
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' || (Number.isInteger(x) && x >= 0))) {
    throw c.error(key, 'expected a non-empty list of column names or indices');
  }
  return v;
}

export function parseFitConfig(value: unknown, file: string): FitConfig {
  const root = ConfigObject.from(value, file);
  root.rejectUnknown(['data', 'model', 'training', 'output']);
  const base = path.dirname(file);
  const resolve = (p: string) => path.resolve(base, p);

  const d = root.object('data');
  d.rejectUnknown(['folder', 'split', 'train_folder', 'val_folder', 'test_folder', 'time_column', 'inputs', 'targets', 'window', 'stride', 'drop_steps']);
  let source: DataConfig['source'];
  if (d.has('folder')) {
    const s = d.object('split');
    s.rejectUnknown(['train', 'val', 'test']);
    source = { folder: resolve(d.string('folder')), ranges: { train: parseRange(s, 'train'), val: parseRange(s, 'val'), test: parseRange(s, 'test') } };
  } else if (d.has('train_folder')) {
    source = { train: resolve(d.string('train_folder')), val: resolve(d.string('val_folder')), test: resolve(d.string('test_folder')) };
  } else {
    throw d.error('folder', 'give either folder + split (index ranges) or train_folder, val_folder and test_folder');
  }
  const timeRaw = d.raw('time_column');
  if (timeRaw !== undefined && timeRaw !== null && typeof timeRaw !== 'string' && !Number.isInteger(timeRaw)) {
    throw d.error('time_column', 'expected a column name or index');
  }
  const data: DataConfig = {
    source,
    timeColumn: (timeRaw ?? null) as string | number | null,
    inputs: columns(d, 'inputs'),
    targets: columns(d, 'targets'),
    window: d.int('window', { min: 1 }),
    stride: d.int('stride', { min: 1 }),
    dropSteps: d.number('drop_steps', { default: 0, min: 0, max: 0.95 }),
  };

  const model = root.object('model');
  for (const derived of ['format', 'input_size', 'proj_size']) {
    if (model.has(derived)) throw model.error(derived, 'is derived from the data; leave it out');
  }

  const t = root.object('training');
  t.rejectUnknown(['optimizer', 'lr', 'weight_decay', 'schedule', 'decay', 'step_epochs', 'clip_norm', 'batch_size', 'epochs', 'seed', 'backend']);
  const training: TrainingConfig = {
    optimizer: t.oneOf('optimizer', OPTIMIZERS, 'adam'),
    lr: t.number('lr', { default: 1e-3, min: 0, minExclusive: true }),
    weightDecay: t.number('weight_decay', { default: 0, min: 0 }),
    schedule: t.oneOf('schedule', SCHEDULES, 'constant'),
    decay: t.number('decay', { default: 0.95, min: 0, max: 1, minExclusive: true }),
    stepEpochs: t.int('step_epochs', { default: 10, min: 1 }),
    clipNorm: t.raw('clip_norm') === null || t.raw('clip_norm') === undefined ? null : t.number('clip_norm', { min: 0, minExclusive: true }),
    batchSize: t.int('batch_size', { default: 16, min: 1 }),
    epochs: t.int('epochs', { min: 1 }),
    seed: t.int('seed', { default: 1, min: 0 }),
    backend: t.has('backend') ? t.oneOf('backend', BACKEND_NAMES) : undefined,
  };
  if (training.weightDecay > 0 && training.optimizer !== 'adamw') {
    throw t.error('weight_decay', `decoupled weight decay needs optimizer: adamw (got ${training.optimizer})`);
  }
  return { file, data, model: model.value, training, output: resolve(root.string('output')) };
}
