/**
 * Training throughput (sequences/s: one Adam step per batch, forward + backward + update) here
 * and in ncps/torch eager on the same CPU, in one run, at torch's default threading and at one
 * thread on both sides:
 *  - halfcheetah_cfc / _ltc: the Half-Cheetah configs (batch 16 × 32 steps; ours on the real
 *    windows, torch on random ones of the same shape);
 *  - paper_cfc: CfC 64 units, backbone 1×256 silu, proj_size 17, batch 256 × 64 steps × 17
 *    features with per-step elapsed times, Adam with clipping (the CfC paper's sizes);
 *  - paper_ltc: LTC 64 units (FullyConnected, 17 motor outputs), 6 unfolds, the same windows at
 *    batch 64 (at 256 torch's autograd graph takes ~10 GB);
 *  - demo_policy: the demo's CNN (3 convs on 24×64×3 frames) + AutoNCP(16) CfC policy, batch 8 × 16.
 * Paper and demo data are synthetic (random, same shapes on both sides). Medians of repeated runs.
 *
 *   npm run bench -- training
 */
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { DEMO_RNN, DEMO_TRAINING, demoTrainConfig } from '../lnn_ros/demo/demo_config';
import { initBackend } from '../lnn_ros/kernels/backend';
import { kernelEngine, nativeKernels, setKernelThreads, useNativeKernels } from '../lnn_ros/kernels/native';
import { seedInitializers } from '../lnn_ros/model/init';
import { readYamlFile } from '../lnn_ros/model/model_dir';
import { parseModelConfig } from '../lnn_ros/model/model_config';
import { Policy } from '../lnn_ros/model/policy';
import { SequenceModel } from '../lnn_ros/model/sequence_model';
import { parseFitConfig } from '../lnn_ros/train/fit_config';
import { Optimizer } from '../lnn_ros/train/optimizer';
import { Random } from '../lnn_ros/train/random';
import { listSequenceFiles, readSequenceFile } from '../lnn_ros/train/sequence_files';
import { buildWindows, planColumns } from '../lnn_ros/train/windows';
import { ncpsTorchJson } from './python';
import type { BenchEntry } from './types';

const COMMAND = 'npm run bench -- training';
const CONFIGS = path.join(__dirname, '..', 'configs', 'halfcheetah');

type CaseName = 'halfcheetah_cfc' | 'halfcheetah_ltc' | 'paper_cfc' | 'paper_ltc' | 'demo_policy';

/** A model with its batch: the trainable variables and the loss of one batch. */
interface Setup {
  params: Array<{ name: string; variable: tf.Variable }>;
  loss: () => tf.Scalar;
  clipNorm: number | null;
  dispose(): void;
}

interface Case {
  name: CaseName;
  what: string;
  batch: number;
  /** Timed batches per run and runs (the median is kept), as bench/ncps_train.py's PLAN. */
  batches: number;
  runs: number;
  setup(): Setup;
}

const mse = (a: tf.Tensor, b: tf.Tensor) => tf.mean(tf.squaredDifference(a, b)) as tf.Scalar;

function sequenceSetup(model: SequenceModel, x: tf.Tensor3D, y: tf.Tensor3D, ts: tf.Tensor2D, clipNorm: number | null): Setup {
  return {
    params: model.namedTensors().filter((e) => e.trainable),
    loss: () => mse(model.forward(x, { timespans: ts }).output, y),
    clipNorm,
    dispose: () => {
      tf.dispose([x, y, ts]);
      model.dispose();
    },
  };
}

/** The Half-Cheetah config's model and its first training windows. */
function halfCheetah(name: 'cfc' | 'ltc'): Setup {
  const file = path.join(CONFIGS, `${name}.yaml`);
  const config = parseFitConfig(readYamlFile(file), file);
  const src = config.data.source as { folder: string; ranges: { train: [number, number] } };
  const seqs = listSequenceFiles(src.folder).slice(...src.ranges.train).map(readSequenceFile);
  const set = buildWindows(seqs, planColumns(config.data, seqs[0]), config.data, new Random(1));
  const m: Record<string, unknown> = { format: 'ncps', ...config.model, input_size: 17 };
  if (name === 'ltc') m.units = { wiring: 'FullyConnected', units: m.units, output_dim: 17 };
  else m.proj_size = 17;
  const B = 16;
  const T = set.steps;
  return sequenceSetup(
    new SequenceModel(parseModelConfig(m)),
    tf.tensor3d(set.x.subarray(0, B * T * 17), [B, T, 17]),
    tf.tensor3d(set.y.subarray(0, B * T * 17), [B, T, 17]),
    tf.tensor2d(set.timespans.subarray(0, B * T), [B, T]),
    null,
  );
}

