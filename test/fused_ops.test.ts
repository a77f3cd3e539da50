/**
 * The fused per-step ops (lnn_ros/kernels/fused_*_step.ts) against the cells' tfjs graphs, which
 * they replace: forward values and every gradient (parameters, inputs, initial state, elapsed
 * times) of a scalar loss over a few steps, for every CfC mode and activation, backbone depths,
 * masked wired layers, and LTCs with and without softplus, each mapping, 1 and 6 unfolds; on
 * both engines (the native addon where it is built, and the portable TypeScript kernels), with
 * sizes that fill several SIMD vectors and matrix-product panels as well as small ones.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import { fusedTraining, setFusedTraining } from '../lnn_ros/kernels/fused_ops';
import { nativeKernels, useNativeKernels } from '../lnn_ros/kernels/native';
import { ACTIVATIONS } from '../lnn_ros/model/activations';
import { CFC_MODES, CfCCell } from '../lnn_ros/model/cells/cfc_cell';
import { LTC_MAPPINGS, LTCCell } from '../lnn_ros/model/cells/ltc_cell';
import type { RecurrentCell } from '../lnn_ros/model/cells/recurrent_cell';
import { WiredCfCCell } from '../lnn_ros/model/cells/wired_cfc_cell';
import { seedInitializers } from '../lnn_ros/model/init';
import { AutoNcpWiring, FullyConnectedWiring } from '../lnn_ros/model/wirings';
import { maxAbsDiff, useBackend } from './helpers/tf';

/** Forward: |fused − graph| ≤ 1e-5 absolute. Gradients: ≤ 1e-5 · max(1, max |graph gradient|) per tensor (both reach < 1e-6). */
const FORWARD_TOLERANCE = 1e-5;
const GRAD_TOLERANCE = 1e-5;
const STEPS = 3;

interface Case {
  name: string;
  cell: () => RecurrentCell;
  batch: number;
  /** (B, 1) elapsed times, else one (1, 1) shared by the batch. */
  perSample: boolean;
}

interface Run {
  outputs: Float32Array;
  grads: Map<string, Float32Array>;
}

/** loss = Σ_t Σ y_t·R_t + Σ h_T·R_h, with its gradients w.r.t. every parameter, x, h0 and ts. */
function run(cell: RecurrentCell, c: Case, fused: boolean): Run {
  const previous = fusedTraining();
  setFusedTraining(fused);
  try {
    let result: Run | undefined;
    tf.tidy(() => {
      const B = c.batch;
      const seeded = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
      const x = tf.variable(seeded([STEPS, B, cell.inputSize], 1));
      const h0 = tf.variable(tf.mul(seeded([B, cell.stateSize], 2), 0.5));
      const ts = tf.variable(tf.randomUniform(c.perSample ? [B, 1] : [1, 1], 0.5, 2, 'float32', 3));
      const rOut = seeded([STEPS, B, cell.outputSize], 4);
      const rState = seeded([B, cell.stateSize], 5);
      const named = cell.namedTensors().filter((e) => e.trainable);
      const outputs: tf.Tensor[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const xs = tf.unstack(x) as tf.Tensor2D[];
        const rs = tf.unstack(rOut);
        let h = h0 as tf.Tensor as tf.Tensor2D;
        const terms: tf.Tensor[] = [];
        for (let t = 0; t < STEPS; t++) {
          const [y, next] = cell.step(xs[t], h, ts as tf.Tensor2D, false);
          h = next;
          outputs.push(tf.keep(y));
          terms.push(tf.sum(tf.mul(y, rs[t])));
        }
        outputs.push(tf.keep(h));
        terms.push(tf.sum(tf.mul(h, rState)));
        return tf.addN(terms) as tf.Scalar;
      }, [...named.map((e) => e.variable), x, h0, ts]);
      const read = (v: tf.Variable) => Float32Array.from(grads[v.name].dataSync());
      const byName = new Map<string, Float32Array>(named.map((e) => [e.name, read(e.variable)]));
      byName.set('x', read(x));
      byName.set('h0', read(h0));
      byName.set('ts', read(ts));
      const flat = Float32Array.from(outputs.flatMap((o) => Array.from(o.dataSync())));
      tf.dispose([value, outputs, x, h0, ts]);
      result = { outputs: flat, grads: byName };
    });
    return result!;
  } finally {
    setFusedTraining(previous);
  }
}

