/**
 * ncps LTCCell (torch flavour): liquid time-constant neurons with conductance-based sensory and
 * recurrent synapses, integrated by ode_unfolds fused semi-implicit Euler steps per observation.
 * Parameter names, shapes and order are ncps/torch/ltc_cell.py's state_dict.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Wiring } from '../wirings/wiring';
import { fusedTraining } from '../../kernels/fused_ops';
import { ltcStepOp } from '../../kernels/fused_ltc_step';
import { softplus } from '../activations';
import { uniform } from '../init';
import { Module } from '../module';
import { RecurrentCell } from './recurrent_cell';

export const LTC_MAPPINGS = ['affine', 'linear', 'none'] as const;
export type LtcMapping = (typeof LTC_MAPPINGS)[number];

export interface LTCCellOptions {
  /** affine (w·x + b), linear (w·x) or none; default affine. */
  inputMapping?: LtcMapping;
  outputMapping?: LtcMapping;
  /** Solver steps per observation; the elapsed time is split evenly across them. Default 6. */
  odeUnfolds?: number;
  /** Added to the solver's denominator; default 1e-8. */
  epsilon?: number;
  /** Softplus on w, sensory_w, cm and gleak at run time. The cell's default is false (the LTC wrapper's is true). */
  implicitParamConstraints?: boolean;
}

/** Synaptic conductances w·σ(sigma·(pre − mu))·mask for every [batch, source, dest]. */
function synapses(w: tf.Tensor, sigma: tf.Tensor, mu: tf.Tensor, mask: tf.Tensor, pre: tf.Tensor): tf.Tensor {
  const activation = tf.sigmoid(tf.mul(sigma, tf.sub(tf.expandDims(pre, 2), mu)));
  return tf.mul(tf.mul(w, activation), mask);
}

export class LTCCell extends Module implements RecurrentCell {
  readonly stateSize: number;
  readonly outputSize: number;
  readonly inputMapping: LtcMapping;
  readonly outputMapping: LtcMapping;
  readonly odeUnfolds: number;
  readonly epsilon: number;
  readonly implicitParamConstraints: boolean;
  readonly gleak: tf.Variable;
  readonly vleak: tf.Variable;
  readonly cm: tf.Variable;
  readonly sigma: tf.Variable;
  readonly mu: tf.Variable;
  readonly w: tf.Variable;
  readonly erev: tf.Variable;
  readonly sensorySigma: tf.Variable;
  readonly sensoryMu: tf.Variable;
  readonly sensoryW: tf.Variable;
  readonly sensoryErev: tf.Variable;
  readonly sparsityMask: tf.Variable;
  readonly sensorySparsityMask: tf.Variable;
  readonly inputW: tf.Variable | null;
  readonly inputB: tf.Variable | null;
  readonly outputW: tf.Variable | null;
  readonly outputB: tf.Variable | null;

