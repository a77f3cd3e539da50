/**
 * The wasm training kernels: gradients equal the cpu backend's on random conv geometries and
 * matmul transposes, and a conv + CfC model trains on wasm; with the native addon's products and
 * convolutions (where it is built) and without.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import { nativeKernels, useNativeKernels } from '../lnn_ros/kernels/native';
import { registerWasmTrainingKernels } from '../lnn_ros/kernels/wasm_training_kernels';
import { ConvEncoder, ConvPadding, EncoderActivation } from '../lnn_ros/model/encoder';
import { seedInitializers } from '../lnn_ros/model/init';
import { Linear } from '../lnn_ros/model/linear';
import { useBackend } from './helpers/tf';

const BACKENDS = ['cpu', 'wasm'] as const;
const TOLERANCE = 1e-4;

/** Deterministic values in [-0.5, 0.5), so both backends see the same inputs. */
function values(seed: number, n: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

/** max |a − b| relative to max |b|. */
function relativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

/** `compute` on each backend (same inputs), returning every output's values by backend. */
async function onBoth(compute: () => tf.Tensor[]): Promise<Record<(typeof BACKENDS)[number], Float32Array[]>> {
  const out = {} as Record<(typeof BACKENDS)[number], Float32Array[]>;
  for (const backend of BACKENDS) {
    await useBackend(backend);
    out[backend] = tf.tidy(compute).map((t) => {
      const v = t.dataSync() as Float32Array;
      t.dispose();
      return v;
    });
  }
  return out;
}

interface ConvCase {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  /** A number is explicit symmetric padding. */
  padding: ConvPadding | number;
}

/** Random geometries from a fixed seed (two per channels × stride × padding), plus lane-keeping-like ones. */
function convCases(): ConvCase[] {
  const pick = values(7, 400);
  let p = 0;
  const choose = <T>(options: readonly T[]): T => options[Math.floor((pick[p++] + 0.5) * options.length)];
  const cases: ConvCase[] = [];
  for (const inChannels of [1, 3, 24]) {
    for (const stride of [1, 2]) {
      for (const padding of ['valid', 'same', 'valid', 'same'] as const) {
        const kernel = choose([1, 2, 3, 5]);
        cases.push({
          batch: choose([1, 2, 3]),
          height: kernel + choose([0, 3, 6, 9]),
          width: kernel + choose([1, 4, 8]),
          inChannels,
          outChannels: choose([1, 4, 8, 24]),
          kernel,
          stride,
          padding,
        });
      }
    }
  }
  cases.push(
    { batch: 2, height: 13, width: 21, inChannels: 3, outChannels: 24, kernel: 5, stride: 2, padding: 'valid' },
    { batch: 2, height: 9, width: 12, inChannels: 24, outChannels: 36, kernel: 5, stride: 2, padding: 'same' },
    { batch: 3, height: 6, width: 9, inChannels: 36, outChannels: 8, kernel: 3, stride: 1, padding: 'same' },
    { batch: 2, height: 9, width: 10, inChannels: 3, outChannels: 4, kernel: 3, stride: 2, padding: 1 },
  );
  return cases;
}

for (const engine of nativeKernels() ? ['native', 'portable'] : ['portable']) describe(`wasm training kernels (${engine} products)`, function () {
  before(async function () {
    await useBackend();
    if (!tf.findBackend('wasm')) this.skip(); // tfjs-node machines never load wasm
    registerWasmTrainingKernels();
    registerWasmTrainingKernels(); // idempotent
    useNativeKernels(engine === 'native');
  });

  after(async () => {
    useNativeKernels(true);
    await useBackend();
  });

  it('fused conv2d forward (bias, relu / linear) matches cpu', async () => {
    for (const c of convCases().slice(0, 6)) {
      for (const activation of ['relu', 'linear'] as const) {
        const r = await onBoth(() => {
          const x = tf.tensor4d(values(1, c.batch * c.height * c.width * c.inChannels), [c.batch, c.height, c.width, c.inChannels]);
          const filter = tf.tensor4d(values(2, c.kernel * c.kernel * c.inChannels * c.outChannels), [c.kernel, c.kernel, c.inChannels, c.outChannels]);
          const bias = tf.tensor1d(values(3, c.outChannels));
          return [tf.fused.conv2d({ x, filter, bias, strides: c.stride, pad: c.padding as 'valid' | 'same' | number, activation })];
        });
        const d = relativeDiff(r.wasm[0], r.cpu[0]);
        assert.ok(d <= TOLERANCE, `${JSON.stringify(c)} ${activation}: relative difference ${d}`);
      }
    }
  });

  for (const c of convCases()) {
    const name = `b${c.batch} ${c.height}×${c.width}×${c.inChannels} → ${c.outChannels}@${c.kernel}×${c.kernel}/${c.stride} pad ${c.padding}`;
    it(`conv2d gradients match cpu: ${name}`, async () => {
      const xShape = [c.batch, c.height, c.width, c.inChannels] as const;
      const wShape = [c.kernel, c.kernel, c.inChannels, c.outChannels] as const;
      const xs = values(1, xShape.reduce((a, b) => a * b));
      const ws = values(2, wShape.reduce((a, b) => a * b));
      const r = await onBoth(() => {
        const conv = (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.padding);
        const x = tf.tensor4d(xs, [...xShape]);
        const w = tf.tensor4d(ws, [...wShape]);
        const y = conv(x, w);
        const dy = tf.tensor(values(3, y.size), y.shape);
        // A weighted sum, so every output position gets its own upstream gradient.
        return [y, ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), dy)))([x, w])];
      });
      ['forward', 'dx', 'dW'].forEach((what, i) => {
        const d = relativeDiff(r.wasm[i], r.cpu[i]);
        assert.ok(d <= TOLERANCE, `${what}: relative difference ${d}`);
      });
    });
  }

  it('frees every intermediate on the wasm heap', async () => {
    await useBackend('wasm');
    const x = tf.randomNormal([2, 9, 11, 3]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
    const a = tf.randomNormal([20, 7]);
    const b = tf.randomNormal([5, 7]);
    const c = tf.randomNormal([3, 20]);
    const run = () =>
      tf.dispose([
        tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 2, 'same')))([x, w]),
        tf.matMul(a, b, false, true),
        tf.matMul(b, a, false, true),
        tf.matMul(a, c, true, true),
      ]);
    run();
    const before = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) run();
    assert.equal(tf.engine().backend.numDataIds(), before);
    tf.dispose([x, w, a, b, c]);
  });

  it('transposed and broadcast matmuls match cpu', async () => {
    const shapes: Array<[number[], number[], boolean, boolean]> = [
      [[5, 7], [7, 3], false, false],
      [[7, 5], [7, 3], true, false],
      [[5, 7], [3, 7], false, true],
      [[2, 7, 5], [2, 3, 7], true, true],
      [[2, 5, 7], [3, 7], false, true],
      [[1, 7], [4, 7], false, true],
    ];
    for (const [aShape, bShape, ta, tb] of shapes) {
      const r = await onBoth(() => {
        const a = tf.tensor(values(4, aShape.reduce((x, y) => x * y)), aShape);
        const b = tf.tensor(values(5, bShape.reduce((x, y) => x * y)), bShape);
        return [tf.matMul(a, b, ta, tb)];
      });
      const d = relativeDiff(r.wasm[0], r.cpu[0]);
      assert.ok(d <= TOLERANCE, `${aShape}${ta ? 'ᵀ' : ''} · ${bShape}${tb ? 'ᵀ' : ''}: relative difference ${d}`);
    }
  });

  it('slices and unstacks in place like the cpu backend, on every axis and rank', async () => {
    const cases: Array<[number[], number[], number[]]> = [
      [[6], [2], [3]],
      [[4, 5], [1, 0], [2, 5]],
      [[4, 5], [0, 2], [4, 2]],
      [[3, 4, 5], [0, 1, 0], [3, 1, 5]],
      [[3, 4, 5], [1, 1, 2], [2, 2, 3]],
      [[3, 4, 5], [0, 0, 0], [3, 4, 5]],
      [[2, 3, 4, 5], [1, 0, 2, 0], [1, 3, 1, 5]],
      [[2, 3, 4, 5], [0, 1, 1, 1], [2, 2, 3, 4]],
      [[2, 3, 0], [0, 1, 0], [2, 1, 0]],
    ];
    for (const [shape, begin, size] of cases) {
      const r = await onBoth(() => [tf.slice(tf.tensor(values(6, shape.reduce((x, y) => x * y, 1)), shape), begin, size)]);
      assert.deepEqual(Array.from(r.wasm[0]), Array.from(r.cpu[0]), `slice of [${shape}] at [${begin}] size [${size}]`);
    }
    for (const axis of [0, 1, 2, -1]) {
      const r = await onBoth(() => tf.unstack(tf.tensor(values(7, 60), [3, 4, 5]), axis));
      r.cpu.forEach((want, i) => assert.deepEqual(Array.from(r.wasm[i]), Array.from(want), `unstack axis ${axis}, part ${i}`));
    }
    await useBackend('wasm');
    const ints = tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32');
    assert.deepEqual(Array.from(tf.slice(ints, [0, 1], [2, 1]).dataSync()), [2, 5]);
    ints.dispose();
  });

  /**
   * A CfC-like cell (ncps's default mode: backbone, then a time-gated blend of two tanh heads),
   * written out here so that these tests exercise the kernels, not the cell's own fused op.
   */
  class CfcLike {
    readonly backbone: Linear;
    readonly heads: Linear[];

    constructor(inputs: number, readonly hidden: number) {
      this.backbone = new Linear(inputs + hidden, 16);
      this.heads = [0, 1, 2, 3].map(() => new Linear(16, hidden));
    }

    step(x: tf.Tensor2D, h: tf.Tensor2D, ts: tf.Tensor2D): tf.Tensor2D {
      const z = tf.tanh(this.backbone.apply(tf.concat([x, h], 1)));
      const [ff1, ff2, timeA, timeB] = this.heads.map((head) => head.apply(z));
      const gate = tf.sigmoid(tf.add(tf.mul(timeA, ts), timeB));
      return tf.add(tf.mul(tf.tanh(ff1), tf.sub(1, gate)), tf.mul(gate, tf.tanh(ff2)));
    }

    variables(): tf.Variable[] {
      return [this.backbone, ...this.heads].flatMap((l) => l.trainableVariables());
    }

    dispose(): void {
      for (const l of [this.backbone, ...this.heads]) l.dispose();
    }
  }

  /** A small camera → conv encoder → CfC-like model, unrolled over a short sequence. */
  function model(activation: EncoderActivation): { encoder: ConvEncoder; cell: CfcLike; loss: (frames: tf.Tensor5D, target: tf.Tensor2D) => tf.Scalar } {
    seedInitializers(11);
    const encoder = new ConvEncoder({
      inputShape: [12, 16, 3],
      conv: [
        { filters: 6, kernel: 3, stride: 2 },
        { filters: 8, kernel: 3, stride: 1, padding: 'same' },
      ],
      activation,
      features: 8,
    });
    const cell = new CfcLike(8, 6);
    seedInitializers(undefined);
    const loss = (frames: tf.Tensor5D, target: tf.Tensor2D): tf.Scalar => {
      const [batch, steps] = frames.shape;
      const features = encoder.forward(tf.reshape(frames, [batch * steps, 12, 16, 3]) as tf.Tensor4D);
      const perStep = tf.unstack(tf.reshape(features, [batch, steps, 8]), 1) as tf.Tensor2D[];
      let h = tf.zeros([batch, 6]) as tf.Tensor2D;
      const ts = tf.ones([batch, 1]) as tf.Tensor2D;
      for (const x of perStep) h = cell.step(x, h, ts);
      const prediction = tf.slice(h, [0, 0], [batch, 1]) as tf.Tensor2D;
      return tf.mean(tf.square(tf.sub(prediction, target))) as tf.Scalar;
    };
    return { encoder, cell, loss };
  }

  /** Frames whose left half is brighter than the right by `target`: learnable from pixels alone. */
  function toyBatch(batch: number, steps: number): { frames: tf.Tensor5D; target: tf.Tensor2D } {
    const t = values(9, batch).map((v) => v * 0.8);
    const data = new Float32Array(batch * steps * 12 * 16 * 3);
    const noise = values(10, data.length);
    let i = 0;
    for (let b = 0; b < batch; b++) {
      for (let s = 0; s < steps; s++) {
        for (let y = 0; y < 12; y++) {
          for (let x = 0; x < 16; x++) {
            for (let ch = 0; ch < 3; ch++, i++) data[i] = (x < 8 ? t[b] : -t[b]) + 0.1 * noise[i];
          }
        }
      }
    }
    return { frames: tf.tensor5d(data, [batch, steps, 12, 16, 3]), target: tf.tensor2d(t, [batch, 1]) };
  }

  // elu runs as separate conv, add and elu ops under the tape; tanh as tfjs's fused linear conv
  // with its own gradient: both reach the replacement kernels.
  for (const activation of ['elu', 'tanh'] as const) {
    it(`conv (${activation}) + CfC-like gradients match cpu`, async () => {
      const r = await onBoth(() => {
        const { encoder, cell, loss } = model(activation);
        const { frames, target } = toyBatch(3, 4);
        const variables = [...encoder.trainableVariables(), ...cell.variables()];
        const { value, grads } = tf.variableGrads(() => loss(frames, target), variables);
        const out = [value, ...variables.map((v) => grads[v.name])];
        encoder.dispose();
        cell.dispose();
        return out;
      });
      r.cpu.forEach((cpu, i) => {
        const d = relativeDiff(r.wasm[i], cpu);
        assert.ok(d <= TOLERANCE, `${i === 0 ? 'loss' : `gradient ${i - 1}`}: relative difference ${d}`);
      });
    });
  }

  it('trains a conv + CfC model on wasm (loss falls on a toy task)', async () => {
    await useBackend('wasm');
    const { encoder, cell, loss } = model('relu');
    const { frames, target } = toyBatch(8, 3);
    const optimizer = tf.train.adam(0.01);
    const variables = [...encoder.trainableVariables(), ...cell.variables()];
    const losses: number[] = [];
    for (let step = 0; step < 25; step++) {
      const value = optimizer.minimize(() => loss(frames, target), true, variables) as tf.Scalar;
      losses.push(value.dataSync()[0]);
      value.dispose();
    }
    assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
    assert.ok(losses[losses.length - 1] < 0.1 * losses[0], `loss ${losses[0]} → ${losses[losses.length - 1]}`);
    optimizer.dispose();
    tf.dispose([frames, target]);
    encoder.dispose();
    cell.dispose();
  });
});
