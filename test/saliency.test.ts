/**
 * Saliency maps on constructed encoders whose answer is known: VisualBackProp's arithmetic on a
 * one-layer stack, its mass on the only bright patch, the gradient of an encoder whose head reads
 * one half of the frame only, and the runner's contract (same features with or without a map).
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import { ConvEncoder } from '../lnn_ros/model/encoder';
import { seedInitializers } from '../lnn_ros/model/init';
import { parseModelConfig } from '../lnn_ros/model/model_config';
import { Policy } from '../lnn_ros/model/policy';
import { PolicyRunner } from '../lnn_ros/model/policy_runner';
import { steeringOutput, VisualBackProp } from '../lnn_ros/model/saliency';
import { overlayScale, saliencyOverlay } from '../lnn_ros/io/saliency_overlay';
import { useBackend } from './helpers/tf';

/** VisualBackProp of `frame` through `encoder`, as PolicyRunner computes it. */
function vbp(encoder: ConvEncoder, frame: Float32Array): Float32Array {
  const v = new VisualBackProp(encoder);
  const [h, w, c] = encoder.inputShape;
  tf.tidy(() => v.meanMaps.set(encoder.forwardWithMeanMaps(tf.tensor4d(frame, [1, h, w, c])).meanMaps.dataSync()));
  const out = new Float32Array(h * w);
  v.compute(out);
  return out;
}

/** Sum of `map` over rows [r0, r1) and columns [c0, c1) of a `width`-wide map. */
function mass(map: Float32Array, width: number, [r0, r1]: [number, number], [c0, c1]: [number, number]): number {
  let s = 0;
  for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) s += map[r * width + c];
  return s;
}

function tinyPolicy(image: [number, number, number], conv: Array<{ filters: number; kernel: number; stride: number }>): Policy {
  seedInitializers(3);
  const policy = Policy.create(
    {
      format: 'lnn_ros_policy', image, encoder: { conv, features: 4, activation: 'relu' }, vector: { size: 1, mean: [0], std: [1] },
      outputs: { names: ['linear.x', 'angular.z'], mean: [0, 0], std: [1, 1] }, inputs: null,
    },
    parseModelConfig({ format: 'ncps', class: 'CfC', input_size: 5, units: 6, proj_size: 2 }),
  );
  seedInitializers(undefined);
  return policy;
}

