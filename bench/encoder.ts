/**
 * The camera path on a small CPU: ConvEncoder forward per frame (lane-keeping head, 78×200×3,
 * batch 1) on wasm through the native kernels (when built), through tfjs-wasm's XNNPACK, and on
 * cpu; conv + CfC training steps on wasm with the replacement kernels
 * (lnn_ros/kernels/wasm_training_kernels.ts), on wasm with the stock ones, and on cpu.
 *
 *   node -r ts-node/register/transpile-only bench/encoder.ts
 */
import { performance } from 'perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lnn_ros/kernels/backend';
import { kernelEngine, nativeKernels, useNativeKernels } from '../lnn_ros/kernels/native';
import { registerWasmTrainingKernels, replacedWasmKernels } from '../lnn_ros/kernels/wasm_training_kernels';
import { CfCCell } from '../lnn_ros/model/cells/cfc_cell';
import { ConvEncoder, ConvEncoderOptions } from '../lnn_ros/model/encoder';
import { seedInitializers } from '../lnn_ros/model/init';
import type { BenchEntry } from './types';

const COMMAND = 'node -r ts-node/register/transpile-only bench/encoder.ts';

/** Median and 10th percentile of per-call wall times (ms) after `warmup` untimed calls. */
function time(f: () => void, calls: number, warmup: number): { median: number; p10: number } {
  for (let i = 0; i < warmup; i++) f();
  const ms = Array.from({ length: calls }, () => {
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  }).sort((a, b) => a - b);
  return { median: ms[Math.floor(calls / 2)], p10: ms[Math.floor(calls / 10)] };
}

function encoderForward(calls: number, warmup: number): { median: number; p10: number } {
  const encoder = new ConvEncoder();
  const frame = tf.randomUniform([1, 78, 200, 3]) as tf.Tensor4D;
  const t = time(
    () => {
      const y = encoder.forward(frame);
      y.dataSync();
      y.dispose();
    },
    calls,
    warmup,
  );
  frame.dispose();
  encoder.dispose();
  return t;
}

/** A conv encoder feeding a CfC over `steps` frames per sequence; loss on the last state. */
interface TrainCase {
  encoder: ConvEncoderOptions & { inputShape: [number, number, number] };
  batch: number;
  steps: number;
}

/** Half-resolution lane-keeping-style net: cheap enough to time on the cpu backend too. */
const SMALL_CNN: TrainCase = {
  encoder: {
    inputShape: [39, 100, 3],
    conv: [
      { filters: 24, kernel: 5, stride: 2 },
      { filters: 36, kernel: 5, stride: 2 },
      { filters: 48, kernel: 3, stride: 2 },
      { filters: 8, kernel: 3, stride: 1 },
    ],
    features: 32,
  },
  batch: 4,
  steps: 4,
};

/** The full lane-keeping head (78×200×3) + CfC, 2 sequences × 4 frames. */
const LANE_KEEPING: TrainCase = { encoder: { inputShape: [78, 200, 3] }, batch: 2, steps: 4 };

/** Wall time of one Adam step (forward, backward, update), median over `calls`. */
function trainStep(c: TrainCase, calls: number): { median: number; p10: number } {
  seedInitializers(1);
  const encoder = new ConvEncoder(c.encoder);
  const cell = new CfCCell(encoder.outputSize, 16, { backboneUnits: 64 });
  seedInitializers(undefined);
  const [height, width, channels] = c.encoder.inputShape;
  const frames = tf.randomUniform([c.batch * c.steps, height, width, channels]) as tf.Tensor4D;
  const target = tf.randomUniform([c.batch, 1]) as tf.Tensor2D;
  const ts = tf.ones([c.batch, 1]) as tf.Tensor2D;
  const variables = [...encoder.trainableVariables(), ...cell.trainableVariables()];
  const optimizer = tf.train.adam(1e-3);
  const loss = (): tf.Scalar => {
    const features = tf.reshape(encoder.forward(frames), [c.batch, c.steps, encoder.outputSize]);
    let h = tf.zeros([c.batch, cell.hiddenSize]) as tf.Tensor2D;
    for (const x of tf.unstack(features, 1) as tf.Tensor2D[]) h = cell.step(x, h, ts)[1];
    return tf.losses.meanSquaredError(target, tf.slice(h, [0, 0], [c.batch, 1])) as tf.Scalar;
  };
  const t = time(() => tf.dispose(optimizer.minimize(loss, true, variables) as tf.Scalar), calls, 1);
  optimizer.dispose();
  tf.dispose([frames, target, ts]);
  encoder.dispose();
  cell.dispose();
  return t;
}