function check(c: Case): void {
  seedInitializers(7);
  const cell = c.cell();
  seedInitializers(undefined);
  try {
    const graph = run(cell, c, false);
    const fused = run(cell, c, true);
    const forward = maxAbsDiff(fused.outputs, graph.outputs);
    assert.ok(forward <= FORWARD_TOLERANCE, `forward: max |diff| ${forward.toExponential(2)}`);
    assert.deepEqual([...fused.grads.keys()], [...graph.grads.keys()]);
    for (const [name, want] of graph.grads) {
      const got = fused.grads.get(name)!;
      const scale = Math.max(1, ...Array.from(want, Math.abs));
      const diff = maxAbsDiff(got, want);
      assert.ok(diff <= GRAD_TOLERANCE * scale, `d/d${name}: max |diff| ${diff.toExponential(2)} > ${GRAD_TOLERANCE} × ${scale.toPrecision(3)}`);
    }
  } finally {
    cell.dispose();
  }
}

/** Alternates batch 1 / 5 and shared / per-sample elapsed times over the cases. */
function variants(cases: Array<Omit<Case, 'batch' | 'perSample'>>): Case[] {
  return cases.map((c, i) => ({ ...c, batch: i % 2 === 0 ? 5 : 1, perSample: i % 4 < 2 }));
}

const cfcCases = variants([
  ...CFC_MODES.flatMap((mode) =>
    ACTIVATIONS.map((activation) => ({
      name: `CfC ${mode} ${activation}, backbone 1×7`,
      cell: () => new CfCCell(3, 5, { mode, activation, backboneUnits: 7, backboneLayers: 1 }),
    })),
  ),
  ...CFC_MODES.flatMap((mode) => [
    { name: `CfC ${mode}, no backbone`, cell: () => new CfCCell(3, 5, { mode, backboneLayers: 0 }) },
    {
      name: `CfC ${mode} gelu, backbone 2×6 with dropout (inactive: evaluation)`,
      cell: () => new CfCCell(2, 4, { mode, activation: 'gelu', backboneUnits: 6, backboneLayers: 2, backboneDropout: 0.3 }),
    },
    { name: `wired CfC ${mode} (AutoNCP 9/2: masked layers)`, cell: () => new WiredCfCCell(3, new AutoNcpWiring({ units: 9, output_size: 2 }), mode) },
  ]),
  { name: 'CfC default silu, backbone 1×70 (several panels)', cell: () => new CfCCell(17, 40, { activation: 'silu', backboneUnits: 70 }) },
  {
    name: 'CfC default, masked heads, no backbone',
    cell: () => new CfCCell(3, 4, { backboneLayers: 0, sparsityMask: Array.from({ length: 7 }, (_, i) => Array.from({ length: 4 }, (_, j) => ((i + j) % 3 === 0 ? 0 : -1))) }),
  },
]);

const ltcCases = variants([
  ...[true, false].flatMap((softplus) =>
    LTC_MAPPINGS.flatMap((mapping) =>
      [1, 6].map((unfolds) => ({
        name: `LTC ${softplus ? 'softplus' : 'no constraints'}, ${mapping} mappings, ${unfolds} unfold(s)`,
        cell: () =>
          new LTCCell(3, new FullyConnectedWiring({ units: 6, output_dim: 2 }), {
            inputMapping: mapping,
            outputMapping: mapping,
            odeUnfolds: unfolds,
            implicitParamConstraints: softplus,
          }),
      })),
    ),
  ),
  { name: 'LTC on an AutoNCP 10/2 wiring (sparse masks)', cell: () => new LTCCell(4, new AutoNcpWiring({ units: 10, output_size: 2 }), { implicitParamConstraints: true }) },
  { name: 'LTC 37 units, 19 inputs (full and partial vectors)', cell: () => new LTCCell(19, new FullyConnectedWiring({ units: 37, output_dim: 3 }), { implicitParamConstraints: true }) },
]);

const ENGINES = nativeKernels() ? (['native', 'portable'] as const) : (['portable'] as const);
const combinations = (['wasm', 'cpu'] as const).flatMap((backend) => ENGINES.map((engine) => ({ backend, engine })));

for (const { backend, engine } of combinations) {
  // cpu hands out its own buffers on dataSync: the ops must only read them.
  describe(`fused per-step ops (${engine} kernels) against the tfjs graphs on the ${backend} backend`, () => {
    before(async () => {
      await useBackend(backend);
      useNativeKernels(engine === 'native');
    });
    after(async () => {
      useNativeKernels(true);
      await useBackend();
    });

    for (const c of [...cfcCases, ...ltcCases]) {
      it(`${c.name}, batch ${c.batch}, ${c.perSample ? 'per-sample' : 'shared'} ts`, () => check(c));
    }

    it('is on by default and leaks no tensors', () => {
      assert.equal(fusedTraining(), true);
      for (const c of [cfcCases[0], ltcCases[0]]) {
        const cell = c.cell();
        const before = tf.memory().numTensors;
        run(cell, c, true);
        assert.equal(tf.memory().numTensors, before, c.name);
        cell.dispose();
      }
    });
  });
}
