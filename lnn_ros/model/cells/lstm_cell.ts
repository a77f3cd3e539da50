/** ncps's mixed-memory LSTMCell: run in front of the CfC/LTC cell, its output becomes that cell's state. */
import * as tf from '@tensorflow/tfjs-core';
import { orthogonal, uniform } from '../init';
import { Linear } from '../linear';
import { Module } from '../module';

const biasInit = (out: number) => uniform([out], -0.1, 0.1);

export class LSTMCell extends Module {
  readonly inputMap: Linear;
  readonly recurrentMap: Linear;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
  ) {
    super();
    this.inputMap = this.submodule('input_map', new Linear(inputSize, 4 * hiddenSize, { biasInit }));
    this.recurrentMap = this.submodule('recurrent_map', new Linear(hiddenSize, 4 * hiddenSize, { bias: false, init: orthogonal }));
  }

  /** x (B, I), h and c (B, H) → [h', c']. */
  step(x: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
    const z = tf.add(this.inputMap.apply(x), this.recurrentMap.apply(h));
    const [i, ig, fg, og] = tf.split(z, 4, 1);
    const nextC = tf.add(tf.mul(c, tf.sigmoid(tf.add(fg, 1))), tf.mul(tf.tanh(i), tf.sigmoid(ig)));
    const nextH = tf.mul(tf.tanh(nextC), tf.sigmoid(og));
    return [nextH as tf.Tensor2D, nextC as tf.Tensor2D];
  }
}
