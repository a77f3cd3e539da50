/**
 * The ncps CfC / LTC sequence wrappers as one class (also carrying the LSTM and feed-forward
 * baselines): optional mixed-memory LSTM in front, the cell stepped over time with per-step
 * elapsed times, optional projection (CfC proj_size).
 * Module names (rnn_cell, lstm, fc) are ncps's state_dict prefixes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CfCCell } from './cells/cfc_cell';
import { FeedForwardCell } from './cells/feed_forward_cell';
import { LSTMCell } from './cells/lstm_cell';
import { LSTMRecurrentCell } from './cells/lstm_recurrent_cell';
import { LTCCell } from './cells/ltc_cell';
import { RecurrentCell } from './cells/recurrent_cell';
import { WiredCfCCell } from './cells/wired_cfc_cell';
import { Linear } from './linear';
import { ModelConfig } from './model_config';
import { Module } from './module';
import { FullyConnectedWiring, wiringFromConfig } from './wirings';
import { InputError } from '../errors';

export interface SequenceInputs {
  /** Initial state (B, stateSize); zeros when absent. */
  hx?: tf.Tensor2D;
  /** Initial LSTM cell state (B, stateSize), mixed memory only; zeros when absent. */
  cx?: tf.Tensor2D;
  /**
   * Elapsed time before each step: (T) shared by the batch, or (B, T) per sample — (T, B) when
   * batch_first is false. 1.0 everywhere when absent.
   */
  timespans?: tf.Tensor;
  /** Enables backbone dropout. */
  training?: boolean;
}

export interface SequenceOutputs {
  /** (B, T, out) — (T, B, out) when not batch_first — or (B, out) without return_sequences. */
  output: tf.Tensor;
  /** Final state (B, stateSize), never projected. */
  h: tf.Tensor2D;
  /** Final LSTM cell state, mixed memory only. */
  c: tf.Tensor2D | null;
}

function createCell(config: ModelConfig, file?: string): RecurrentCell {
  if (config.class === 'LSTM') return new LSTMRecurrentCell(config.input_size, config.units);
  if (config.class === 'FeedForward') return new FeedForwardCell(config.input_size, config.units, config.layers, config.activation);
  const wiring =
    typeof config.units === 'number'
      ? config.class === 'LTC'
        ? new FullyConnectedWiring({ units: config.units })
        : null
      : wiringFromConfig(config.units, file);
  if (config.class === 'LTC') {
    return new LTCCell(config.input_size, wiring!, {
      inputMapping: config.input_mapping,
      outputMapping: config.output_mapping,
      odeUnfolds: config.ode_unfolds,
      epsilon: config.epsilon,
      implicitParamConstraints: config.implicit_param_constraints,
    });
  }
  if (wiring) return new WiredCfCCell(config.input_size, wiring, config.mode);
  return new CfCCell(config.input_size, config.units as number, {
    mode: config.mode,
    activation: config.activation,
    backboneUnits: config.backbone_units ?? undefined,
    backboneLayers: config.backbone_layers ?? undefined,
    backboneDropout: config.backbone_dropout ?? undefined,
  });
}

export class SequenceModel extends Module {
  readonly cell: RecurrentCell;
  readonly lstm: LSTMCell | null;
  readonly fc: Linear | null;
  /** Features per output step. */
  readonly outputSize: number;

  constructor(
    readonly config: ModelConfig,
    file?: string,
  ) {
    super();
    this.cell = this.submodule('rnn_cell', createCell(config, file));
    this.lstm = config.mixed_memory ? this.submodule('lstm', new LSTMCell(config.input_size, this.cell.stateSize)) : null;
    const projSize = config.class === 'LTC' ? null : config.proj_size;
    this.fc = projSize !== null ? this.submodule('fc', new Linear(this.cell.outputSize, projSize)) : null;
    this.outputSize = projSize ?? this.cell.outputSize;
  }

  get stateSize(): number {
    return this.cell.stateSize;
  }

