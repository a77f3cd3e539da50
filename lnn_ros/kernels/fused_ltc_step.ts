/**
 * One LTCCell step as a single tfjs op with a hand-written backward pass: from the mapped input u
 * and the state v to the state after ode_unfolds semi-implicit Euler steps (sensory synapses,
 * softplus of the positive parameters, every unfold). The equations are ltc_cell.ts's; the
 * graph there takes ~150 tfjs ops per step, whose fixed overhead dominated training.
 *
 * Layout: batch-major; synapse matrices transposed to [dest, source] (once per parameter
 * update, parameterMemo) so that the sums run over contiguous memory. Arithmetic is float64.
 * The forward keeps every unfold's activations (B·unfolds·H² floats) for the backward, in pooled
 * buffers; the time goes into B·unfolds·H² sigmoids per step forward and as many updates back.
 */
import * as tf from '@tensorflow/tfjs-core';
import { softplus } from './dense';
import { gradTensor, parameterMemo, perRow, sigmoid, sigmoidAt, SIGMOID_SCALE, SIGMOID_SHIFT, tapeRecording, timeGradient, transpose, values } from './fused_ops';

/** What the op needs from an LTCCell (which satisfies it as it is). */
export interface LtcStepParams {
  readonly gleak: tf.Tensor;
  readonly vleak: tf.Tensor;
  readonly cm: tf.Tensor;
  readonly sigma: tf.Tensor;
  readonly mu: tf.Tensor;
  readonly w: tf.Tensor;
  readonly erev: tf.Tensor;
  readonly sensorySigma: tf.Tensor;
  readonly sensoryMu: tf.Tensor;
  readonly sensoryW: tf.Tensor;
  readonly sensoryErev: tf.Tensor;
  readonly sparsityMask: tf.Tensor;
  readonly sensorySparsityMask: tf.Tensor;
  readonly odeUnfolds: number;
  readonly epsilon: number;
  /** Softplus on w, sensory_w, cm and gleak. */
  readonly implicitParamConstraints: boolean;
}

/**
 * Synapses from `sources` neurons (or inputs) onto H, transposed to [dest, source] so that each
 * destination's sum runs over contiguous memory.
 */
interface SynapseBlock {
  readonly sources: number;
  readonly dests: number;
  readonly sigma: Float32Array;
  readonly mu: Float32Array;
  readonly erev: Float32Array;
  readonly mask: Float32Array;
  /** The raw weight, and P(w)·mask: the maximum conductance. */
  readonly rawW: Float32Array;
  readonly wMax: Float32Array;
  /** σ(sigma·(pre − mu)) = sigmoidAt(slope·pre + offset): the activation's table coordinate. */
  readonly slope: Float64Array;
  readonly offset: Float64Array;
}

function synapseBlock(w: tf.Tensor, sigma: tf.Tensor, mu: tf.Tensor, erev: tf.Tensor, mask: tf.Tensor, positive: boolean): SynapseBlock {
  const [sources, dests] = mask.shape as [number, number];
  const destMajor = (t: tf.Tensor) => transpose(values(t), sources, dests, new Float32Array(t.size));
  const [rawW, maskV, sigmaV, muV] = [w, mask, sigma, mu].map(destMajor);
  const wMax = new Float32Array(rawW.length);
  const slope = new Float64Array(rawW.length);
  const offset = new Float64Array(rawW.length);
  for (let k = 0; k < wMax.length; k++) {
    wMax[k] = (positive ? softplus(rawW[k]) : rawW[k]) * maskV[k];
    slope[k] = sigmaV[k] * SIGMOID_SCALE;
    offset[k] = SIGMOID_SHIFT - sigmaV[k] * muV[k] * SIGMOID_SCALE;
  }
  return { sources, dests, sigma: sigmaV, mu: muV, erev: destMajor(erev), mask: maskV, rawW, wMax, slope, offset };
}

/**
 * Per-synapse sums over batch rows and unfolds, [dest, source], from which conductBackward's
 * caller forms the parameter gradients (synapseGradients): with a = σ(sigma·(pre − mu)) and
 * gx = dL/d(sigma·(pre − mu)): Σ gNum·a, Σ gDen·a, Σ gx, Σ gx·pre.
 */
