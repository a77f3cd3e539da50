/** torch.nn.Linear: weight (out, in), bias (out); y = x W^T + b. */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';
import { linearBias, xavierUniform } from './init';

export interface LinearOptions {
  /** Default true, as in torch. */
  bias?: boolean;
  /** Weight initialiser; defaults to xavier_uniform_, which every ncps module applies to its 2-D weights. */
  init?: (shape: [number, number]) => tf.Tensor;
  /** Bias initialiser; defaults to nn.Linear's U(±1/sqrt(in)). */
  biasInit?: (outFeatures: number, inFeatures: number) => tf.Tensor;
}

export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    this.weight = this.register('weight', (options.init ?? xavierUniform)([outFeatures, inFeatures]));
    this.bias = options.bias === false ? null : this.register('bias', (options.biasInit ?? linearBias)(outFeatures, inFeatures));
  }

  /** `mask` (same shape as the weight) zeroes pruned synapses, as ncps's sparsity_mask does. */
  apply(x: tf.Tensor2D, mask?: tf.Tensor): tf.Tensor2D {
    const weight = mask ? tf.mul(this.weight, mask) : this.weight;
    const y = tf.matMul(x, weight as tf.Tensor2D, false, true) as tf.Tensor2D;
    return this.bias ? tf.add(y, this.bias) : y;
  }
}
