/**
 * One LTCCell step as a single tfjs op with a hand-written backward pass: from the mapped input u
 * and the state v to the state after ode_unfolds semi-implicit Euler steps (sensory synapses,
 * softplus of the positive parameters, every unfold). The equations are ltc_cell.ts's; the
 * graph there takes ~150 tfjs ops per step, whose fixed overhead dominated training.
 *
 * Layout: batch-major; synapse matrices transposed to [dest, source] (once per parameter
 * update, parameterMemo) so that the sums run over contiguous memory. Two engines run the loops:
 * the native addon (native/ltc_impl.h: SIMD over sources, batch rows over all cores, float32,
 * activations recomputed in the backward) when it is built, else the TypeScript below (float64;
 * it keeps every unfold's activations, B·unfolds·H² floats, for the backward, in pooled buffers).
 * The time goes into B·unfolds·H² sigmoids per step forward and as many updates back.
 */
import * as tf from '@tensorflow/tfjs-core';
import { softplus } from './dense';
import { giveBack, gradTensor, parameterMemo, perRow, sigmoid, sigmoidAt, SIGMOID_SCALE, SIGMOID_SHIFT, takeBuffer, tapeRecording, timeGradient, transpose, values } from './fused_ops';
import { NativeAddon, nativeKernels, NativeSynapses } from './native';

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
  /** The same synapses as the native engine reads them (σ(sigma·pre − sigma·mu)). */
  readonly native: NativeSynapses;
}

function synapseBlock(w: tf.Tensor, sigma: tf.Tensor, mu: tf.Tensor, erev: tf.Tensor, mask: tf.Tensor, positive: boolean): SynapseBlock {
  const [sources, dests] = mask.shape as [number, number];
  const destMajor = (t: tf.Tensor) => transpose(values(t), sources, dests, new Float32Array(t.size));
  const [rawW, maskV, sigmaV, muV] = [w, mask, sigma, mu].map(destMajor);
  const wMax = new Float32Array(rawW.length);
  const slope = new Float64Array(rawW.length);
  const offset = new Float64Array(rawW.length);
  const shift = new Float32Array(rawW.length);
  for (let k = 0; k < wMax.length; k++) {
    wMax[k] = (positive ? softplus(rawW[k]) : rawW[k]) * maskV[k];
    slope[k] = sigmaV[k] * SIGMOID_SCALE;
    offset[k] = SIGMOID_SHIFT - sigmaV[k] * muV[k] * SIGMOID_SCALE;
    shift[k] = -sigmaV[k] * muV[k];
  }
  const erevV = destMajor(erev);
  return { sources, dests, sigma: sigmaV, mu: muV, erev: erevV, mask: maskV, rawW, wMax, slope, offset, native: { slope: sigmaV, shift, wmax: wMax, erev: erevV } };
}

/**
 * Per-synapse sums over batch rows and unfolds, [dest, source], from which conductBackward's
 * caller forms the parameter gradients (synapseGradients): with a = σ(sigma·(pre − mu)) and
 * gx = dL/d(sigma·(pre − mu)): Σ gNum·a, Σ gDen·a, Σ gx, Σ gx·pre.
 */
interface SynapseSums {
  readonly numAct: Float32Array | Float64Array;
  readonly denAct: Float32Array | Float64Array;
  readonly gx: Float32Array | Float64Array;
  readonly gxPre: Float32Array | Float64Array;
}

const synapseSums = (size: number) => ({
  numAct: new Float64Array(size),
  denAct: new Float64Array(size),
  gx: new Float64Array(size),
  gxPre: new Float64Array(size),
});

