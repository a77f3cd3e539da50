/**
 * Allocation-free streaming step of ncps's LTCCell, batch 1, over Float32Arrays: the input
 * mapping, the sensory synapses once per observation, then ode_unfolds fused semi-implicit
 * Euler steps over the recurrent synapses, then the output mapping. Weights are snapshotted at
 * construction; the equations are those of ../model/cells/ltc_cell.ts.
 *
 * Synapses are stored sparse (only the mask's nonzeros), grouped by destination neuron: a
 * masked synapse contributes exactly 0 in ncps, and each one costs an exp, so skipping them is
 * exact and pays in proportion to the wiring's sparsity (NCP: ~70% of the pairs are absent).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { LTCCell } from '../model/cells/ltc_cell';
import { sigmoid, snapshot, softplus } from './dense';
import type { CellKernel } from './kernel_policy';

/** The present synapses into each destination j at [start[j], start[j+1]), from `source`. */
interface Synapses {
  readonly start: Int32Array;
  readonly source: Int32Array;
  /** Maximum conductance P(w)·mask, and that times the reversal potential. */
  readonly w: Float32Array;
  readonly wErev: Float32Array;
  readonly sigma: Float32Array;
  readonly mu: Float32Array;
}

interface SynapseParams {
  w: tf.Tensor;
  sigma: tf.Tensor;
  mu: tf.Tensor;
  erev: tf.Tensor;
  mask: tf.Tensor;
}

/** Gathers the nonzero-mask synapses of (sources, dests) matrices indexed [source, dest]. */
function gatherSynapses(p: SynapseParams, positive: (x: number) => number): Synapses {
  const [sources, dests] = p.mask.shape;
  const [w, sigma, mu, erev, mask] = [p.w, p.sigma, p.mu, p.erev, p.mask].map(snapshot);
  const present: number[] = [];
  const start = new Int32Array(dests + 1);
  for (let j = 0; j < dests; j++) {
    for (let i = 0; i < sources; i++) if (mask[i * dests + j] !== 0) present.push(i * dests + j);
    start[j + 1] = present.length;
  }
  const pick = (values: (k: number) => number) => Float32Array.from(present, values);
  const weight = (k: number) => positive(w[k]) * mask[k];
  return {
    start,
    source: Int32Array.from(present, (k) => Math.floor(k / dests)),
    w: pick(weight),
    wErev: pick((k) => weight(k) * erev[k]),
    sigma: pick((k) => sigma[k]),
    mu: pick((k) => mu[k]),
  };
}

/** num[j] = Σ_i a_ij·erev_ij and den[j] = Σ_i a_ij, with a_ij = w_ij·σ(sigma_ij·(pre_i − mu_ij)). */
function conductances(s: Synapses, pre: Float32Array, num: Float32Array, den: Float32Array): void {
  const { start, source, w, wErev, sigma, mu } = s;
  for (let j = 0; j < num.length; j++) {
    let n = 0;
    let d = 0;
    for (let p = start[j]; p < start[j + 1]; p++) {
      const open = sigmoid(sigma[p] * (pre[source[p]] - mu[p]));
      n += wErev[p] * open;
      d += w[p] * open;
    }
    num[j] = n;
    den[j] = d;
  }
}

const valuesOr = (t: tf.Tensor | null, size: number, fill: number) => (t ? snapshot(t) : new Float32Array(size).fill(fill));

export class LTCKernel implements CellKernel {
  readonly inputSize: number;
  readonly stateSize: number;
  readonly outputSize: number;
  private readonly unfolds: number;
  private readonly epsilon: number;
  private readonly sensory: Synapses;
  private readonly recurrent: Synapses;
  /** P(gleak), P(gleak)·vleak, P(cm). */
  private readonly gleak: Float32Array;
  private readonly leak: Float32Array;
  private readonly cm: Float32Array;
  /** Input and output mappings; 'linear' has a zero bias and 'none' unit weights, so one path serves all. */
  private readonly inW: Float32Array;
  private readonly inB: Float32Array;
  private readonly outW: Float32Array;
  private readonly outB: Float32Array;
  // Scratch, sized once.
  private readonly u: Float32Array;
  private readonly sensoryNum: Float32Array;
  private readonly sensoryDen: Float32Array;
  private readonly num: Float32Array;
  private readonly den: Float32Array;
  private readonly cmT: Float32Array;
  private readonly va: Float32Array;
  private readonly vb: Float32Array;

  constructor(cell: LTCCell) {
    const H = cell.stateSize;
    const I = cell.inputSize;
    const M = cell.outputSize;
    // Softplus (implicit constraints) is constant per model: applied here, not per step.
    const positive = cell.implicitParamConstraints ? softplus : (x: number) => x;
    this.inputSize = I;
    this.stateSize = H;
    this.outputSize = M;
    this.unfolds = cell.odeUnfolds;
    this.epsilon = cell.epsilon;
    this.sensory = gatherSynapses(
      { w: cell.sensoryW, sigma: cell.sensorySigma, mu: cell.sensoryMu, erev: cell.sensoryErev, mask: cell.sensorySparsityMask },
      positive,
    );
    this.recurrent = gatherSynapses({ w: cell.w, sigma: cell.sigma, mu: cell.mu, erev: cell.erev, mask: cell.sparsityMask }, positive);
    this.gleak = snapshot(cell.gleak).map(positive);
    const vleak = snapshot(cell.vleak);
    this.leak = this.gleak.map((g, j) => g * vleak[j]);
    this.cm = snapshot(cell.cm).map(positive);
    this.inW = valuesOr(cell.inputW, I, 1);
    this.inB = valuesOr(cell.inputB, I, 0);
    this.outW = valuesOr(cell.outputW, M, 1);
    this.outB = valuesOr(cell.outputB, M, 0);
    this.u = new Float32Array(I);
    this.sensoryNum = new Float32Array(H);
    this.sensoryDen = new Float32Array(H);
    this.num = new Float32Array(H);
    this.den = new Float32Array(H);
    this.cmT = new Float32Array(H);
    this.va = new Float32Array(H);
    this.vb = new Float32Array(H);
  }

  step(x: Float32Array, state: Float32Array, dt: number, out: Float32Array): void {
    const { u, num, den, cmT, sensoryNum, sensoryDen, gleak, leak } = this;
    const H = this.stateSize;
    for (let s = 0; s < this.inputSize; s++) u[s] = x[s] * this.inW[s] + this.inB[s];
    // Sensory synapses depend on the observation only.
    conductances(this.sensory, u, sensoryNum, sensoryDen);
    const substep = dt / this.unfolds;
    for (let j = 0; j < H; j++) cmT[j] = this.cm[j] / substep;
    let v = this.va;
    let next = this.vb;
    v.set(state);
    for (let k = 0; k < this.unfolds; k++) {
      // Conductances at the previous iterate; v_j implicit in the reversal terms.
      conductances(this.recurrent, v, num, den);
      for (let j = 0; j < H; j++) {
        const numerator = cmT[j] * v[j] + leak[j] + num[j] + sensoryNum[j];
        const denominator = cmT[j] + gleak[j] + den[j] + sensoryDen[j];
        next[j] = numerator / (denominator + this.epsilon);
      }
      const previous = v;
      v = next;
      next = previous;
    }
    state.set(v);
    // Motor neurons are ids 0..M-1.
    for (let m = 0; m < this.outputSize; m++) out[m] = v[m] * this.outW[m] + this.outB[m];
  }
}
