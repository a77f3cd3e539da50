/** Initialisers with the distributions ncps uses (torch's xavier_uniform_, nn.Linear defaults). */
import * as tf from '@tensorflow/tfjs-core';

let seedState: number | undefined;

/** Makes every later initialiser deterministic (a training run's `seed`); undefined: unseeded. */
export function seedInitializers(seed: number | undefined): void {
  seedState = seed;
}

/** The next seed of a small LCG, so consecutive initialisers draw different values. */
function nextSeed(): number | undefined {
  if (seedState === undefined) return undefined;
  seedState = (Math.imul(seedState, 1103515245) + 12345) >>> 1;
  return seedState;
}

export function uniform(shape: number[], low: number, high: number): tf.Tensor {
  return tf.randomUniform(shape, low, high, 'float32', nextSeed());
}

/** torch.nn.init.xavier_uniform_ for a (out, in) matrix. */
export function xavierUniform(shape: [number, number]): tf.Tensor {
  const bound = Math.sqrt(6 / (shape[0] + shape[1]));
  return uniform(shape, -bound, bound);
}

/** nn.Linear's default bias: U(±1/sqrt(fan_in)). */
export function linearBias(outFeatures: number, inFeatures: number): tf.Tensor {
  const bound = 1 / Math.sqrt(inFeatures);
  return uniform([outFeatures], -bound, bound);
}

/** torch.nn.init.orthogonal_ (QR of a Gaussian matrix, sign-corrected). */
export function orthogonal(shape: [number, number]): tf.Tensor {
  return tf.tidy(() => {
    const [rows, cols] = shape;
    const transposed = rows < cols;
    const g = tf.randomNormal(transposed ? [cols, rows] : [rows, cols], 0, 1, 'float32', nextSeed());
    const [q, r] = tf.linalg.qr(g);
    // Sign-correct by the diagonal of R so the result is uniform over orthogonal matrices.
    const diagonal = tf.sum(tf.mul(r, tf.eye(r.shape[0], r.shape[1])), 0);
    const signed = tf.mul(q, tf.reshape(tf.sign(diagonal), [1, -1]));
    return transposed ? tf.transpose(signed) : signed;
  });
}