interface SynapseSums {
  readonly numAct: Float64Array;
  readonly denAct: Float64Array;
  readonly gx: Float64Array;
  readonly gxPre: Float64Array;
}

const synapseSums = (size: number): SynapseSums => ({
  numAct: new Float64Array(size),
  denAct: new Float64Array(size),
  gx: new Float64Array(size),
  gxPre: new Float64Array(size),
});

/**
 * For one batch row: act[j, i] = σ(sigma_ji·(pre_i − mu_ji)) (0 where masked: no sigmoid spent),
 * num[j] = Σ_i wMax_ji·act_ji·erev_ji and den[j] = Σ_i wMax_ji·act_ji.
 */
function conduct(s: SynapseBlock, pre: Float64Array, preOffset: number, act: Float32Array, actOffset: number, num: Float64Array, den: Float64Array): void {
  const { sources, dests, erev, mask, wMax, slope, offset } = s;
  for (let j = 0; j < dests; j++) {
    const row = j * sources;
    let n = 0;
    let d = 0;
    for (let i = 0; i < sources; i++) {
      const ji = row + i;
      if (mask[ji] === 0) {
        act[actOffset + ji] = 0;
        continue;
      }
      const a = sigmoidAt(slope[ji] * pre[preOffset + i] + offset[ji]);
      act[actOffset + ji] = a;
      const g = wMax[ji] * a;
      n += g * erev[ji];
      d += g;
    }
    num[j] = n;
    den[j] = d;
  }
}

/** The backward of conduct() for one batch row, given gNum[j] and gDen[j]: adds to the sums and dL/dpre into gPre. */
function conductBackward(
  s: SynapseBlock,
  sums: SynapseSums,
  pre: Float64Array,
  preOffset: number,
  act: Float32Array,
  actOffset: number,
  gNum: Float64Array,
  gDen: Float64Array,
  gPre: Float64Array,
  gPreOffset: number,
): void {
  const { sources, dests, sigma, erev, mask, wMax } = s;
  const { numAct, denAct, gx: gxSum, gxPre } = sums;
  for (let j = 0; j < dests; j++) {
    const row = j * sources;
    const gn = gNum[j];
    const gd = gDen[j];
    for (let i = 0; i < sources; i++) {
      const ji = row + i;
      if (mask[ji] === 0) continue;
      const a = act[actOffset + ji];
      const gna = gn * a;
      const gda = gd * a;
      numAct[ji] += gna;
      denAct[ji] += gda;
      // dL/d(wMax·a) = gn·erev + gd, times wMax·a·(1 − a).
      const gx = (gna * erev[ji] + gda) * wMax[ji] * (1 - a);
      gxSum[ji] += gx;
      gxPre[ji] += gx * pre[preOffset + i];
      gPre[gPreOffset + i] += gx * sigma[ji];
    }
  }
}

/**
 * The block's parameter gradients from the sums, as [source, dest] tensors (the parameters'
 * layout): sigma, mu, P(w) chained to w (through softplus when `positive`), erev.
 */
function synapseGradients(s: SynapseBlock, sums: SynapseSums, positive: boolean): tf.Tensor[] {
  const n = s.wMax.length;
  const [gSigma, gMu, gW, gErev] = [0, 1, 2, 3].map(() => new Float64Array(n));
  for (let k = 0; k < n; k++) {
    gSigma[k] = sums.gxPre[k] - s.mu[k] * sums.gx[k]; // Σ gx·(pre − mu)
    gMu[k] = -s.sigma[k] * sums.gx[k];
    // wMax = P(w)·mask: num gets wMax·a·erev, den wMax·a.
    gW[k] = s.mask[k] * (s.erev[k] * sums.numAct[k] + sums.denAct[k]) * (positive ? sigmoid(s.rawW[k]) : 1);
    gErev[k] = s.wMax[k] * sums.numAct[k];
  }
  const sourceMajor = (g: Float64Array) => gradTensor(transpose(g, s.dests, s.sources, new Float64Array(n)), [s.sources, s.dests]);
  return [gSigma, gMu, gW, gErev].map(sourceMajor);
}

/** d softplus(x)/dx = σ(x): turns gradients w.r.t. P(raw) into gradients w.r.t. raw, in place. */
function throughSoftplus(g: Float64Array, raw: Float32Array): Float64Array {
  for (let k = 0; k < g.length; k++) g[k] *= sigmoid(raw[k]);
  return g;
}

