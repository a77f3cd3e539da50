/**
 * ncps CfCCell (torch flavour): closed-form continuous-time cell with a backbone MLP and three
 * modes. Weights and names follow ncps/torch/cfc_cell.py so checkpoints load unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { cfcSequenceOp } from '../../kernels/fused_cfc_sequence';
import { fusedTraining } from '../../kernels/fused_ops';
import { Activation, activation } from '../activations';
import { uniform } from '../init';
import { Linear } from '../linear';
import { Module } from '../module';
import { CellWindow, RecurrentCell } from './recurrent_cell';

export const CFC_MODES = ['default', 'pure', 'no_gate'] as const;
export type CfCMode = (typeof CFC_MODES)[number];

export interface CfCCellOptions {
  /** default (gated interpolation), pure (the closed-form solution alone) or no_gate. */
  mode?: CfCMode;
  /** Backbone activation; default lecun_tanh. */
  activation?: Activation;
  /** Width of each backbone layer; default 128. */
  backboneUnits?: number;
  /** Number of backbone layers; 0 feeds [input, state] straight to the heads. Default 1. */
  backboneLayers?: number;
  /** Dropout after backbone layers 2.. (never after the first, as in ncps); default 0. */
  backboneDropout?: number;
  /** (input+hidden) × hidden matrix whose nonzeros keep synapses of ff1/ff2 (signs ignored). */
  sparsityMask?: number[][];
}

class Backbone extends Module {
  readonly layers: Linear[] = [];

  constructor(inFeatures: number, units: number, count: number, dropout: number) {
    super();
    // nn.Sequential indices: [Linear, act] then [Linear, act, (Dropout)] per extra layer.
    let index = 0;
    for (let l = 0; l < count; l++) {
      this.layers.push(this.submodule(String(index), new Linear(l === 0 ? inFeatures : units, units)));
      index += l === 0 || dropout === 0 ? 2 : 3;
    }
  }
}

export class CfCCell extends Module implements RecurrentCell {
  readonly mode: CfCMode;
  readonly activationName: Activation;
  readonly backboneLayers: number;
  readonly backboneDropout: number;
  readonly stateSize: number;
  readonly outputSize: number;
  readonly sparsityMask: tf.Variable | null;
  readonly wTau: tf.Variable | null;
  readonly A: tf.Variable | null;
  readonly backbone: Backbone | null;
  readonly ff1: Linear;
  readonly ff2: Linear | null;
  readonly timeA: Linear | null;
  readonly timeB: Linear | null;
  /** The backbone activation (also used for interpretability outside the step). */
  readonly activate: (x: tf.Tensor) => tf.Tensor2D;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: CfCCellOptions = {},
  ) {
    super();
    this.mode = options.mode ?? 'default';
    this.activationName = options.activation ?? 'lecun_tanh';
    this.backboneLayers = options.backboneLayers ?? 1;
    this.backboneDropout = options.backboneDropout ?? 0;
    const backboneUnits = options.backboneUnits ?? 128;
    this.stateSize = hiddenSize;
    this.outputSize = hiddenSize;
    this.activate = activation(this.activationName) as (x: tf.Tensor) => tf.Tensor2D;

    const mask = options.sparsityMask;
    // Stored as abs(mask.T): (hidden, input+hidden), the shape of the ff weights.
    this.sparsityMask = mask
      ? this.register('sparsity_mask', tf.transpose(tf.abs(tf.tensor2d(mask))), false)
      : null;
    const pure = this.mode === 'pure';
    const bound = Math.sqrt(6 / (1 + hiddenSize));
    // ncps applies xavier_uniform_ to every 2-D parameter, so w_tau and A lose their zeros/ones.
    this.wTau = pure ? this.register('w_tau', uniform([1, hiddenSize], -bound, bound)) : null;
    this.A = pure ? this.register('A', uniform([1, hiddenSize], -bound, bound)) : null;
    this.backbone =
      this.backboneLayers > 0
        ? this.submodule('backbone', new Backbone(inputSize + hiddenSize, backboneUnits, this.backboneLayers, this.backboneDropout))
        : null;
    const catShape = this.backboneLayers === 0 ? inputSize + hiddenSize : backboneUnits;
    this.ff1 = this.submodule('ff1', new Linear(catShape, hiddenSize));
    this.ff2 = pure ? null : this.submodule('ff2', new Linear(catShape, hiddenSize));
    this.timeA = pure ? null : this.submodule('time_a', new Linear(catShape, hiddenSize));
    this.timeB = pure ? null : this.submodule('time_b', new Linear(catShape, hiddenSize));
  }

  /** One step: x (B, I), h (B, H), ts (B, 1) elapsed time → [output, new state], both h'. */
  step(x: tf.Tensor2D, h: tf.Tensor2D, ts: tf.Tensor2D, training = false): [tf.Tensor2D, tf.Tensor2D] {
    if (this.fuses(training)) {
      const fused = cfcSequenceOp(x, h, ts, this);
      return [fused, fused];
    }
    let z: tf.Tensor2D = tf.concat([x, h], 1); // input first, then state
    if (this.backbone) {
      this.backbone.layers.forEach((layer, l) => {
        z = this.activate(layer.apply(z)) as tf.Tensor2D;
        if (training && l > 0 && this.backboneDropout > 0) z = tf.dropout(z, this.backboneDropout) as tf.Tensor2D;
      });
    }
    const mask = this.sparsityMask ?? undefined;
    const ff1 = this.ff1.apply(z, mask);
    let next: tf.Tensor2D;
    if (this.mode === 'pure') {
      // h' = -A·exp(-ts·(|w_tau| + |ff1|))·ff1 + A, on the raw (un-squashed) ff1.
      const A = this.A as tf.Tensor;
      const decay = tf.exp(tf.mul(tf.neg(ts), tf.add(tf.abs(this.wTau as tf.Tensor), tf.abs(ff1))));
      next = tf.add(tf.mul(tf.mul(tf.neg(A), decay), ff1), A);
    } else {
      const f1 = tf.tanh(ff1);
      const f2 = tf.tanh((this.ff2 as Linear).apply(z, mask));
      // Time heads are never masked; torch uses +t_a·ts (the TF port has a minus sign).
      const tA = (this.timeA as Linear).apply(z);
      const tB = (this.timeB as Linear).apply(z);
      const gate = tf.sigmoid(tf.add(tf.mul(tA, ts), tB));
      next = this.mode === 'no_gate'
        ? tf.add(f1, tf.mul(gate, f2))
        : tf.add(tf.mul(f1, tf.sub(1, gate)), tf.mul(gate, f2));
    }
    return [next, next];
  }

  /** Every step of a window in one fused op (RecurrentCell.sequence); null where it takes the tfjs graph. */
  sequence(x: tf.Tensor3D, h: tf.Tensor2D, ts: tf.Tensor2D, training = false): CellWindow | null {
    if (!this.fuses(training)) return null;
    const output = cfcSequenceOp(x, h, ts, this);
    const [B, T] = x.shape;
    return { output, h: tf.reshape(tf.slice(output, [0, T - 1, 0], [B, 1, this.hiddenSize]), [B, this.hiddenSize]) };
  }

  /** Backbone dropout (training, layers 2..) is not fused: it takes the tfjs graph. */
  private fuses(training: boolean): boolean {
    return fusedTraining() && !(training && this.backboneDropout > 0 && this.backboneLayers > 1);
  }
}
