/**
 * Training with the native addon on several threads gives the same numbers on every run: the
 * gradients it sums over chunks of a batch (the LTC step's parameter sums, a convolution's filter
 * gradient) are added up chunk by chunk in a fixed order, and a convolution's input gradient is
 * split by whole frames, so which thread happened to run which chunk does not matter. (Summed per
 * thread, two trainings with the same seed drifted apart.) Skipped where the addon is not built.
 */
import { strict as assert } from 'node:assert';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { nativeKernels } from '../lnn_ros/kernels/native';
import { LTCCell } from '../lnn_ros/model/cells/ltc_cell';
import { ConvEncoder } from '../lnn_ros/model/encoder';
import { seedInitializers } from '../lnn_ros/model/init';
import { FullyConnectedWiring } from '../lnn_ros/model/wirings';
import { useBackend } from './helpers/tf';

const REPEATS = 12;

/** Every gradient of a fixed scalar loss, concatenated. */
function gradients(variables: tf.Variable[], loss: () => tf.Scalar): Float32Array {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(loss, variables);
    value.dispose();
    return Float32Array.from(variables.flatMap((v) => Array.from(grads[v.name].dataSync())));
  });
}

/** How many of `REPEATS` runs differ in any bit from the first. */
function differingRuns(run: () => Float32Array): number {
  const first = run();
  let differing = 0;
  for (let i = 1; i < REPEATS; i++) {
    const again = run();
    if (again.some((v, k) => !Object.is(v, first[k]))) differing++;
  }
  return differing;
}

describe('native kernels on several threads', function () {
  const addon = nativeKernels();
  before(async function () {
    if (!addon) this.skip();
    await useBackend('wasm');
    addon.setThreads(2);
  });
  after(() => addon?.setThreads(os.availableParallelism()));

  it('give bit-identical LTC gradients on every run', () => {
    seedInitializers(3);
    const cell = new LTCCell(17, new FullyConnectedWiring({ units: 48, output_dim: 4 }), { implicitParamConstraints: true });
    seedInitializers(undefined);
    const batch = 128;
    const x = tf.randomNormal([4, batch, 17], 0, 1, 'float32', 1);
    const ts = tf.fill([batch, 1], 0.1);
    const variables = cell.namedTensors().filter((e) => e.trainable).map((e) => e.variable);
    const loss = () => {
      let h = tf.zeros([batch, cell.stateSize]) as tf.Tensor2D;
      const terms: tf.Tensor[] = [];
      for (const xt of tf.unstack(x) as tf.Tensor2D[]) {
        const [y, next] = cell.step(xt, h, ts as tf.Tensor2D);
        h = next;
        terms.push(tf.sum(tf.mul(y, y)));
      }
      return tf.addN(terms) as tf.Scalar;
    };
    assert.equal(differingRuns(() => gradients(variables, loss)), 0);
    tf.dispose([x, ts]);
    cell.dispose();
  });

  it('give bit-identical convolution gradients (filters and inputs) on every run', () => {
    seedInitializers(4);
    const encoder = new ConvEncoder({ inputShape: [24, 64, 3], conv: [{ filters: 8, kernel: 5, stride: 2 }, { filters: 16, kernel: 3, stride: 2 }, { filters: 40, kernel: 3, stride: 1 }], features: 16 });
    seedInitializers(undefined);
    const frames = tf.randomUniform([64, 24, 64, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const variables = encoder.namedTensors().filter((e) => e.trainable).map((e) => e.variable);
    const loss = () => tf.sum(tf.square(encoder.forward(frames))) as tf.Scalar;
    assert.equal(differingRuns(() => gradients(variables, loss)), 0);
    frames.dispose();
    encoder.dispose();
  });
});
