/**
 * Sequence training from files (`lnn-ros fit`): BPTT over windows with per-step timespans,
 * validation and test every epoch, the test score reported at the best-validation epoch.
 * Every epoch ends with an atomic resume checkpoint, so Ctrl-C or a crash loses at most the
 * epoch in progress and never leaves a half-written model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors';
import { replaceDirAtomic, writeFileAtomic } from '../io/atomic';
import { lineChartSvg } from '../io/line_chart';
import { encodeSafetensors, readSafetensors } from '../io/safetensors';
import { seedInitializers } from '../model/init';
import { parseModelConfig } from '../model/model_config';
import { loadModelDir, saveModelDir } from '../model/model_dir';
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
  resume?: boolean;
  progress?: Progress | null;
  /** Checked between batches; true stops after saving nothing new (the last epoch checkpoint stands). */
  shouldStop?: () => boolean;
}

const RESUME_DIR = '.resume';

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
}

export async function fit(config: FitConfig, options: FitOptions = {}): Promise<FitResult> {
  const started = Date.now();
  const { training, data } = config;
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
  const resuming = options.resume === true && fs.existsSync(path.join(resumeDir, 'state.json'));
  seedInitializers(training.seed);
  const model = resuming
    ? loadModelDir(path.join(resumeDir, 'model'))
    : new SequenceModel(modelConfigFor(config, plan.inputs.length, plan.targets.length), config.file);
  seedInitializers(undefined);
  const params = model.namedTensors().filter((e) => e.trainable);
  const optimizer = new Optimizer(params, { kind: training.optimizer, weightDecay: training.weightDecay, clipNorm: training.clipNorm });
  let history: EpochMetrics[] = [];
  if (resuming) {
    const state = JSON.parse(fs.readFileSync(path.join(resumeDir, 'state.json'), 'utf8')) as ResumeState;
    optimizer.loadState(state.optimizer_step, readSafetensors(path.join(resumeDir, 'optimizer.safetensors')));
    random.state = state.random_state;
    history = state.history;
  }

  const batches = Math.ceil(sets.train.count / training.batchSize);
  const progress = options.progress === undefined ? new Progress({ total: (training.epochs - history.length) * batches }) : options.progress;
  let stopped = false;
  try {
    for (let epoch = history.length; epoch < training.epochs && !stopped; epoch++) {
      const epochStart = Date.now();
      const lr = scheduledRate(training.lr, epoch, training.epochs, training);
      const order = random.permutation(sets.train.count);
      let sum = 0;
      for (let b = 0; b < batches; b++) {
        if (options.shouldStop?.()) {
          stopped = true;
          break;
        }
        const rows = order.slice(b * training.batchSize, (b + 1) * training.batchSize);
        const { value, grads } = tf.variableGrads(() => meanSquaredError(model, sets.train, rows, true), params.map((p) => p.variable));
        const loss = value.dataSync()[0];
        if (!Number.isFinite(loss)) throw new Error(`training diverged: loss ${loss} at epoch ${epoch + 1}, batch ${b + 1} (lower training.lr or set training.clip_norm)`);
        optimizer.apply(grads, lr);
        tf.dispose([value, ...Object.values(grads)]);
        sum += loss * rows.length;
        progress?.advance(1, `epoch ${epoch + 1}/${training.epochs} loss ${(sum / ((b + 1) * training.batchSize)).toFixed(4)}`);
      }
      if (stopped) break;
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
      if (best === metrics) saveModelDir(path.join(config.output, 'model'), model);
      saveResume(resumeDir, model, optimizer, { epoch: epoch + 1, optimizer_step: optimizer.state().step, random_state: random.state, history });
    }
  } finally {
    optimizer.dispose();
    model.dispose();
  }
  if (history.length === 0) throw new Interrupted(0);
  const best = history.reduce((a, b) => (b.val_mse < a.val_mse ? b : a));
  const result: FitResult = {
    best_epoch: best.epoch,
    best_val_mse: best.val_mse,
    test_mse_at_best_val: best.test_mse,
    epochs: history,
    windows: { train: sets.train.count, val: sets.val.count, test: sets.test.count },
    parameters: params.reduce((n, p) => n + p.variable.size, 0),
    wall_seconds: (Date.now() - started) / 1000,
  };
  writeFileAtomic(path.join(config.output, 'metrics.json'), JSON.stringify({ ...result, complete: !stopped }, null, 1));
  writeFileAtomic(path.join(config.output, 'learning_curves.svg'), lineChartSvg({
    title: `${path.basename(config.output)}: MSE per epoch`,
    xLabel: 'epoch',
    yLabel: 'MSE',
    logY: true,
    series: (['train_mse', 'val_mse', 'test_mse'] as const).map((k) => ({ name: k.replace('_mse', ''), points: history.map((h) => [h.epoch, h[k]] as [number, number]) })),
  }));
  if (stopped) throw new Interrupted(history.length);
  return result;
}

function saveResume(dir: string, model: SequenceModel, optimizer: Optimizer, state: ResumeState): void {
  const { slots } = optimizer.state();
  replaceDirAtomic(dir, (tmp) => {
    saveModelDir(path.join(tmp, 'model'), model);
    writeFileAtomic(path.join(tmp, 'optimizer.safetensors'), encodeSafetensors(slots));
    writeFileAtomic(path.join(tmp, 'state.json'), JSON.stringify(state));
  });
}

/** Training stopped on request after `epochs` complete epochs; `--resume` continues. */
export class Interrupted extends Error {
  constructor(readonly epochs: number) {
    super(`interrupted after ${epochs} complete epoch(s); run again with --resume to continue`);
  }
}
