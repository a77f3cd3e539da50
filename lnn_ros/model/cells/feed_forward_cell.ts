/**
 * The feed-forward baseline as a sequence-model cell: an MLP from each step's features to its
 * output, with no state and no notion of elapsed time. Carried through the same wrapper (empty
 * state) so that it trains, saves and streams like CfC, LTC and the LSTM; a robustness
 * comparison then differs in the memory alone.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Activation, activation } from '../activations';
import { Linear } from '../linear';
import { Module } from '../module';
import { RecurrentCell } from './recurrent_cell';

export class FeedForwardCell extends Module implements RecurrentCell {
  readonly layers: Linear[] = [];
  readonly stateSize = 0;
  readonly outputSize: number;
  private readonly activate: (x: tf.Tensor) => tf.Tensor;

  /** `layers` hidden layers of `units`, each followed by `activationName`. */
  constructor(
    readonly inputSize: number,
    readonly units: number,
    layers: number,
    readonly activationName: Activation,
  ) {
    super();
    for (let l = 0; l < layers; l++) this.layers.push(this.submodule(String(l), new Linear(l === 0 ? inputSize : units, units)));
    this.outputSize = units;
    this.activate = activation(activationName);
  }

  /** The state (B, 0) passes through untouched; `ts` is ignored. */
  step(x: tf.Tensor2D, state: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
    let y = x;
    for (const layer of this.layers) y = this.activate(layer.apply(y)) as tf.Tensor2D;
    return [y, state];
  }
}