describe('saliency maps', function () {
  this.timeout(60000);
  before(() => useBackend());

  it('VisualBackProp of a one-layer all-ones stack spreads each block sum back over its block', () => {
    const encoder = new ConvEncoder({ inputShape: [4, 4, 1], conv: [{ filters: 1, kernel: 2, stride: 2 }], features: null });
    encoder.layers[0].weight.assign(tf.ones([2, 2, 1, 1]));
    encoder.layers[0].bias.assign(tf.zeros([1]));
    // Block sums: top-left 4, top-right 2, bottom-left 0, bottom-right 1.
    const frame = Float32Array.from([1, 1, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
    const expected = [1, 1, 0.5, 0.5, 1, 1, 0.5, 0.5, 0, 0, 0.25, 0.25, 0, 0, 0.25, 0.25];
    assert.deepEqual(Array.from(vbp(encoder, frame)), expected);
    encoder.dispose();
  });

  it('VisualBackProp puts the mass of a deep stack on the only bright patch', () => {
    const encoder = new ConvEncoder({ inputShape: [24, 64, 3], conv: [{ filters: 4, kernel: 5, stride: 2 }, { filters: 4, kernel: 3, stride: 2 }, { filters: 4, kernel: 3, stride: 1, padding: 'same' }], features: null });
    for (const l of encoder.layers) {
      l.weight.assign(tf.fill(l.weight.shape, 0.1));
      l.bias.assign(tf.zeros(l.bias.shape));
    }
    const frame = new Float32Array(24 * 64 * 3);
    for (let r = 8; r < 16; r++) for (let c = 40; c < 52; c++) frame.fill(1, (r * 64 + c) * 3, (r * 64 + c + 1) * 3);
    const map = vbp(encoder, frame);
    const total = mass(map, 64, [0, 24], [0, 64]);
    // The patch and the reach of the stack's kernels around it (5 + 2·3 + 4·3 pixels at most).
    assert.ok(mass(map, 64, [4, 20], [36, 56]) / total > 0.95, `${mass(map, 64, [4, 20], [36, 56]) / total}`);
    assert.equal(Math.max(...map), 1);
    assert.equal(mass(map, 64, [0, 24], [0, 24]), 0, 'nothing far from the patch');
    encoder.dispose();
  });

  it('the gradient map of an encoder whose head reads the left half only has no mass on the right; VisualBackProp, blind to the head, has', () => {
    const policy = tinyPolicy([8, 16, 1], [{ filters: 2, kernel: 3, stride: 1 }]);
    const encoder = policy.encoder!;
    // Conv output 6×14×2, flattened (h, w, c): the head keeps conv columns 0–4, i.e. frame columns 0–6.
    const mask = new Float32Array(4 * encoder.flatSize);
    for (let o = 0; o < 4; o++) for (let i = 0; i < encoder.flatSize; i++) mask[o * encoder.flatSize + i] = Math.floor(i / 2) % 14 < 5 ? 1 : 0;
    const head = encoder.head!.weight;
    head.assign(tf.mul(head, tf.tensor2d(mask, [4, encoder.flatSize])));
    const frame = Float32Array.from({ length: 8 * 16 }, (_, i) => 0.5 + 0.4 * Math.sin(i * 1.7));
    const runner = new PolicyRunner(policy);
    runner.setVector([0.2]);
    for (const method of ['gradient', 'visual_backprop'] as const) {
      runner.setImage(frame);
      runner.step(0.05); // a state that is not zero
      runner.setImage(frame, method);
      runner.step(0.05);
      const map = new Float32Array(8 * 16);
      runner.saliency(map);
      const right = mass(map, 16, [0, 8], [7, 16]);
      if (method === 'gradient') {
        assert.equal(right, 0, 'the steering output cannot depend on columns 7–15');
        assert.ok(mass(map, 16, [0, 8], [0, 7]) > 0);
      } else {
        assert.ok(right > 0, 'VisualBackProp follows the activations, not the head');
      }
    }
    policy.dispose();
  });

  it('a map comes from the same encoder pass: the commands are those of a runner without maps', () => {
    const policy = tinyPolicy([12, 20, 3], [{ filters: 3, kernel: 3, stride: 2 }, { filters: 3, kernel: 3, stride: 1 }]);
    const plain = new PolicyRunner(policy);
    const mapped = new PolicyRunner(policy);
    for (const r of [plain, mapped]) r.setVector([0.1]);
    const map = new Float32Array(12 * 20);
    const tensors = tf.memory().numTensors;
    for (let k = 0; k < 4; k++) {
      const frame = Float32Array.from({ length: 12 * 20 * 3 }, (_, i) => Math.cos(i * 0.3 + k));
      plain.setImage(frame);
      mapped.setImage(frame, k % 2 ? 'gradient' : 'visual_backprop');
      assert.deepEqual(Array.from(mapped.step(0.05)), Array.from(plain.step(0.05)));
      mapped.saliency(map);
      assert.ok(Math.max(...map) === 1 && Math.min(...map) >= 0);
    }
    assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind');
    // A second step on the same frame has no map of its own.
    mapped.step(0.05);
    assert.throws(() => mapped.saliency(map), /no saliency map was asked for with the frame of the last step/);
    assert.equal(steeringOutput(policy.config.outputs.names), 1);
    assert.equal(steeringOutput(['drive.speed', 'drive.steering_angle']), 1);
    assert.equal(steeringOutput(['throttle']), 0);
    policy.dispose();
  });

  it('draws the map over its frame in whole-pixel blocks: the frame where the map is 0, heat where it is 1', () => {
    assert.equal(overlayScale(64), 5);
    assert.equal(overlayScale(640), 1);
    const rgb = Uint8Array.from([10, 20, 30, 10, 20, 30]); // 2×1
    const out = new Uint8Array(2 * 3 * 1 * 3 * 3);
    saliencyOverlay(rgb, Float32Array.of(0, 1), 2, 1, 3, out);
    const pixel = (x: number, y: number) => Array.from(out.subarray((y * 6 + x) * 3, (y * 6 + x) * 3 + 3));
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 3; x++) assert.deepEqual(pixel(x, y), [10, 20, 30]);
      // 75 % white over the frame.
      for (let x = 3; x < 6; x++) assert.deepEqual(pixel(x, y), [194, 196, 199]);
    }
  });
});