/** The op's parameters as its loops use them. */
interface Parameters {
  readonly rec: SynapseBlock;
  readonly sen: SynapseBlock;
  readonly rawGleak: Float32Array;
  readonly rawCm: Float32Array;
  readonly vleak: Float32Array;
  /** P(gleak), P(cm). */
  readonly gleak: Float64Array;
  readonly cm: Float64Array;
}

const parameters = parameterMemo<Parameters>();

/**
 * Buffers for the unfolds' activations (B·unfolds·H² floats per step while training), handed
 * back by each backward to the next forward instead of left to the garbage collector.
 */
const activationBuffers: Float32Array[] = [];
const MAX_POOLED = 64;

function takeBuffer(size: number): Float32Array {
  const k = activationBuffers.findIndex((b) => b.length === size);
  return k < 0 ? new Float32Array(size) : activationBuffers.splice(k, 1)[0];
}

function giveBack(buffer: Float32Array): void {
  if (activationBuffers.length < MAX_POOLED) activationBuffers.push(buffer);
}

/** The LTC state after one observation: u (B, I) mapped input, v (B, H) state, ts (B, 1) or (1, 1). */
export function ltcStepOp(u: tf.Tensor2D, v: tf.Tensor2D, ts: tf.Tensor2D, p: LtcStepParams): tf.Tensor2D {
  const [B, I] = u.shape;
  const H = v.shape[1];
  const K = p.odeUnfolds;
  const eps = p.epsilon;
  const positive = p.implicitParamConstraints;
  const op = tf.customGrad((...args) => {
    const [uT, vT, tsT, ...params] = args as tf.Tensor[];
    const [gleakT, vleakT, cmT, sigmaT, muT, wT, erevT, sSigmaT, sMuT, sWT, sErevT, maskT, sMaskT] = params;
    const { rec, sen, rawGleak, rawCm, vleak, gleak, cm } = parameters(params, () => {
      const [rawGleak, rawCm] = [values(gleakT), values(cmT)];
      return {
        rec: synapseBlock(wT, sigmaT, muT, erevT, maskT, positive),
        sen: synapseBlock(sWT, sSigmaT, sMuT, sErevT, sMaskT, positive),
        rawGleak,
        rawCm,
        vleak: values(vleakT),
        gleak: Float64Array.from(rawGleak, positive ? softplus : Number),
        cm: Float64Array.from(rawCm, positive ? softplus : Number),
      };
    });
    const inputs = Float64Array.from(values(uT));
    const v0 = values(vT);
    const tsRow = perRow(tsT, B);

    // Kept for the backward: sensory activations, every iterate v^0..v^K, 1/(den + eps) per
    // unfold, and every unfold's activations — one unfold's worth, reused, when no tape records.
    const unfoldSize = H * H;
    const recording = tapeRecording();
    const recAct = takeBuffer(recording ? B * K * unfoldSize : unfoldSize);
    const actStride = recording ? unfoldSize : 0;
    const sensoryAct = new Float32Array(B * I * H);
    const iterates = new Float64Array(B * (K + 1) * H);
    const inverseDen = new Float64Array(B * K * H);
    const cmStep = new Float64Array(B * H);
    const sensoryNum = new Float64Array(B * H);
    const sensoryDen = new Float64Array(B * H);
    const num = new Float64Array(H);
    const den = new Float64Array(H);
    const out = new Float32Array(B * H);
    for (let b = 0; b < B; b++) {
      const bh = b * H;
      conduct(sen, inputs, b * I, sensoryAct, b * I * H, num, den);
      sensoryNum.set(num, bh);
      sensoryDen.set(den, bh);
      const dt = tsRow[b] / K;
      for (let j = 0; j < H; j++) cmStep[bh + j] = cm[j] / dt;
      const base = b * (K + 1) * H;
      for (let j = 0; j < H; j++) iterates[base + j] = v0[bh + j];
      for (let k = 0; k < K; k++) {
        const at = base + k * H;
        // Conductances at the previous iterate; v_j implicit in the reversal terms.
        conduct(rec, iterates, at, recAct, (b * K + k) * actStride, num, den);
        const r = (b * K + k) * H;
        for (let j = 0; j < H; j++) {
          const c = cmStep[bh + j];
          const inv = 1 / (c + gleak[j] + den[j] + sensoryDen[bh + j] + eps);
          inverseDen[r + j] = inv;
          iterates[at + H + j] = (c * iterates[at + j] + gleak[j] * vleak[j] + num[j] + sensoryNum[bh + j]) * inv;
        }
      }
      for (let j = 0; j < H; j++) out[bh + j] = iterates[base + K * H + j];
    }
    if (!recording) giveBack(recAct);

    const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
      const gOut = values(dy);
      const gU = new Float64Array(B * I);
      const gV0 = new Float64Array(B * H);
      const gTs = new Float64Array(B);
      const gGleak = new Float64Array(H);
      const gVleak = new Float64Array(H);
      const gCm = new Float64Array(H);
      const recSums = synapseSums(H * H);
      const senSums = synapseSums(I * H);
      // Per row: dL/d(current iterate) (the previous one's, double-buffered), dL/dnum, dL/dden,
      // and the per-row terms summed over unfolds.
      let gV = new Float64Array(H);
      let gPrev = new Float64Array(H);
      const gNum = new Float64Array(H);
      const gDen = new Float64Array(H);
      const gCmStep = new Float64Array(H);
      const gSensoryNum = new Float64Array(H);
      const gSensoryDen = new Float64Array(H);
      for (let b = 0; b < B; b++) {
        const bh = b * H;
        const base = b * (K + 1) * H;
        for (let j = 0; j < H; j++) gV[j] = gOut[bh + j];
        gCmStep.fill(0);
        gSensoryNum.fill(0);
        gSensoryDen.fill(0);
        for (let k = K - 1; k >= 0; k--) {
          const at = base + k * H;
          const r = (b * K + k) * H;
          for (let j = 0; j < H; j++) {
            // v' = num·inv with inv = 1/(den + eps): dL/dnum = g·inv, dL/dden = −g·v'·inv.
            const inv = inverseDen[r + j];
            const gn = gV[j] * inv;
            const gd = -gV[j] * iterates[at + H + j] * inv;
            gNum[j] = gn;
            gDen[j] = gd;
            gCmStep[j] += gn * iterates[at + j] + gd;
            gGleak[j] += gn * vleak[j] + gd;
            gVleak[j] += gn * gleak[j];
            gSensoryNum[j] += gn;
            gSensoryDen[j] += gd;
            gPrev[j] = gn * cmStep[bh + j];
          }
          conductBackward(rec, recSums, iterates, at, recAct, (b * K + k) * unfoldSize, gNum, gDen, gPrev, 0);
          [gV, gPrev] = [gPrev, gV];
        }
        for (let j = 0; j < H; j++) gV0[bh + j] = gV[j];
        conductBackward(sen, senSums, inputs, b * I, sensoryAct, b * I * H, gSensoryNum, gSensoryDen, gU, b * I);
        // cm_t = P(cm)/dt with dt = ts/K: ∂/∂P(cm) = 1/dt, ∂/∂ts = −cm_t/ts.
        const dt = tsRow[b] / K;
        let gt = 0;
        for (let j = 0; j < H; j++) {
          gCm[j] += gCmStep[j] / dt;
          gt -= (gCmStep[j] * cmStep[bh + j]) / tsRow[b];
        }
        gTs[b] = gt;
      }
      giveBack(recAct);
      if (positive) {
        throughSoftplus(gGleak, rawGleak);
        throughSoftplus(gCm, rawCm);
      }
      return [
        gradTensor(gU, [B, I]),
        gradTensor(gV0, [B, H]),
        timeGradient(tsT, gTs),
        gradTensor(gGleak, gleakT.shape),
        gradTensor(gVleak, vleakT.shape),
        gradTensor(gCm, cmT.shape),
        ...synapseGradients(rec, recSums, positive), // sigma, mu, w, erev
        ...synapseGradients(sen, senSums, positive),
        tf.zerosLike(maskT), // masks are constants
        tf.zerosLike(sMaskT),
      ];
    };
    return { value: tf.tensor2d(out, [B, H]), gradFunc };
  });
  return op(u, v, ts, p.gleak, p.vleak, p.cm, p.sigma, p.mu, p.w, p.erev, p.sensorySigma, p.sensoryMu, p.sensoryW, p.sensoryErev, p.sparsityMask, p.sensorySparsityMask);
}
