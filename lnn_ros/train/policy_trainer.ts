/**
 * Fine-tunes (or trains from scratch) a driving policy on bags: the dataset builder turns bags
 * into cached, aligned steps; windows are split by time (the last part of every sequence is
 * validation); the encoder + recurrent core train with BPTT on normalised inputs and targets.
 * Each better epoch publishes the whole policy directory at once (policy, metrics.json and
 * learning curves of the epochs so far); metrics.json reports val_mse against baseline_mse
 * (always predicting the training mean command), both in command units.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Dataset, StepRange } from '../bag/dataset/dataset';
import { DatasetBuilder } from '../bag/dataset/dataset_builder';
import { InputError, Stopped } from '../errors';
import { turnEventLoop } from '../event_loop';
import { FileTree, writeTree } from '../io/atomic';
import { lineChartSvg } from '../io/line_chart';
import { Output } from '../io/output';
import { seedInitializers } from '../model/init';
import { parseModelConfig } from '../model/model_config';
import { loadPolicyDir, Policy, POLICY_OUTPUT, PolicyConfig, policyDirFiles } from '../model/policy';
import { parseEncoderConfig } from '../model/encoder';
import { Optimizer } from './optimizer';
import { Progress } from './progress';
import { Random } from './random';
import { PolicyTrainingConfig } from './train_config';

/** How many of the base policy's standard deviations a fine-tuning set's mean command may lie from the base's. */
const BASE_TARGET_TOLERANCE_STD = 10;

/** LTC divides by the elapsed time; a sequence's first step may carry dt = 0. */
export const MIN_DT = 1e-3;

export interface PolicyEpoch {
  epoch: number;
  train_loss: number;
  val_mse: number;
  seconds: number;
}

export interface PolicyTrainingResult {
  val_mse: number;
  baseline_mse: number;
  best_epoch: number;
  epochs: PolicyEpoch[];
  windows: { train: number; val: number };
  output: string;
  wall_seconds: number;
}

export interface PolicyTrainingHooks {
  progress?: Progress | null;
  log?: (line: string) => void;
  onEpoch?: (epoch: PolicyEpoch, total: number) => void;
  /** Asked between messages and batches: true stops with Stopped (the last publication stands). */
  shouldStop?: () => boolean;
  /** Replace an earlier policy directory at the output (anything else there is never replaced). */
  overwrite?: boolean;
}

/** Splits every sequence at (1 - valFraction) of its length; windows never cross the split. */
function splitWindows(dataset: Dataset, window: number, stride: number, valFraction: number): { train: StepRange[]; val: StepRange[] } {
  const train: StepRange[] = [];
  const val: StepRange[] = [];
  for (const s of dataset.sequences) {
    const cut = Math.round(s.length * (1 - valFraction));
    for (let k = 0; k + window <= cut; k += stride) train.push({ entry: s.entry, start: s.start + k, length: window });
    for (let k = cut; k + window <= s.length; k += stride) val.push({ entry: s.entry, start: s.start + k, length: window });
  }
  return { train, val };
}

interface Batch {
  images: Float32Array | null;
  vectors: Float32Array | null;
  targets: Float32Array;
  dt: Float32Array;
}

/** Where the camera and the other features sit in a cached feature row. */
interface RowLayout {
  image: { offset: number; shape: [number, number, number] } | null;
  vector: Array<{ offset: number; size: number }>;
  vectorSize: number;
  targetSize: number;
}

function rowLayout(dataset: Dataset): RowLayout {
  const images = dataset.layout.inputs.filter((i) => i.shape.length === 3);
  if (images.length > 1) throw new InputError(`a policy takes one camera; the dataset has ${images.length} image inputs`);
  const vector = dataset.layout.inputs.filter((i) => i.shape.length !== 3).map((i) => ({ offset: i.offset, size: i.size }));
  return {
    image: images[0] ? { offset: images[0].offset, shape: images[0].shape as [number, number, number] } : null,
    vector,
    vectorSize: vector.reduce((n, v) => n + v.size, 0),
    targetSize: dataset.layout.targetDim,
  };
}

