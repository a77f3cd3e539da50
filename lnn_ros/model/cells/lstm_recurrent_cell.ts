/**
 * The LSTM baseline as a sequence-model cell: ncps's LSTMCell with its (h, c) carried as one
 * state vector [h | c], so it trains and streams through the same wrapper as CfC and LTC.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module';
import { LSTMCell } from './lstm_cell';
import { RecurrentCell } from './recurrent_cell';

export class LSTMRecurrentCell extends Module implements RecurrentCell {
  readonly lstm: LSTMCell;
  readonly stateSize: number;
  readonly outputSize: number;

  constructor(
    readonly inputSize: number,
    readonly units: number,
  ) {
    super();
    this.lstm = this.submodule('lstm', new LSTMCell(inputSize, units));
    this.stateSize = 2 * units;
    this.outputSize = units;
  }

  step(x: tf.Tensor2D, state: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
    const [h, c] = tf.split(state, 2, 1) as tf.Tensor2D[];
    const [nextH, nextC] = this.lstm.step(x, h, c);
    return [nextH, tf.concat([nextH, nextC], 1)];
  }
}
