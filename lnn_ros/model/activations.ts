/** The backbone activations of ncps's CfCCell, with torch's exact definitions. */
import * as tf from '@tensorflow/tfjs-core';

export const ACTIVATIONS = ['lecun_tanh', 'silu', 'relu', 'tanh', 'gelu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** ncps's LeCun: 1.7159·tanh(0.666·x) — 0.666, not 2/3. */
const LECUN_SCALE = 1.7159;
const LECUN_SLOPE = 0.666;

export function activation(name: Activation): (x: tf.Tensor) => tf.Tensor {
  switch (name) {
    case 'lecun_tanh':
      return (x) => tf.mul(tf.tanh(tf.mul(x, LECUN_SLOPE)), LECUN_SCALE);
    case 'silu':
      return (x) => tf.mul(x, tf.sigmoid(x));
    case 'relu':
      return (x) => tf.relu(x);
    case 'tanh':
      return (x) => tf.tanh(x);
    case 'gelu':
      // torch's default nn.GELU is the exact erf form, not the tanh approximation.
      return (x) => tf.mul(tf.mul(x, tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)), 0.5);
  }
}

/**
 * torch.nn.Softplus(beta=1, threshold=20) returns x above 20; tfjs's softplus switches to x a
 * little lower, where log1p(exp(x)) and x agree to float32 precision anyway — and it has a gradient.
 */
export function softplus(x: tf.Tensor): tf.Tensor {
  return tf.softplus(x);
}
