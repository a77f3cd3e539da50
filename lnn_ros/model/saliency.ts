/**
 * Where a policy's CNN encoder looks, as a map over its input frame (height × width, the largest
 * value 1):
 *
 * - `visual_backprop` (Bojarski et al. 2017, "VisualBackProp"): each conv layer's activations
 *   averaged over its channels; starting from the deepest, the map is scaled up to the layer
 *   below by a deconvolution with that layer's kernel size and stride, all weights 1, and
 *   multiplied point by point with that layer's mean map, down to the input. Forward activations
 *   only, taken from the pass that produces the features, so it is cheap enough to run live. It
 *   shows which pixels drive the encoder's strongest activations, whatever the outputs do with them.
 * - `gradient`: |∂ command / ∂ pixel| summed over colour channels, through the encoder and one
 *   step of the recurrent core from its current state (tfjs autodiff). It shows which pixels the
 *   commanded output is most sensitive to at this moment; a backward pass per frame, slower.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors';
import { ConvEncoder } from './encoder';
import type { Policy } from './policy';

export const SALIENCY_METHODS = ['visual_backprop', 'gradient'] as const;
export type SaliencyMethod = (typeof SALIENCY_METHODS)[number];

/** The output a gradient map explains: the steering command (angular.z or steering_angle) when the policy has one, else its first output. */
export function steeringOutput(names: readonly string[]): number {
  const i = names.findIndex((n) => /(^|\.)(angular\.z|steering_angle)$/.test(n));
  return i < 0 ? 0 : i;
}

interface LayerGeometry {
  /** This layer's output grid, and where its mean map starts in `meanMaps`. */
  height: number;
  width: number;
  offset: number;
  /** The grid it reads (the layer below's output, or the frame). */
  inHeight: number;
  inWidth: number;
  kernel: number;
  stride: number;
  /** Rows / columns of implicit zero padding before the first input pixel ('same' padding). */
  padTop: number;
  padLeft: number;
}

/** VisualBackProp over an encoder's geometry; buffers allocated once, so `compute` allocates nothing. */
export class VisualBackProp {
  /** Each layer's channel-mean map, row-major, first layer first: filled by the caller from `forwardWithMeanMaps`. */
  readonly meanMaps: Float32Array;
  readonly height: number;
  readonly width: number;
  private readonly layers: LayerGeometry[];
  private readonly scratch: [Float32Array, Float32Array];

  constructor(encoder: ConvEncoder) {
    [this.height, this.width] = encoder.inputShape;
    let offset = 0;
    let [inHeight, inWidth] = encoder.inputShape;
    this.layers = encoder.layers.map((l) => {
      const [height, width] = l.outShape;
      const pad = (out: number, size: number) => (l.padding === 'same' ? Math.floor(Math.max((out - 1) * l.stride + l.kernel - size, 0) / 2) : 0);
      const g = { height, width, offset, inHeight, inWidth, kernel: l.kernel, stride: l.stride, padTop: pad(height, inHeight), padLeft: pad(width, inWidth) };
      offset += height * width;
      [inHeight, inWidth] = [height, width];
      return g;
    });
    this.meanMaps = new Float32Array(offset);
    const largest = Math.max(...this.layers.map((g) => g.inHeight * g.inWidth));
    this.scratch = [new Float32Array(largest), new Float32Array(largest)];
  }

  /** Writes the map (height × width of the frame, max 1; all zero when no activation survives) into `out`. */
  compute(out: Float32Array): void {
    if (out.length !== this.height * this.width) throw new RangeError(`saliency buffer holds ${out.length} values, expected ${this.height}×${this.width}`);
    const deepest = this.layers[this.layers.length - 1];
    let current = this.scratch[0];
    // Negative means (elu, tanh encoders) carry no attention: clipped at zero, as ReLU maps are.
    for (let i = 0; i < deepest.height * deepest.width; i++) current[i] = Math.max(0, this.meanMaps[deepest.offset + i]);
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const g = this.layers[l];
      const target = l === 0 ? out : current === this.scratch[0] ? this.scratch[1] : this.scratch[0];
      scaleUp(current, g, target);
      if (l > 0) {
        const below = this.layers[l - 1];
        for (let i = 0; i < below.height * below.width; i++) target[i] *= Math.max(0, this.meanMaps[below.offset + i]);
      }
      current = target;
    }
    normaliseToMax(out);
  }
}

/** Deconvolution with an all-ones kernel of the layer's size and stride: each value spread over the pixels it was computed from. */
function scaleUp(map: Float32Array, g: LayerGeometry, out: Float32Array): void {
  out.fill(0, 0, g.inHeight * g.inWidth);
  for (let i = 0; i < g.height; i++) {
    for (let j = 0; j < g.width; j++) {
      const v = map[i * g.width + j];
      if (v === 0) continue;
      for (let a = 0; a < g.kernel; a++) {
        const r = i * g.stride - g.padTop + a;
        if (r < 0 || r >= g.inHeight) continue;
        for (let b = 0; b < g.kernel; b++) {
          const c = j * g.stride - g.padLeft + b;
          if (c >= 0 && c < g.inWidth) out[r * g.inWidth + c] += v;
        }
      }
    }
  }
}

function normaliseToMax(map: Float32Array): void {
  let max = 0;
  for (let i = 0; i < map.length; i++) max = Math.max(max, map[i]);
  if (max > 0) for (let i = 0; i < map.length; i++) map[i] /= max;
  else map.fill(0);
}

export interface GradientInputs {
  /** The preprocessed frame (float32 HWC of the policy's image shape). */
  frame: Float32Array;
  /** The rnn's whole feature vector for this step (embedding, then the normalised other features). */
  features: Float32Array;
  /** The recurrent state before the step (ncps layout). */
  state: Float32Array;
  dt: number;
  /** Index of the explained output (see steeringOutput). */
  output: number;
}

/** The gradient map (see the file comment) into `out` (height × width of the frame, max 1). */
export function gradientSaliency(policy: Policy, inputs: GradientInputs, out: Float32Array): void {
  const encoder = policy.encoder;
  if (!encoder) throw new InputError('saliency needs a policy with a camera');
  const rnn = policy.rnn;
  // The streaming state holds the core's state only; a mixed-memory LSTM's cell state is not in it.
  if (rnn.lstm) throw new InputError('gradient saliency does not support mixed-memory policies; use visual_backprop');
  const [h, w, c] = encoder.inputShape;
  if (out.length !== h * w) throw new RangeError(`saliency buffer holds ${out.length} values, expected ${h}×${w}`);
  const gradient = tf.tidy(() => {
    const rest = tf.tensor2d(inputs.features.subarray(encoder.outputSize), [1, inputs.features.length - encoder.outputSize]);
    const state = tf.tensor2d(inputs.state, [1, rnn.stateSize]);
    const dt = tf.tensor2d([[inputs.dt]]);
    const commanded = (x: tf.Tensor) => {
      const embedding = encoder.forward(x as tf.Tensor4D);
      const features = rest.shape[1] > 0 ? tf.concat([embedding, rest], 1) : embedding;
      const [y] = rnn.cell.step(features as tf.Tensor2D, state, dt);
      const projected = rnn.fc ? rnn.fc.apply(y) : y;
      return tf.sum(tf.slice(projected, [0, inputs.output], [1, 1]));
    };
    return tf.sum(tf.abs(tf.grad(commanded)(tf.tensor4d(inputs.frame, [1, h, w, c]))), 3);
  });
  out.set(gradient.dataSync());
  gradient.dispose();
  normaliseToMax(out);
}