/** Rows of `ranges`; `withImages` false skips the frames (for statistics over the whole split). */
function readBatch(dataset: Dataset, layout: RowLayout, ranges: StepRange[], withImages = true): Batch {
  const T = ranges[0].length;
  const n = ranges.length * T;
  const imageSize = layout.image ? layout.image.shape.reduce((a, b) => a * b, 1) : 0;
  const batch: Batch = {
    images: layout.image && withImages ? new Float32Array(n * imageSize) : null,
    vectors: layout.vectorSize ? new Float32Array(n * layout.vectorSize) : null,
    targets: new Float32Array(n * layout.targetSize),
    dt: new Float32Array(n),
  };
  const featureDim = dataset.layout.featureDim;
  ranges.forEach((range, b) => {
    const block = dataset.read(range);
    for (let t = 0; t < T; t++) {
      const row = t * featureDim;
      const at = b * T + t;
      if (batch.images && layout.image) batch.images.set(block.inputs.subarray(row + layout.image.offset, row + layout.image.offset + imageSize), at * imageSize);
      let o = at * layout.vectorSize;
      for (const v of layout.vector) {
        batch.vectors!.set(block.inputs.subarray(row + v.offset, row + v.offset + v.size), o);
        o += v.size;
      }
      batch.dt[at] = Math.max(MIN_DT, block.dt[t]);
    }
    batch.targets.set(block.targets, b * T * layout.targetSize);
  });
  return batch;
}

/** Mean and std per column over the given windows' rows (std floored so constant columns stay finite). */
function columnStats(rows: Float32Array[], width: number): { mean: number[]; std: number[] } {
  const sum = new Float64Array(width);
  const sq = new Float64Array(width);
  let count = 0;
  for (const r of rows) {
    for (let i = 0; i < r.length; i += width) {
      for (let c = 0; c < width; c++) {
        sum[c] += r[i + c];
        sq[c] += r[i + c] ** 2;
      }
      count++;
    }
  }
  const mean = Array.from(sum, (s) => s / count);
  const std = Array.from(sq, (s, c) => Math.max(1e-3, Math.sqrt(Math.max(0, s / count - mean[c] ** 2))));
  return { mean, std };
}

function buildPolicy(config: PolicyTrainingConfig, dataset: Dataset, layout: RowLayout, train: Batch): Policy {
  const targets = columnStats([train.targets], layout.targetSize);
  const vector = layout.vectorSize ? { size: layout.vectorSize, ...columnStats([train.vectors!], layout.vectorSize) } : null;
  if (config.base) {
    // Fine-tuning keeps the base policy's architecture and normalisation, so its commands keep their meaning.
    const policy = loadPolicyDir(config.base);
    const c = policy.config;
    if ((c.vector?.size ?? 0) !== layout.vectorSize || c.outputs.names.length !== layout.targetSize || JSON.stringify(c.image) !== JSON.stringify(layout.image?.shape ?? null)) {
      policy.dispose();
      throw new InputError(`${config.base}: the base policy's inputs/outputs do not match the dataset's (${JSON.stringify(dataset.layout.inputs.map((i) => [i.name, i.shape]))} → ${layout.targetSize})`);
    }
    // Targets far outside what the base was normalised for would train on enormous normalised
    // errors (a base trained at a constant speed has a tiny std for it): refuse, saying which.
    const far = c.outputs.names
      .map((name, k) => ({ name, distance: Math.abs(targets.mean[k] - c.outputs.mean[k]) / c.outputs.std[k], k }))
      .filter((o) => o.distance > BASE_TARGET_TOLERANCE_STD);
    if (far.length > 0) {
      policy.dispose();
      const say = far.map((o) => `${o.name} averages ${targets.mean[o.k].toPrecision(4)} here, ${o.distance.toFixed(0)} std from the base's ${c.outputs.mean[o.k].toPrecision(4)} ± ${c.outputs.std[o.k].toPrecision(2)}`);
      throw new InputError(`${config.base}: the recordings' commands lie outside what the base policy was trained on (${say.join('; ')}): fine-tune on recordings like the base's, or train from scratch (no base)`);
    }
    return policy;
  }
  const encoder = layout.image ? parseEncoderConfig(config.encoder, config.file, 'encoder', layout.image.shape) : null;
  const policyConfig: PolicyConfig = {
    format: 'lnn_ros_policy',
    image: layout.image?.shape ?? null,
    encoder,
    vector,
    outputs: { names: dataset.layout.target.fields, ...targets },
    inputs: { dataset: dataset.layout.inputs.map((i) => ({ name: i.name, topic: i.topic, type: i.type, shape: i.shape, fields: i.fields })), target: dataset.layout.target, preprocessing: config.dataset.inputs },
  };
  const encoderFeatures = encoder ? (encoder.features ?? 0) : 0;
  const rnn: Record<string, unknown> = { format: 'ncps', ...config.rnn, input_size: encoderFeatures + layout.vectorSize };
  if (rnn.class !== 'LTC' && typeof rnn.units === 'number') rnn.proj_size = layout.targetSize;
  const units = rnn.units as Record<string, unknown>;
  if (typeof units === 'object' && units !== null && 'output_size' in units) units.output_size = layout.targetSize;
  return Policy.create(policyConfig, parseModelConfig(rnn, `${config.file ?? '<train config>'} (rnn)`));
}