  constructor(
    readonly inputSize: number,
    readonly wiring: Wiring,
    options: LTCCellOptions = {},
  ) {
    super();
    if (!wiring.isBuilt()) wiring.build(inputSize);
    this.inputMapping = options.inputMapping ?? 'affine';
    this.outputMapping = options.outputMapping ?? 'affine';
    this.odeUnfolds = options.odeUnfolds ?? 6;
    this.epsilon = options.epsilon ?? 1e-8;
    this.implicitParamConstraints = options.implicitParamConstraints ?? false;
    const H = wiring.units;
    const I = inputSize;
    const M = wiring.outputDim;
    this.stateSize = H;
    this.outputSize = M;
    const adjacency = tf.tensor2d(wiring.adjacency);
    const sensoryAdjacency = tf.tensor2d(wiring.sensoryAdjacency as number[][]);

    this.gleak = this.register('gleak', uniform([H], 0.001, 1.0));
    this.vleak = this.register('vleak', uniform([H], -0.2, 0.2));
    this.cm = this.register('cm', uniform([H], 0.4, 0.6));
    this.sigma = this.register('sigma', uniform([H, H], 3, 8));
    this.mu = this.register('mu', uniform([H, H], 0.3, 0.8));
    this.w = this.register('w', uniform([H, H], 0.001, 1.0));
    this.erev = this.register('erev', tf.clone(adjacency));
    this.sensorySigma = this.register('sensory_sigma', uniform([I, H], 3, 8));
    this.sensoryMu = this.register('sensory_mu', uniform([I, H], 0.3, 0.8));
    this.sensoryW = this.register('sensory_w', uniform([I, H], 0.001, 1.0));
    this.sensoryErev = this.register('sensory_erev', tf.clone(sensoryAdjacency));
    this.sparsityMask = this.register('sparsity_mask', tf.abs(adjacency), false);
    this.sensorySparsityMask = this.register('sensory_sparsity_mask', tf.abs(sensoryAdjacency), false);
    adjacency.dispose();
    sensoryAdjacency.dispose();
    const mapped = (mapping: LtcMapping) => mapping === 'affine' || mapping === 'linear';
    this.inputW = mapped(this.inputMapping) ? this.register('input_w', tf.ones([I])) : null;
    this.inputB = this.inputMapping === 'affine' ? this.register('input_b', tf.zeros([I])) : null;
    this.outputW = mapped(this.outputMapping) ? this.register('output_w', tf.ones([M])) : null;
    this.outputB = this.outputMapping === 'affine' ? this.register('output_b', tf.zeros([M])) : null;
  }

  private positive(p: tf.Tensor): tf.Tensor {
    return this.implicitParamConstraints ? softplus(p) : p;
  }

  step(x: tf.Tensor2D, v: tf.Tensor2D, ts: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
    let u: tf.Tensor = x;
    if (this.inputW) u = tf.mul(u, this.inputW);
    if (this.inputB) u = tf.add(u, this.inputB);
    const state = fusedTraining() ? ltcStepOp(u as tf.Tensor2D, v, ts, this) : this.solve(u, v, ts);

    let y: tf.Tensor = this.outputSize < this.stateSize ? tf.slice(state, [0, 0], [-1, this.outputSize]) : state;
    if (this.outputW) y = tf.mul(y, this.outputW);
    if (this.outputB) y = tf.add(y, this.outputB);
    return [y as tf.Tensor2D, state as tf.Tensor2D];
  }

  /** The tfjs graph of ltcStepOp (the reference): sensory synapses, then the ode_unfolds solver steps. */
  private solve(u: tf.Tensor, v: tf.Tensor2D, ts: tf.Tensor2D): tf.Tensor {
    // Sensory synapses depend on the input only: computed once per observation. [b, source, dest]
    const sensoryAct = synapses(this.positive(this.sensoryW), this.sensorySigma, this.sensoryMu, this.sensorySparsityMask, u);
    const sensoryNum = tf.sum(tf.mul(sensoryAct, this.sensoryErev), 1);
    const sensoryDen = tf.sum(sensoryAct, 1);

    const w = this.positive(this.w);
    const gleak = this.positive(this.gleak);
    const cmT = tf.div(this.positive(this.cm), tf.div(ts, this.odeUnfolds)); // (B, H)
    const leak = tf.mul(gleak, this.vleak);
    let state: tf.Tensor = v;
    for (let k = 0; k < this.odeUnfolds; k++) {
      // Conductances at the previous iterate; v_j implicit in the reversal terms.
      const act = synapses(w, this.sigma, this.mu, this.sparsityMask, state);
      const num = tf.addN([tf.mul(cmT, state), tf.broadcastTo(leak, state.shape), tf.sum(tf.mul(act, this.erev), 1), sensoryNum]);
      const den = tf.addN([tf.broadcastTo(cmT, state.shape), tf.broadcastTo(gleak, state.shape), tf.sum(act, 1), sensoryDen]);
      state = tf.div(num, tf.add(den, this.epsilon));
    }
    return state;
  }
}
