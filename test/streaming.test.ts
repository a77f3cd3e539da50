/** The batch-1 streaming API: step-by-step equals the sequence run, and bad steps are refused. */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadModelDir } from '../lnn_ros/model/model_dir';
import { TfjsStreamingPolicy } from '../lnn_ros/model/streaming';
import { maxAbsDiff, useBackend } from './helpers/tf';

const CASES = ['cfc_default_lecun_tanh', 'wired_cfc_mixed_memory_proj', 'ltc_ncp', 'ltc_mixed_memory'];

describe('streaming policy (tfjs)', () => {
  before(() => useBackend());

  for (const name of CASES) {
    it(`${name}: step(x, dt) reproduces the sequence forward with per-step timespans`, () => {
      const model = loadModelDir(path.join(__dirname, 'fixtures', 'ncps', name));
      const steps = 7;
      const xs = Array.from({ length: steps }, (_, t) => Array.from({ length: model.inputSize }, (_, i) => Math.sin(t + 2 * i)));
      const dts = Array.from({ length: steps }, (_, t) => 0.05 + 0.3 * ((t * 7) % 5));
      const policy = new TfjsStreamingPolicy(model);
      const streamed = xs.map((x, t) => Array.from(policy.step(x, dts[t])));
      const reference = tf.tidy(() => {
        const { output, h } = model.forward(tf.tensor3d([xs]), { timespans: tf.tensor1d(dts) });
        return { output: output.arraySync() as number[][][], h: Array.from(h.dataSync()) };
      });
      if (model.config.return_sequences) assert.ok(maxAbsDiff(streamed.flat(), reference.output[0].flat()) < 1e-5);
      assert.ok(maxAbsDiff(policy.state(), reference.h) < 1e-5);

      policy.reset();
      assert.ok(policy.state().every((v) => v === 0));
      assert.ok(maxAbsDiff(policy.step(xs[0], dts[0]), streamed[0]) < 1e-6);
      model.dispose();
    });
  }

  it('refuses wrong sizes, non-finite features and non-positive dt without touching the state', () => {
    const model = loadModelDir(path.join(__dirname, 'fixtures', 'ncps', 'ltc_ncp'));
    const policy = new TfjsStreamingPolicy(model);
    policy.step([0.1, 0.2, 0.3], 0.1);
    const state = policy.state();
    assert.throws(() => policy.step([1, 2], 0.1), /expected 3 input features, got 2/);
    assert.throws(() => policy.step([1, NaN, 2], 0.1), /input feature 1 is NaN/);
    assert.throws(() => policy.step([1, 2, 3], 0), /dt must be a finite number of seconds > 0, got 0/);
    assert.throws(() => policy.step([1, 2, 3], -0.5), /got -0\.5/);
    assert.deepEqual(policy.state(), state);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) policy.step([0.1, 0.2, 0.3], 0.1);
    assert.equal(tf.memory().numTensors, before, 'a step must not leak tensors');
    model.dispose();
  });
});