/** Runs `f` with `configs` registered for wasm in place of the current kernels, then restores them. */
function withWasmKernels<T>(configs: readonly tf.KernelConfig[], f: () => T): T {
  const swap = (list: readonly tf.KernelConfig[]) => {
    for (const config of list) {
      tf.unregisterKernel(config.kernelName, 'wasm');
      tf.registerKernel(config);
    }
  };
  const current = configs.map((c) => tf.getKernel(c.kernelName, 'wasm') as tf.KernelConfig);
  swap(configs);
  try {
    return f();
  } finally {
    swap(current);
  }
}

export async function run(): Promise<BenchEntry[]> {
  await initBackend(undefined, () => undefined);
  const entries: BenchEntry[] = [];
  const ms = (name: string, t: { median: number; p10: number } | null, note: string) =>
    entries.push({ name, unit: 'ms', value: t?.median ?? null, note: t ? `${note}; median, p10 ${t.p10.toFixed(2)} ms` : note, command: COMMAND });
  const initial = tf.getBackend();

  await tf.setBackend('wasm');
  registerWasmTrainingKernels();
  const engine = kernelEngine();
  ms('encoder_78x200_wasm_ms', encoderForward(200, 20), `lane-keeping head, batch 1, wasm, convolutions by the ${engine} kernels (XNNPACK fused conv+bias+relu without the addon)`);
  const native = nativeKernels() !== null;
  useNativeKernels(false);
  ms('encoder_78x200_wasm_xnnpack_ms', encoderForward(200, 20), "same, tfjs-wasm's own XNNPACK conv (one thread); no plain-TS kernel: a direct JS conv stack took ~75 ms");
  useNativeKernels(native);
  ms('train_step_lane_keeping_wasm_ms', trainStep(LANE_KEEPING, 5), `78×200×3 head + CfC(16), 2×4 frames, Adam, wasm with the training kernels, ${engine}`);
  ms('train_step_cnn_wasm_ms', trainStep(SMALL_CNN, 10), `39×100×3 4-conv encoder + CfC(16), 4×4 frames, Adam, wasm with the training kernels, ${engine}`);
  useNativeKernels(false);
  ms('train_step_cnn_wasm_portable_ms', trainStep(SMALL_CNN, 10), 'same, wasm with the training kernels but without the native addon (fused ops in TypeScript, products and convs through XNNPACK)');
  ms(
    'train_step_cnn_wasm_stock_ms',
    withWasmKernels(replacedWasmKernels(), () => trainStep(SMALL_CNN, 3)),
    'same, every replaced wasm kernel stock (BatchMatMul, Conv2D, Conv2DBackpropInput, Slice, Unpack), no addon (stock wasm has no Conv2DBackpropFilter: ours kept, else no step at all)',
  );
  useNativeKernels(native);

  await tf.setBackend('cpu');
  ms('encoder_78x200_cpu_ms', encoderForward(10, 2), 'lane-keeping head, batch 1, cpu backend');
  ms('train_step_cnn_cpu_ms', trainStep(SMALL_CNN, 1), 'same small CNN step on the cpu backend (one timed step)');

  await tf.setBackend(initial);
  return entries;
}

if (require.main === module) {
  run()
    .then((entries) => console.table(entries.map(({ name, value, unit, note }) => ({ name, value: value?.toFixed(2) ?? '—', unit, note }))))
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