/** Paper sizes on random data: batch × 64 steps × 17 features, elapsed times in [0.5, 1.5). */
function paper(model: Record<string, unknown>, B: number): Setup {
  const [T, F] = [64, 17];
  return sequenceSetup(
    new SequenceModel(parseModelConfig({ format: 'ncps', input_size: F, ...model })),
    tf.randomNormal([B, T, F], 0, 1, 'float32', 1) as tf.Tensor3D,
    tf.randomNormal([B, T, F], 0, 1, 'float32', 2) as tf.Tensor3D,
    tf.randomUniform([B, T], 0.5, 1.5, 'float32', 3) as tf.Tensor2D,
    1,
  );
}

/** The demo's policy (encoder and AutoNCP CfC as demoTrainConfig builds them), random frames and IMU. */
function demoPolicy(): Setup {
  const [B, T] = [8, 16];
  const { width, height } = DEMO_TRAINING.image;
  const train = demoTrainConfig(['unused'], 'unused');
  const policy = Policy.create(
    { format: 'lnn_ros_policy', image: [height, width, 3], encoder: train.encoder, vector: { size: 1, mean: [0], std: [1] }, outputs: { names: ['v', 'w'], mean: [0, 0], std: [1, 1] }, inputs: null },
    parseModelConfig({ format: 'ncps', ...structuredClone(DEMO_RNN), input_size: 17 }),
  );
  const frames = tf.randomNormal([B * T, height, width, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const imu = tf.randomNormal([B, T, 1], 0, 1, 'float32', 2) as tf.Tensor3D;
  const ts = tf.fill([B, T], 0.05) as tf.Tensor2D;
  const y = tf.randomNormal([B, T, 2], 0, 1, 'float32', 3) as tf.Tensor3D;
  return {
    params: [...(policy.encoder?.namedTensors('encoder.') ?? []), ...policy.rnn.namedTensors('rnn.')].filter((e) => e.trainable),
    loss: () => mse(policy.rnn.forward(policy.features(frames, imu, B, T), { timespans: ts }).output, y),
    clipNorm: train.clipNorm,
    dispose: () => {
      tf.dispose([frames, imu, ts, y]);
      policy.dispose();
    },
  };
}

const PAPER_CFC = { class: 'CfC', units: 64, backbone_units: 256, backbone_layers: 1, activation: 'silu', proj_size: 17 };
const PAPER_LTC = { class: 'LTC', units: { wiring: 'FullyConnected', units: 64, output_dim: 17 }, ode_unfolds: 6 };

const CASES: Case[] = [
  { name: 'halfcheetah_cfc', what: 'Half-Cheetah CfC (32 units, backbone 1×64, proj 17), batch 16 × 32 steps', batch: 16, batches: 12, runs: 5, setup: () => halfCheetah('cfc') },
  { name: 'halfcheetah_ltc', what: 'Half-Cheetah LTC (32 units, 6 unfolds), batch 16 × 32 steps', batch: 16, batches: 4, runs: 3, setup: () => halfCheetah('ltc') },
  { name: 'paper_cfc', what: 'CfC 64 units, backbone 1×256 silu, proj 17, batch 256 × 64 steps × 17, per-step elapsed times, Adam + clipping', batch: 256, batches: 4, runs: 3, setup: () => paper(PAPER_CFC, 256) },
  { name: 'paper_ltc', what: 'LTC 64 units (fully connected), 6 unfolds, batch 64 × 64 steps × 17, per-step elapsed times, Adam + clipping', batch: 64, batches: 2, runs: 3, setup: () => paper(PAPER_LTC, 64) },
  { name: 'demo_policy', what: "the demo's policy: 3-conv CNN on 24×64×3 frames + AutoNCP(16) CfC, batch 8 × 16 steps", batch: 8, batches: 10, runs: 5, setup: demoPolicy },
];

/** Untimed steps first (JIT, heap growth, pools), as bench/ncps_train.py's warmup. */
const WARMUP = 2;

/** Sequences per second over `c.batches` optimizer steps after the warm-up; median of `c.runs`. */
function throughput(c: Case): number {
  const values: number[] = [];
  for (let r = 0; r < c.runs; r++) {
    seedInitializers(1);
    const s = c.setup();
    seedInitializers(undefined);
    const optimizer = new Optimizer(s.params, { kind: 'adam', clipNorm: s.clipNorm });
    const variables = s.params.map((p) => p.variable);
    const stepOnce = () => {
      const { value, grads } = tf.variableGrads(s.loss, variables);
      optimizer.apply(grads, 1e-3);
      tf.dispose([value, ...Object.values(grads)]);
    };
    for (let w = 0; w < WARMUP; w++) stepOnce();
    const start = performance.now();
    for (let i = 0; i < c.batches; i++) stepOnce();
    values.push((c.batches * c.batch) / ((performance.now() - start) / 1000));
    optimizer.dispose();
    s.dispose();
  }
  return values.sort((a, b) => a - b)[c.runs >> 1];
}

interface TorchResult {
  threads: number;
  seq_per_s: Record<CaseName, number>;
}

/** The CfC paper's epoch: ~9,700 windows of 64 steps (the measurement). */
const PAPER_EPOCH_WINDOWS = 9700;

export async function run(): Promise<BenchEntry[]> {
  const backend = await initBackend(undefined, () => undefined);
  const cores = os.availableParallelism();
  const entries: BenchEntry[] = [];
  const add = (name: string, unit: string, value: number | null, note: string) => entries.push({ name, unit, value, note, command: COMMAND });
  // Both sides at each thread count: 0 = each side's default (every core), then 1.
  for (const threads of [0, 1]) {
    const label = threads === 0 ? 'default' : '1thread';
    setKernelThreads(threads || cores);
    const engine = kernelEngine();
    const ours = CASES.map((c) => throughput(c));
    const torch = ncpsTorchJson<TorchResult>(path.join(__dirname, 'ncps_train.py'), [String(threads), ...CASES.map((c) => c.name)]);
    const torchNote = torch.result ? `ncps 1.0.1 + torch eager, ${torch.result.threads} thread(s); median of runs` : torch.reason;
    CASES.forEach((c, i) => {
      const theirs = torch.result?.seq_per_s[c.name] ?? null;
      add(`train_${c.name}_${label}_seq_per_s`, 'seq/s', ours[i], `${c.what}; backend ${backend}, kernels ${engine}; median of ${c.runs} runs`);
      add(`train_${c.name}_${label}_ncps_torch_seq_per_s`, 'seq/s', theirs, torchNote);
      add(`train_${c.name}_${label}_speed_vs_torch`, '×', theirs ? ours[i] / theirs : null, 'ours / ncps-torch, same run');
      if (c.name === 'paper_cfc') {
        add(`train_paper_cfc_${label}_epoch_s`, 's', PAPER_EPOCH_WINDOWS / ours[i], `${PAPER_EPOCH_WINDOWS} windows at the seq/s above (the issue measured 205 s with the TypeScript kernels)`);
        add(`train_paper_cfc_${label}_ncps_torch_epoch_s`, 's', theirs ? PAPER_EPOCH_WINDOWS / theirs : null, `${PAPER_EPOCH_WINDOWS} windows at torch's seq/s above (the issue measured 5.4 s at one thread)`);
      }
    });
    if (threads === 0) add('train_cfc_over_ltc_speed_ratio', '×', ours[0] / ours[1], 'Half-Cheetah CfC seq/s over LTC seq/s here (the CfC paper claims 10–200× over ODE-based cells)');
  }
  setKernelThreads(cores);
  // What a machine without a C compiler gets: the portable TypeScript kernels (and XNNPACK).
  const native = nativeKernels() !== null;
  useNativeKernels(false);
  for (const c of CASES) add(`train_${c.name}_portable_seq_per_s`, 'seq/s', throughput(c), `${c.what}; without the native addon (LNN_ROS_NATIVE=0): fused ops in TypeScript, their large products and the matmuls through XNNPACK, one thread`);
  useNativeKernels(native);
  return entries;
}

/** Ours only, for development: `node -r ts-node/register/transpile-only bench/training.ts paper_cfc …`. */
if (require.main === module) {
  initBackend(undefined, () => undefined)
    .then(() => {
      for (const c of CASES.filter((k) => process.argv.slice(2).includes(k.name))) console.log(c.name, kernelEngine(), throughput(c).toFixed(1), 'seq/s');
    })
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
