/**
 * Sequence training from files (`lnn-ros fit`): BPTT over windows with per-step timespans,
 * validation and test every epoch, the test score reported at the best-validation epoch.
 * Every epoch ends by publishing the whole output at once (the best model, metrics.json and
 * learning curves of the epochs so far, and a resume checkpoint), so Ctrl-C or a crash loses at
 * most the epoch in progress and the output is never a mix of two runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InputError, Stopped } from '../errors';
import { turnEventLoop } from '../event_loop';
import { FileTree, readTree, underDir, writeTree } from '../io/atomic';
import { lineChartSvg } from '../io/line_chart';
import { directoryKind, Output } from '../io/output';
import { encodeSafetensors, readSafetensors } from '../io/safetensors';
import { seedInitializers } from '../model/init';
import { parseModelConfig } from '../model/model_config';
import { loadModelDir, modelDirFiles } from '../model/model_dir';
import { SequenceModel } from '../model/sequence_model';
import { FitConfig } from './fit_config';
import { Optimizer, scheduledRate } from './optimizer';
import { Progress } from './progress';
import { Random } from './random';
import { listSequenceFiles, readSequenceFile, Sequence } from './sequence_files';
import { buildWindows, planColumns, WindowSet } from './windows';

export interface EpochMetrics {
  epoch: number;
  train_mse: number;
  val_mse: number;
  test_mse: number;
  lr: number;
  seconds: number;
}

export interface FitResult {
  best_epoch: number;
  best_val_mse: number;
  test_mse_at_best_val: number;
  epochs: EpochMetrics[];
  windows: { train: number; val: number; test: number };
  parameters: number;
  wall_seconds: number;
}

export interface FitOptions {
  /** Continue the output's last complete epoch (its config must match). */
  resume?: boolean;
  /** Replace an earlier fit output at `output` (anything else there is never replaced). */
  overwrite?: boolean;
  progress?: Progress | null;
  /** Asked between batches; true stops with Interrupted (the last epoch's publication stands). */
  shouldStop?: () => boolean;
}

/** What fit publishes: recognised by its metrics and its model directory. */
export const FIT_OUTPUT = directoryKind('a fit output', ['metrics.json', 'model/']);
const RESUME_DIR = '.resume';
const STATE_FILE = 'state.json';

function loadSplits(config: FitConfig): Record<'train' | 'val' | 'test', Sequence[]> {
  const src = config.data.source;
  const pick = (files: string[], [a, b]: [number, number], split: string) => {
    const chosen = files.slice(a, b);
    if (chosen.length === 0) throw new InputError(`${config.file}: data.split.${split}: the range ${a}:${b} selects none of ${files.length} files`);
    return chosen.map(readSequenceFile);
  };
  if ('folder' in src) {
    const files = listSequenceFiles(src.folder);
    return { train: pick(files, src.ranges.train, 'train'), val: pick(files, src.ranges.val, 'val'), test: pick(files, src.ranges.test, 'test') };
  }
  const all = (folder: string) => listSequenceFiles(folder).map(readSequenceFile);
  return { train: all(src.train), val: all(src.val), test: all(src.test) };
}

/** The model config: ncps arguments from the YAML, sizes from the data, an output per target. */
function modelConfigFor(config: FitConfig, inputSize: number, targetSize: number) {
  const m: Record<string, unknown> = { format: 'ncps', ...config.model, input_size: inputSize };
  if (m.class === 'LTC' && typeof m.units === 'number') {
    // An LTC's outputs are its first motor neurons: ask the wiring for one per target.
    if (targetSize > (m.units as number)) throw new InputError(`${config.file}: model.units: an LTC needs at least ${targetSize} neurons for ${targetSize} targets`);
    m.units = { wiring: 'FullyConnected', units: m.units, output_dim: targetSize };
  } else if (m.class !== 'LTC') {
    m.proj_size = targetSize;
  }
  return parseModelConfig(m, `${config.file} (model)`);
}

function meanSquaredError(model: SequenceModel, set: WindowSet, rows: number[], training: boolean): tf.Scalar {
  const { steps: T, inputSize: I, targetSize: O } = set;
  const take = (src: Float32Array, width: number) => {
    const out = new Float32Array(rows.length * T * width);
    rows.forEach((r, i) => out.set(src.subarray(r * T * width, (r + 1) * T * width), i * T * width));
    return out;
  };
  const x = tf.tensor3d(take(set.x, I), [rows.length, T, I]);
  const y = tf.tensor3d(take(set.y, O), [rows.length, T, O]);
  const ts = tf.tensor2d(take(set.timespans, 1), [rows.length, T]);
  const { output } = model.forward(x, { timespans: ts, training });
  return tf.mean(tf.squaredDifference(output, y));
}