/** The native engine's four [dest][source] blocks, in SynapseSums order. */
const sumsOf = (blocks: Float32Array, size: number): SynapseSums => {
  const [numAct, denAct, gx, gxPre] = [0, 1, 2, 3].map((k) => blocks.subarray(k * size, (k + 1) * size));
  return { numAct, denAct, gx, gxPre };
};

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
  sums: ReturnType<typeof synapseSums>,
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
function throughSoftplus(g: Float32Array | Float64Array, raw: Float32Array): Float32Array | Float64Array {
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

/** The step's output and its backward, whichever engine ran it. */
interface LtcRun {
  readonly out: Float32Array;
  backward(gOut: Float32Array): LtcGradients;
}

/** dL/d of the inputs (u, v0, per-row ts), of vleak, P(gleak), P(cm), and the synapse sums. */
interface LtcGradients {
  gU: Float32Array | Float64Array;
  gV0: Float32Array | Float64Array;
  gTs: Float32Array | Float64Array;
  gGleak: Float32Array | Float64Array;
  gVleak: Float32Array | Float64Array;
  gCm: Float32Array | Float64Array;
  rec: SynapseSums;
  sen: SynapseSums;
}

/** The sizes of one step: batch, inputs, units, unfolds. */
interface StepSizes {
  B: number;
  I: number;
  H: number;
  K: number;
  eps: number;
}

function nativeRun(addon: NativeAddon, p: Parameters, u: Float32Array, v0: Float32Array, tsRow: Float64Array, z: StepSizes): LtcRun {
  const { B, I, H, K } = z;
  const step = {
    batch: B,
    inputs: I,
    units: H,
    unfolds: K,
    eps: z.eps,
    sen: p.sen.native,
    rec: p.rec.native,
    cm: Float32Array.from(p.cm),
    gleak: Float32Array.from(p.gleak),
    vleak: p.vleak,
    u,
    v0,
    ts: Float32Array.from(tsRow),
    out: new Float32Array(B * H),
    iterates: new Float32Array(B * (K + 1) * H),
    invDen: new Float32Array(B * K * H),
    cmStep: new Float32Array(B * H),
  };
  addon.ltcForward(step);
  return {
    out: step.out,
    backward: (gOut) => {
      const g = {
        gU: new Float32Array(B * I),
        gV0: new Float32Array(B * H),
        gTs: new Float32Array(B),
        gGleak: new Float32Array(H),
        gVleak: new Float32Array(H),
        gCm: new Float32Array(H),
        recSums: new Float32Array(4 * H * H),
        senSums: new Float32Array(4 * H * I),
      };
      addon.ltcBackward(step, gOut, g);
      return { ...g, rec: sumsOf(g.recSums, H * H), sen: sumsOf(g.senSums, H * I) };
    },
  };
}

const parameters = parameterMemo<Parameters>();

/** The TypeScript engine: float64 arithmetic, activations kept for the backward while a tape records. */
function portableRun(p: Parameters, u: Float32Array, v0: Float32Array, tsRow: Float64Array, z: StepSizes): LtcRun {
  const { B, I, H, K, eps } = z;
  const { rec, sen, vleak, gleak, cm } = p;
  const inputs = Float64Array.from(u);
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

  const backward = (gOut: Float32Array): LtcGradients => {
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
    return { gU, gV0, gTs, gGleak, gVleak, gCm, rec: recSums, sen: senSums };
  };
  return { out, backward };
}

/** The LTC state after one observation: u (B, I) mapped input, v (B, H) state, ts (B, 1) or (1, 1). */
export function ltcStepOp(u: tf.Tensor2D, v: tf.Tensor2D, ts: tf.Tensor2D, p: LtcStepParams): tf.Tensor2D {
  const [B, I] = u.shape;
  const sizes: StepSizes = { B, I, H: v.shape[1], K: p.odeUnfolds, eps: p.epsilon };
  const positive = p.implicitParamConstraints;
  const op = tf.customGrad((...args) => {
    const [uT, vT, tsT, ...params] = args as tf.Tensor[];
    const [gleakT, vleakT, cmT, sigmaT, muT, wT, erevT, sSigmaT, sMuT, sWT, sErevT, maskT, sMaskT] = params;
    const memo = parameters(params, () => {
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
    const tsRow = perRow(tsT, B);
    const addon = nativeKernels();
    const run = addon ? nativeRun(addon, memo, values(uT), values(vT), tsRow, sizes) : portableRun(memo, values(uT), values(vT), tsRow, sizes);

    const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
      const g = run.backward(values(dy));
      if (positive) {
        throughSoftplus(g.gGleak, memo.rawGleak);
        throughSoftplus(g.gCm, memo.rawCm);
      }
      return [
        gradTensor(g.gU, [B, I]),
        gradTensor(g.gV0, [B, sizes.H]),
        timeGradient(tsT, g.gTs),
        gradTensor(g.gGleak, gleakT.shape),
        gradTensor(g.gVleak, vleakT.shape),
        gradTensor(g.gCm, cmT.shape),
        ...synapseGradients(memo.rec, g.rec, positive), // sigma, mu, w, erev
        ...synapseGradients(memo.sen, g.sen, positive),
        tf.zerosLike(maskT), // masks are constants
        tf.zerosLike(sMaskT),
      ];
    };
    return { value: tf.tensor2d(run.out, [B, sizes.H]), gradFunc };
  });
  return op(u, v, ts, p.gleak, p.vleak, p.cm, p.sigma, p.mu, p.w, p.erev, p.sensorySigma, p.sensoryMu, p.sensoryW, p.sensoryErev, p.sparsityMask, p.sensorySparsityMask);
}