  get inputSize(): number {
    return this.config.input_size;
  }

  /** x: (B, T, I), or (T, B, I) when batch_first is false. Runs inside the caller's tidy scope. */
  forward(x: tf.Tensor3D, inputs: SequenceInputs = {}): SequenceOutputs {
    const batchFirst = this.config.batch_first;
    const batch = x.shape[batchFirst ? 0 : 1];
    const steps = x.shape[batchFirst ? 1 : 0];
    if (steps === 0) throw new InputError('the input sequence has no time steps');
    const ts = windowTimespans(inputs.timespans, batch, steps, batchFirst);
    const h0 = inputs.hx ?? tf.zeros([batch, this.stateSize]);
    // Without mixed memory a cell with a window path takes every step in one op.
    const window = this.lstm ? null : (this.cell.sequence?.(batchFirst ? x : (tf.transpose(x, [1, 0, 2]) as tf.Tensor3D), h0, ts, inputs.training) ?? null);
    if (window) {
      const { output, h } = window;
      if (this.config.return_sequences) return { output: this.projectSequence(batchFirst ? output : (tf.transpose(output, [1, 0, 2]) as tf.Tensor3D)), h, c: null };
      const features = this.cell.outputSize;
      return { output: this.project(tf.reshape(tf.slice(output, [0, steps - 1, 0], [batch, 1, features]), [batch, features]) as tf.Tensor2D), h, c: null };
    }
    const xs = tf.unstack(x, batchFirst ? 1 : 0) as tf.Tensor2D[];
    const tsSteps = tf.unstack(ts, 1).map((t) => tf.reshape(t, [ts.shape[0], 1]) as tf.Tensor2D);
    let h = h0;
    let c = this.lstm ? (inputs.cx ?? tf.zeros([batch, this.stateSize])) : null;
    const outputs: tf.Tensor2D[] = [];
    let last = h;
    for (let t = 0; t < steps; t++) {
      // Mixed memory: the LSTM's output becomes the cell's state; the cell still sees raw x_t.
      if (this.lstm) [h, c] = this.lstm.step(xs[t], h, c as tf.Tensor2D);
      [last, h] = this.cell.step(xs[t], h, tsSteps[t], inputs.training);
      if (this.config.return_sequences) outputs.push(last);
    }
    const output = this.config.return_sequences ? this.projectSequence(tf.stack(outputs, batchFirst ? 1 : 0) as tf.Tensor3D) : this.project(last);
    return { output, h, c };
  }

  private project(y: tf.Tensor2D): tf.Tensor2D {
    return this.fc ? this.fc.apply(y) : y;
  }

  /** All steps through the projection as one matmul: T small ones cost T times tfjs's per-op overhead, forward and backward. */
  private projectSequence(y: tf.Tensor3D): tf.Tensor3D {
    if (!this.fc) return y;
    const [a, b, features] = y.shape;
    return tf.reshape(this.fc.apply(tf.reshape(y, [a * b, features])), [a, b, this.outputSize]);
  }
}

/** The window's elapsed times as (B, T) per sample or (1, T) shared, from the (T), (B, T) or (T, B) forms. */
function windowTimespans(timespans: tf.Tensor | undefined, batch: number, steps: number, batchFirst: boolean): tf.Tensor2D {
  if (timespans === undefined) return tf.ones([1, steps]); // broadcasts over the batch
  if (timespans.rank === 1) {
    if (timespans.shape[0] !== steps) throw new InputError(`timespans has ${timespans.shape[0]} steps, the input ${steps}`);
    return tf.reshape(timespans, [1, steps]);
  }
  const perSample = batchFirst ? timespans : tf.transpose(timespans);
  if (perSample.rank !== 2 || perSample.shape[0] !== batch || perSample.shape[1] !== steps) {
    throw new InputError(`timespans has shape [${timespans.shape}], expected [${steps}] or [${batchFirst ? `${batch}, ${steps}` : `${steps}, ${batch}`}]`);
  }
  return perSample as tf.Tensor2D;
}