function evaluate(model: SequenceModel, set: WindowSet, batchSize: number): number {
  let total = 0;
  for (let start = 0; start < set.count; start += batchSize) {
    const rows = Array.from({ length: Math.min(batchSize, set.count - start) }, (_, i) => start + i);
    total += tf.tidy(() => meanSquaredError(model, set, rows, false).dataSync()[0]) * rows.length;
  }
  return total / set.count;
}

interface ResumeState {
  epoch: number;
  optimizer_step: number;
  random_state: number;
  history: EpochMetrics[];
  /** The settings the checkpoint was trained with (see `resumableSettings`). */
  settings: Record<string, unknown>;
}

/**
 * What must not change between a checkpoint and its resumption, keyed as in the YAML: all but
 * the number of epochs (resuming may extend it), the backend and where the output goes.
 */
function resumableSettings(config: FitConfig): Record<string, unknown> {
  const { source, ...data } = config.data;
  const { epochs: _epochs, backend: _backend, ...training } = config.training;
  const folders = 'folder' in source ? { folder: source.folder, split: source.ranges } : { train_folder: source.train, val_folder: source.val, test_folder: source.test };
  const snake = (o: object) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
  return JSON.parse(JSON.stringify({ data: { ...folders, ...snake(data) }, model: config.model, training: snake(training) })) as Record<string, unknown>;
}

/** `key: A in the checkpoint, B now` for every setting that differs. */
function settingDifferences(saved: unknown, now: unknown, key = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(saved) && isObject(now)) {
    const keys = [...new Set([...Object.keys(saved), ...Object.keys(now)])];
    return keys.flatMap((k) => settingDifferences(saved[k], now[k], key ? `${key}.${k}` : k));
  }
  const show = (v: unknown) => (v === undefined ? 'absent' : JSON.stringify(v));
  return JSON.stringify(saved) === JSON.stringify(now) ? [] : [`${key}: ${show(saved)} in the checkpoint, ${show(now)} now`];
}

/** The output's resume checkpoint, refused (naming the file) when unreadable or trained with other settings. */
function readCheckpoint(config: FitConfig): ResumeState {
  const file = path.join(config.output, RESUME_DIR, STATE_FILE);
  if (!fs.existsSync(file)) throw new InputError(`${config.output}: holds a fit output but no resume checkpoint (${file}); pass --overwrite to start afresh`);
  let state: ResumeState;
  try {
    state = JSON.parse(fs.readFileSync(file, 'utf8')) as ResumeState;
    if (!Array.isArray(state.history) || !Number.isInteger(state.optimizer_step) || typeof state.settings !== 'object') {
      throw new Error('no history, optimizer_step or settings');
    }
  } catch (e) {
    throw new InputError(`${file}: not a readable resume checkpoint (${(e as Error).message}); pass --overwrite to start afresh`);
  }
  const differences = settingDifferences(state.settings, resumableSettings(config));
  if (differences.length > 0) {
    throw new InputError(`${file}: the checkpoint was trained with other settings than ${config.file} gives; refusing to resume (pass --overwrite to start afresh):\n  ${differences.join('\n  ')}`);
  }
  return state;
}

