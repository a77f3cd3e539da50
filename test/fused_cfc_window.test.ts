/**
 * The CfC window op (lnn_ros/kernels/fused_cfc_sequence.ts), which the sequence wrapper uses for a
 * whole window, against the cell's tfjs graph stepped over the same window: outputs and every
 * gradient (parameters, inputs, initial state, elapsed times) of a scalar loss over all steps and
 * the final state, on both engines (the native addon's window — chunks of batch rows through
 * every step in C — where it is built, and the TypeScript loop), with batches that make several
 * chunks, backbones of 0 to 2 layers, NCP-wired cells (a window per wiring layer), every mode, and
 * shared or per-sample elapsed times. Also: the
 * native window gives the same bits on one thread and on two.
 */
import { strict as assert } from 'node:assert';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { fusedTraining, setFusedTraining } from '../lnn_ros/kernels/fused_ops';
import { nativeKernels, setKernelThreads, useNativeKernels } from '../lnn_ros/kernels/native';
import { seedInitializers } from '../lnn_ros/model/init';
import { parseModelConfig } from '../lnn_ros/model/model_config';
import { SequenceModel } from '../lnn_ros/model/sequence_model';
import { maxAbsDiff, useBackend } from './helpers/tf';

const STEPS = 7;
/** Forward ≤ 1e-5 absolute; gradients ≤ 1e-5 · max(1, max |graph gradient|) per tensor. */
const TOLERANCE = 1e-5;

interface Case {
  name: string;
  model: Record<string, unknown>;
  batch: number;
  perSample: boolean;
}

/** Outputs, final state and every gradient (by name) of Σ y·R + Σ h_T·R_h. */
function run(c: Case, fused: boolean): Map<string, Float32Array> {
  const previous = fusedTraining();
  setFusedTraining(fused);
  try {
    const results = new Map<string, Float32Array>();
    tf.tidy(() => {
      seedInitializers(11);
      const model = new SequenceModel(parseModelConfig({ format: 'ncps', input_size: 5, ...c.model }));
      seedInitializers(undefined);
      const seeded = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
      const x = tf.variable(seeded([c.batch, STEPS, 5], 1));
      const h0 = tf.variable(tf.mul(seeded([c.batch, model.stateSize], 2), 0.5));
      const ts = tf.variable(tf.randomUniform(c.perSample ? [c.batch, STEPS] : [STEPS], 0.2, 2, 'float32', 3));
      const named = model.namedTensors().filter((e) => e.trainable);
      const { value, grads } = tf.variableGrads(() => {
        const { output, h } = model.forward(x as tf.Tensor as tf.Tensor3D, { hx: h0 as tf.Tensor as tf.Tensor2D, timespans: ts });
        results.set('output', Float32Array.from(output.dataSync()));
        results.set('h', Float32Array.from(h.dataSync()));
        return tf.add(tf.sum(tf.mul(output, seeded(output.shape, 4))), tf.sum(tf.mul(h, seeded(h.shape, 5)))) as tf.Scalar;
      }, [...named.map((e) => e.variable), x, h0, ts]);
      for (const e of named) results.set(e.name, Float32Array.from(grads[e.variable.name].dataSync()));
      results.set('x', Float32Array.from(grads[x.name].dataSync()));
      results.set('h0', Float32Array.from(grads[h0.name].dataSync()));
      results.set('ts', Float32Array.from(grads[ts.name].dataSync()));
      value.dispose();
      model.dispose();
      tf.dispose([x, h0, ts]);
    });
    return results;
  } finally {
    setFusedTraining(previous);
  }
}

function assertClose(got: Map<string, Float32Array>, want: Map<string, Float32Array>): void {
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [name, w] of want) {
    const scale = name === 'output' || name === 'h' ? 1 : Math.max(1, ...Array.from(w, Math.abs));
    const diff = maxAbsDiff(got.get(name)!, w);
    assert.ok(diff <= TOLERANCE * scale, `${name}: max |diff| ${diff.toExponential(2)} > ${TOLERANCE} × ${scale.toPrecision(3)}`);
  }
}

const CASES: Case[] = [
  { name: 'default silu, backbone 1×40, batch 40 (native: 2 chunks), per-sample ts', model: { class: 'CfC', units: 24, backbone_units: 40, activation: 'silu', proj_size: 3 }, batch: 40, perSample: true },
  { name: 'default lecun_tanh, backbone 1×33, batch 37, shared ts, last output only', model: { class: 'CfC', units: 9, backbone_units: 33, return_sequences: false }, batch: 37, perSample: false },
  { name: 'no_gate relu, backbone 2×20, batch 50 (3 chunks)', model: { class: 'CfC', units: 12, mode: 'no_gate', backbone_units: 20, backbone_layers: 2, activation: 'relu' }, batch: 50, perSample: true },
  { name: 'default tanh, no backbone, batch 3', model: { class: 'CfC', units: 6, backbone_layers: 0, activation: 'tanh' }, batch: 3, perSample: false },
  { name: 'wired AutoNCP(14, 3): each layer a window over the layer below, batch 33', model: { class: 'CfC', units: { wiring: 'AutoNCP', units: 14, output_size: 3, seed: 5 }, proj_size: 2 }, batch: 33, perSample: true },
  { name: 'wired AutoNCP(10, 2) no_gate, last output only', model: { class: 'CfC', units: { wiring: 'AutoNCP', units: 10, output_size: 2, seed: 6 }, mode: 'no_gate', return_sequences: false }, batch: 4, perSample: false },
  { name: 'pure (the TypeScript loop on both engines), backbone 1×16', model: { class: 'CfC', units: 8, mode: 'pure', backbone_units: 16 }, batch: 20, perSample: true },
  { name: 'default gelu (the TypeScript loop on both engines)', model: { class: 'CfC', units: 8, backbone_units: 16, activation: 'gelu' }, batch: 20, perSample: false },
];

describe('CfC window op', function () {
  const addon = nativeKernels();
  before(() => useBackend('wasm'));
  after(() => {
    useNativeKernels(addon !== null);
    setKernelThreads(os.availableParallelism());
  });

  for (const engine of ['native', 'portable'] as const) {
    describe(`${engine} engine, against the cell's tfjs graph stepped over the window`, function () {
      before(function () {
        if (engine === 'native' && !addon) this.skip();
        useNativeKernels(engine === 'native');
      });
      for (const c of CASES) it(c.name, () => assertClose(run(c, true), run(c, false)));
    });
  }

  it('native: the same bits on one thread and on two', function () {
    if (!addon) this.skip();
    useNativeKernels(true);
    const c = { ...CASES[0], batch: 96 };
    setKernelThreads(1);
    const one = run(c, true);
    setKernelThreads(2);
    const two = run(c, true);
    for (const [name, v] of one) assert.ok(v.every((x, k) => Object.is(x, two.get(name)![k])), `${name} differs`);
  });
});