export async function trainPolicy(config: PolicyTrainingConfig, hooks: PolicyTrainingHooks = {}): Promise<PolicyTrainingResult> {
  const started = Date.now();
  const log = hooks.log ?? (() => undefined);
  // Before any work: an output that is not a policy directory (a bag, a YAML) is refused now.
  const inputs = [...config.dataset.bags, config.file, config.dataset.file, config.base].filter((p): p is string => typeof p === 'string');
  const output = Output.claim(config.output, POLICY_OUTPUT, { replace: hooks.overwrite, inputs });
  const { dataset } = await new DatasetBuilder(config.dataset, { log, shouldStop: hooks.shouldStop }).build();
  try {
    const layout = rowLayout(dataset);
    const { train, val } = splitWindows(dataset, config.window, config.stride, config.valFraction);
    if (train.length === 0 || val.length === 0) {
      throw new InputError(`the bags give ${train.length} training and ${val.length} validation windows of ${config.window} steps; record longer sequences or lower training.window`);
    }
    const all = readBatch(dataset, layout, train, false);
    seedInitializers(config.seed);
    const policy = buildPolicy(config, dataset, layout, all);
    seedInitializers(undefined);
    const named = [
      ...(policy.encoder?.namedTensors('encoder.') ?? []),
      ...policy.rnn.namedTensors('rnn.'),
    ].filter((e) => e.trainable);
    const optimizer = new Optimizer(named, { kind: config.optimizer, clipNorm: config.clipNorm });
    const { mean: tMean, std: tStd } = policy.config.outputs;
    const random = new Random(config.seed);
    const batches = Math.ceil(train.length / config.batchSize);
    const progress = hooks.progress === undefined ? new Progress({ total: config.epochs * batches }) : hooks.progress;
    const T = config.window;
    const O = layout.targetSize;

    const predict = (b: Batch, rows: number, training: boolean) => {
      const [h, w, c] = layout.image?.shape ?? [0, 0, 0];
      const images = b.images ? tf.tensor4d(b.images, [rows * T, h, w, c]) : null;
      const vectors = b.vectors ? tf.tensor3d(b.vectors, [rows, T, layout.vectorSize]) : null;
      const features = policy.features(images, vectors, rows, T);
      return policy.rnn.forward(features, { timespans: tf.tensor2d(b.dt, [rows, T]), training }).output as tf.Tensor3D;
    };
    const normalisedTargets = (b: Batch, rows: number) => tf.div(tf.sub(tf.tensor3d(b.targets, [rows, T, O]), tf.tensor1d(tMean)), tf.tensor1d(tStd));

    /** MSE in command units over the validation windows, and that of the training mean. */
    const validate = (): { mse: number; baseline: number } => {
      let se = 0;
      let base = 0;
      let count = 0;
      for (let i = 0; i < val.length; i += config.batchSize) {
        const ranges = val.slice(i, i + config.batchSize);
        const b = readBatch(dataset, layout, ranges);
        const out = tf.tidy(() => tf.add(tf.mul(predict(b, ranges.length, false), tf.tensor1d(tStd)), tf.tensor1d(tMean)).dataSync());
        for (let k = 0; k < out.length; k++) {
          se += (out[k] - b.targets[k]) ** 2;
          base += (tMean[k % O] - b.targets[k]) ** 2;
        }
        count += out.length;
      }
      return { mse: se / count, baseline: base / count };
    };

    const history: PolicyEpoch[] = [];
    let best = { mse: Infinity, epoch: 0 };
    let baseline = NaN;
    /** The best epoch's policy directory, kept in memory for every publication. */
    let bestPolicy: FileTree = {};
    const result = (): PolicyTrainingResult => ({
      val_mse: best.mse,
      baseline_mse: baseline,
      best_epoch: best.epoch,
      epochs: history,
      windows: { train: train.length, val: val.length },
      output: config.output,
      wall_seconds: (Date.now() - started) / 1000,
    });
    const publish = (complete: boolean) =>
      output.publish((dir) =>
        writeTree(dir, {
          ...bestPolicy,
          'metrics.json': JSON.stringify({ ...result(), complete }, null, 1),
          'learning_curves.svg': learningCurves(config.output, history, baseline),
        }),
      );
    try {
      for (let epoch = 1; epoch <= config.epochs; epoch++) {
        const epochStart = Date.now();
        const order = random.permutation(train.length);
        let lossSum = 0;
        for (let k = 0; k < batches; k++) {
          // A batch is synchronous work: let a pending signal through before the next one.
          await turnEventLoop();
          if (hooks.shouldStop?.()) {
            throw new Stopped(
              best.epoch === 0
                ? `no epoch completed; ${config.output} is as it was`
                : `kept ${config.output}: the policy of epoch ${best.epoch}, the best of ${history.length} complete epoch(s) (metrics.json says complete: false)`,
              `training stopped after ${epoch - 1} epoch(s)`,
            );
          }
          const ranges = order.slice(k * config.batchSize, (k + 1) * config.batchSize).map((i) => train[i]);
          const b = readBatch(dataset, layout, ranges);
          const { value, grads } = tf.variableGrads(
            () => tf.mean(tf.squaredDifference(predict(b, ranges.length, true), normalisedTargets(b, ranges.length))) as tf.Scalar,
            named.map((n) => n.variable),
          );
          const loss = value.dataSync()[0];
          if (!Number.isFinite(loss)) throw new Error(`training diverged (loss ${loss}) at epoch ${epoch}; lower training.lr`);
          optimizer.apply(grads, config.lr);
          tf.dispose([value, ...Object.values(grads)]);
          lossSum += loss;
          progress?.advance(1, `epoch ${epoch}/${config.epochs} loss ${(lossSum / (k + 1)).toFixed(4)}`);
        }
        const v = validate();
        baseline = v.baseline;
        const record: PolicyEpoch = { epoch, train_loss: lossSum / batches, val_mse: v.mse, seconds: (Date.now() - epochStart) / 1000 };
        history.push(record);
        const improved = v.mse < best.mse;
        if (improved) {
          best = { mse: v.mse, epoch };
          bestPolicy = policyDirFiles(policy);
        }
        // Published when the policy changes (a watching drive_node reloads it) and once at the end.
        if ((improved || epoch === config.epochs) && best.epoch > 0) await publish(epoch === config.epochs);
        progress?.line(`epoch ${epoch}/${config.epochs} train loss ${record.train_loss.toFixed(4)} val_mse ${v.mse.toFixed(5)} (baseline ${v.baseline.toFixed(5)}) ${record.seconds.toFixed(1)}s`);
        hooks.onEpoch?.(record, config.epochs);
      }
    } finally {
      optimizer.dispose();
      policy.dispose();
    }
    return result();
  } finally {
    dataset.close();
  }
}

function learningCurves(output: string, history: PolicyEpoch[], baseline: number): string {
  return lineChartSvg({
    title: `${path.basename(output)}: validation MSE`,
    xLabel: 'epoch',
    yLabel: 'MSE (command units)',
    series: [
      { name: 'validation', points: history.map((h) => [h.epoch, h.val_mse] as [number, number]) },
      { name: 'mean baseline', points: history.map((h) => [h.epoch, baseline] as [number, number]) },
    ],
  });
}