export async function fit(config: FitConfig, options: FitOptions = {}): Promise<FitResult> {
  const started = Date.now();
  const { training, data } = config;
  // Before any work: an output that is not ours is refused now, not after an epoch.
  const output = Output.claim(config.output, FIT_OUTPUT, {
    replace: options.overwrite || options.resume,
    replaceHint: 'pass --resume to continue it or --overwrite to replace it',
    inputs: 'folder' in data.source ? [data.source.folder] : [data.source.train, data.source.val, data.source.test],
  });
  const checkpoint = options.resume && output.previous ? readCheckpoint(config) : null;
  const splits = loadSplits(config);
  const plan = planColumns(data, splits.train[0]);
  const random = new Random(training.seed);
  const sets = {
    train: buildWindows(splits.train, plan, data, random),
    val: buildWindows(splits.val, plan, data, random),
    test: buildWindows(splits.test, plan, data, random),
  };
  for (const [name, set] of Object.entries(sets)) {
    if (set.count === 0) throw new InputError(`${config.file}: data: the ${name} split yields no window of ${data.window} steps`);
  }

  const resumeDir = path.join(config.output, RESUME_DIR);
  seedInitializers(training.seed);
  const model = checkpoint
    ? loadModelDir(path.join(resumeDir, 'model'))
    : new SequenceModel(modelConfigFor(config, plan.inputs.length, plan.targets.length), config.file);
  seedInitializers(undefined);
  const params = model.namedTensors().filter((e) => e.trainable);
  const optimizer = new Optimizer(params, { kind: training.optimizer, weightDecay: training.weightDecay, clipNorm: training.clipNorm });
  let history: EpochMetrics[] = [];
  /** The best epoch's model directory, kept in memory for every publication. */
  let bestModel: FileTree | null = null;
  if (checkpoint) {
    optimizer.loadState(checkpoint.optimizer_step, readSafetensors(path.join(resumeDir, 'optimizer.safetensors')));
    random.state = checkpoint.random_state;
    history = checkpoint.history;
    bestModel = readTree(path.join(config.output, 'model'));
  }

  const result = (): FitResult => {
    const best = history.reduce((a, b) => (b.val_mse < a.val_mse ? b : a));
    return {
      best_epoch: best.epoch,
      best_val_mse: best.val_mse,
      test_mse_at_best_val: best.test_mse,
      epochs: history,
      windows: { train: sets.train.count, val: sets.val.count, test: sets.test.count },
      parameters: params.reduce((n, p) => n + p.variable.size, 0),
      wall_seconds: (Date.now() - started) / 1000,
    };
  };
  const batches = Math.ceil(sets.train.count / training.batchSize);
  const progress = options.progress === undefined ? new Progress({ total: (training.epochs - history.length) * batches }) : options.progress;
  const epochsBefore = history.length;
  try {
    for (let epoch = history.length; epoch < training.epochs; epoch++) {
      const epochStart = Date.now();
      const lr = scheduledRate(training.lr, epoch, training.epochs, training);
      const order = random.permutation(sets.train.count);
      let sum = 0;
      for (let b = 0; b < batches; b++) {
        // A batch is synchronous work: let a pending signal through before the next one.
        await turnEventLoop();
        if (options.shouldStop?.()) throw new Interrupted(history.length, history.length > epochsBefore ? config.output : null);
        const rows = order.slice(b * training.batchSize, (b + 1) * training.batchSize);
        const { value, grads } = tf.variableGrads(() => meanSquaredError(model, sets.train, rows, true), params.map((p) => p.variable));
        const loss = value.dataSync()[0];
        if (!Number.isFinite(loss)) throw new Error(`training diverged: loss ${loss} at epoch ${epoch + 1}, batch ${b + 1} (lower training.lr or set training.clip_norm)`);
        optimizer.apply(grads, lr);
        tf.dispose([value, ...Object.values(grads)]);
        sum += loss * rows.length;
        progress?.advance(1, `epoch ${epoch + 1}/${training.epochs} loss ${(sum / ((b + 1) * training.batchSize)).toFixed(4)}`);
      }
      const metrics: EpochMetrics = {
        epoch: epoch + 1,
        train_mse: sum / sets.train.count,
        val_mse: evaluate(model, sets.val, training.batchSize),
        test_mse: evaluate(model, sets.test, training.batchSize),
        lr,
        seconds: (Date.now() - epochStart) / 1000,
      };
      history.push(metrics);
      const best = history.reduce((a, b) => (b.val_mse < a.val_mse ? b : a));
      progress?.line(`epoch ${metrics.epoch}/${training.epochs} train ${metrics.train_mse.toFixed(4)} val ${metrics.val_mse.toFixed(4)} test ${metrics.test_mse.toFixed(4)} (best val ${best.val_mse.toFixed(4)} @${best.epoch}) ${metrics.seconds.toFixed(1)}s`);
      if (best === metrics) bestModel = modelDirFiles(model);
      const state: ResumeState = { epoch: epoch + 1, optimizer_step: optimizer.state().step, random_state: random.state, history, settings: resumableSettings(config) };
      const files = {
        ...underDir('model', bestModel!),
        'metrics.json': JSON.stringify({ ...result(), complete: metrics.epoch === training.epochs }, null, 1),
        'learning_curves.svg': learningCurves(config.output, history),
        ...underDir(RESUME_DIR, resumeFiles(model, optimizer, state)),
      };
      await output.publish((dir) => writeTree(dir, files));
    }
  } finally {
    optimizer.dispose();
    model.dispose();
  }
  return result();
}

function learningCurves(output: string, history: EpochMetrics[]): string {
  return lineChartSvg({
    title: `${path.basename(output)}: MSE per epoch`,
    xLabel: 'epoch',
    yLabel: 'MSE',
    logY: true,
    series: (['train_mse', 'val_mse', 'test_mse'] as const).map((k) => ({ name: k.replace('_mse', ''), points: history.map((h) => [h.epoch, h[k]] as [number, number]) })),
  });
}

function resumeFiles(model: SequenceModel, optimizer: Optimizer, state: ResumeState): FileTree {
  return {
    ...underDir('model', modelDirFiles(model)),
    'optimizer.safetensors': encodeSafetensors(optimizer.state().slots),
    [STATE_FILE]: JSON.stringify(state),
  };
}

/** Training stopped on request after `epochs` complete epochs; `kept` says what is on disk. */
export class Interrupted extends Stopped {
  constructor(
    readonly epochs: number,
    /** Where this run published its complete epochs; null when it completed none (the output is as it was). */
    output: string | null,
  ) {
    super(
      output === null
        ? 'no epoch completed in this run; the output is as it was'
        : `kept ${output} after ${epochs} complete epoch(s) (metrics.json says complete: false); run again with --resume to continue`,
    );
  }
}
