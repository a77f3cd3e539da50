/**
 * Effective time constants of every neuron at the current state, for interpretability
 * (PolicyState): how fast each neuron would respond now, in seconds.
 * LTC: cm / (gleak + Σ synaptic conductances) of the linearised ODE at this state and input.
 * CfC: the time scale of the time gate, 1/|t_a| (pure mode: 1/(|w_tau| + |ff1|)).
 * State layout as ncps's (wired CfC: layers in order). Empty for the LSTM baseline.
 */
import * as tf from '@tensorflow/tfjs-core';
import { softplus } from './activations';
import { CfCCell } from './cells/cfc_cell';
import { LTCCell } from './cells/ltc_cell';
import { WiredCfCCell } from './cells/wired_cfc_cell';
import { RecurrentCell } from './cells/recurrent_cell';

function ltc(cell: LTCCell, x: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor {
  const P = (p: tf.Tensor) => (cell.implicitParamConstraints ? softplus(p) : p);
  let u: tf.Tensor = x;
  if (cell.inputW) u = tf.mul(u, cell.inputW);
  if (cell.inputB) u = tf.add(u, cell.inputB);
  const conductance = (w: tf.Tensor, sigma: tf.Tensor, mu: tf.Tensor, mask: tf.Tensor, pre: tf.Tensor) =>
    tf.sum(tf.mul(tf.mul(P(w), tf.sigmoid(tf.mul(sigma, tf.sub(tf.expandDims(pre, 2), mu)))), mask), 1);
  const total = tf.addN([
    tf.broadcastTo(P(cell.gleak), v.shape),
    conductance(cell.w, cell.sigma, cell.mu, cell.sparsityMask, v),
    conductance(cell.sensoryW, cell.sensorySigma, cell.sensoryMu, cell.sensorySparsityMask, u),
  ]);
  return tf.div(P(cell.cm), total);
}

function cfc(cell: CfCCell, x: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor {
  let z: tf.Tensor2D = tf.concat([x, h], 1);
  if (cell.backbone) for (const layer of cell.backbone.layers) z = cell.activate(layer.apply(z));
  if (cell.mode === 'pure') return tf.div(1, tf.add(tf.abs(cell.wTau!), tf.abs(cell.ff1.apply(z, cell.sparsityMask ?? undefined))));
  return tf.div(1, tf.abs(cell.timeA!.apply(z)));
}

export function timeConstants(cell: RecurrentCell, x: Float32Array, state: Float32Array): Float32Array {
  return tf.tidy(() => {
    const input = tf.tensor2d(x, [1, x.length]);
    const h = tf.tensor2d(state, [1, state.length]);
    if (cell instanceof LTCCell) return ltc(cell, input, h).dataSync() as Float32Array;
    if (cell instanceof CfCCell) return cfc(cell, input, h).dataSync() as Float32Array;
    if (cell instanceof WiredCfCCell) {
      const layers = tf.split(h, cell.layerSizes, 1) as tf.Tensor2D[];
      return tf.concat(cell.layers.map((layer, l) => cfc(layer, l === 0 ? input : layers[l - 1], layers[l])), 1).dataSync() as Float32Array;
    }
    return new Float32Array(0);
  });
}
