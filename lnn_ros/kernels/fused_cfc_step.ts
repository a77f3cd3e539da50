/**
 * One CfCCell step as a single tfjs op with a hand-written backward pass: [x, h] → backbone
 * (Linear + activation per layer) → the ff1 / ff2 / time_a / time_b heads (ff1 and ff2 masked by
 * the sparsity mask when there is one) → the default / no_gate / pure update. The equations are
 * cfc_cell.ts's; there the step is ~20 tfjs ops forward and more backward, whose fixed overhead
 * dominated training at these sizes. Backbone dropout is not fused: the cell keeps its tfjs
 * graph when training with it.
 *
 * Layout: batch-major Float32Arrays, weights torch's (out, in) row-major. The heads are stacked
 * into one (heads·H, in) matrix so that each direction is one pass over the weights, once per
 * parameter update (parameterMemo), not per step. Every product goes through
 * native.ts (native blocked SIMD on all cores when the addon is built) in the layout it is stored in.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../model/activations';
import type { CfCMode } from '../model/cells/cfc_cell';
import { activate, erfc } from './dense';
import { giveBack, gradTensor, parameterMemo, perRow, sigmoid, takeBuffer, tapeRecording, timeGradient, values } from './fused_ops';
import { gemm, nativeKernels } from './native';

interface LinearParams {
  readonly weight: tf.Tensor;
  readonly bias: tf.Tensor | null;
}

/** What the op needs from a CfCCell (which satisfies it as it is). */
export interface CfcStepParams {
  readonly mode: CfCMode;
  readonly activationName: Activation;
  readonly backbone: { readonly layers: readonly LinearParams[] } | null;
  readonly ff1: LinearParams;
  readonly ff2: LinearParams | null;
  readonly timeA: LinearParams | null;
  readonly timeB: LinearParams | null;
  /** (H, in): multiplies the ff1 and ff2 weights. */
  readonly sparsityMask: tf.Tensor | null;
  readonly wTau: tf.Tensor | null;
  readonly A: tf.Tensor | null;
}

/** ncps's LeCun: 1.7159·tanh(0.666·x), as in ../model/activations.ts. */
const LECUN_SCALE = 1.7159;
const LECUN_SLOPE = 0.666;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** The native kernels' activation codes (GELU stays in TypeScript). */
const NATIVE_ACTIVATION: Partial<Record<Activation, number>> = { lecun_tanh: 0, silu: 1, relu: 2, tanh: 3 };

/** out = act(pre) into a pooled buffer: native where it has the activation. */
function activationForward(name: Activation, pre: Float32Array): Float32Array {
  const out = takeBuffer(pre.length);
  const addon = nativeKernels();
  const code = NATIVE_ACTIVATION[name];
  if (addon && code !== undefined) addon.cfcActivation(code, pre, out);
  else activate(name, pre, pre.length, out);
  return out;
}

/** g[i] *= act'(pre[i]) in place, given the activation's output z as well. */
function activationBackward(name: Activation, pre: Float32Array, z: Float32Array, g: Float32Array): void {
  const addon = nativeKernels();
  const code = NATIVE_ACTIVATION[name];
  if (addon && code !== undefined) return addon.cfcActivationBackward(code, pre, z, g);
  const n = g.length;
  switch (name) {
    case 'lecun_tanh':
      for (let i = 0; i < n; i++) g[i] *= LECUN_SLOPE * (LECUN_SCALE - (z[i] * z[i]) / LECUN_SCALE);
      return;
    case 'silu':
      for (let i = 0; i < n; i++) {
        const s = sigmoid(pre[i]);
        g[i] *= s * (1 + pre[i] * (1 - s));
      }
      return;
    case 'relu':
      for (let i = 0; i < n; i++) if (!(pre[i] > 0)) g[i] = 0;
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) g[i] *= 1 - z[i] * z[i];
      return;
    case 'gelu':
      // d/dx 0.5·x·erfc(−x/√2) = 0.5·erfc(−x/√2) + x·φ(x).
      for (let i = 0; i < n; i++) {
        const x = pre[i];
        g[i] *= 0.5 * erfc(-x * Math.SQRT1_2) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
      }
      return;
  }
}

/** out (batch × rows, pooled) = x (batch × cols)·Wᵀ + b. */
function linearForward(x: Float32Array, d: DenseWeights, batch: number): Float32Array {
  const out = takeBuffer(batch * d.rows);
  for (let r = 0; r < batch; r++) out.set(d.b, r * d.rows);
  gemm(out, x, d.w, batch, d.rows, d.cols, false, true, true);
  return out;
}

/** A layer's (rows, cols) weight, torch's (out, in) layout, and bias. */
interface DenseWeights {
  readonly w: Float32Array;
  readonly b: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

let onesCache = new Float32Array(0);
/** A row of `n` ones (column sums as a product). */
function ones(n: number): Float32Array {
  if (onesCache.length < n) onesCache = new Float32Array(n).fill(1);
  return onesCache.subarray(0, n);
}

/**
 * Gradients of y = x·Wᵀ + b (x: batch × cols) given g = dL/dy: gW = gᵀ·x (into `gW`), gx = g·W
 * (pooled).
 */
function linearBackward(g: Float32Array, x: Float32Array, d: DenseWeights, batch: number, gW: Float32Array) {
  const { rows, cols } = d;
  gemm(gW, g, x, rows, cols, batch, true, false, false);
  const gx = takeBuffer(batch * cols);
  gemm(gx, g, d.w, batch, cols, rows, false, false, false);
  const gB = new Float32Array(rows);
  gemm(gB, ones(batch), g, 1, rows, batch, false, false, false); // column sums of g
  return { gW, gB, gx };
}

/** Where a Linear's weight and bias sit in the op's inputs (bias -1: none). */
interface LinearInputs {
  readonly weight: number;
  readonly bias: number;
}

/** The backbone layers and the stacked heads [ff1⊙mask; ff2⊙mask; time_a; time_b] (ff1⊙mask alone in pure mode). */
interface Weights {
  readonly backbone: DenseWeights[];
  readonly heads: DenseWeights;
  /** The mask, (H, in), or null. */
  readonly mask: Float32Array | null;
}

const weightMemo = parameterMemo<Weights>();

function readWeights(tensors: tf.Tensor[], linears: LinearInputs[], layers: number, maskInput: number): Weights {
  const dense = linears.map(({ weight, bias }) => {
    const [rows, cols] = tensors[weight].shape as [number, number];
    return { w: values(tensors[weight]), b: bias < 0 ? new Float32Array(rows) : values(tensors[bias]), rows, cols };
  });
  const mask = maskInput < 0 ? null : values(tensors[maskInput]);
  const heads = dense.slice(layers);
  const cols = heads[0].cols;
  const w = new Float32Array(heads.length * heads[0].w.length);
  const b = new Float32Array(heads.length * heads[0].rows);
  heads.forEach((d, i) => {
    w.set(d.w, i * d.w.length);
    if (mask && i < 2) for (let k = 0; k < d.w.length; k++) w[i * d.w.length + k] *= mask[k]; // ncps masks ff1 and ff2 only
    b.set(d.b, i * d.rows);
  });
  return { backbone: dense.slice(0, layers), heads: { w, b, rows: b.length, cols }, mask };
}

/** The h' of a CfCCell step: x (B, I), h (B, H), ts (B, 1) or (1, 1). */
export function cfcStepOp(x: tf.Tensor2D, h: tf.Tensor2D, ts: tf.Tensor2D, p: CfcStepParams): tf.Tensor2D {
  const [B, I] = x.shape;
  const H = h.shape[1];
  const pure = p.mode === 'pure';
  const inputs: tf.Tensor[] = [x, h, ts];
  const add = (t: tf.Tensor | null) => (t ? inputs.push(t) - 1 : -1);
  const linears = [...(p.backbone?.layers ?? []), p.ff1, ...(pure ? [] : [p.ff2!, p.timeA!, p.timeB!])].map((l): LinearInputs => ({ weight: add(l.weight), bias: add(l.bias) }));
  const maskInput = add(p.sparsityMask);
  const wTauInput = add(p.wTau);
  const aInput = add(p.A);
  const layers = linears.length - (pure ? 1 : 4);
  const headLinears = linears.slice(layers);

  const op = tf.customGrad((...args) => {
    const tensors = args.slice(0, inputs.length) as tf.Tensor[];
    const { backbone, heads, mask } = weightMemo(tensors.slice(3), () => readWeights(tensors, linears, layers, maskInput));
    const tsRow = perRow(ts, B);

    // z[0] = [x | h]; pre[l] = the backbone layer's affine output, z[l + 1] = act(pre[l]).
    const xV = values(x);
    const hV = values(h);
    const z0 = takeBuffer(B * (I + H));
    for (let b = 0; b < B; b++) {
      z0.set(xV.subarray(b * I, (b + 1) * I), b * (I + H)); // input first, then state
      z0.set(hV.subarray(b * H, (b + 1) * H), b * (I + H) + I);
    }
    const z: Float32Array[] = [z0];
    const pres: Float32Array[] = [];
    for (const d of backbone) {
      const pre = linearForward(z[z.length - 1], d, B);
      const out = activationForward(p.activationName, pre);
      pres.push(pre);
      z.push(out);
    }
    const top = z[layers];
    const head = linearForward(top, heads, B);
    const update = pure
      ? pureUpdate(head, tsRow, values(tensors[wTauInput]), values(tensors[aInput]), B, H)
      : gatedUpdate(head, tsRow, p.mode === 'default', B, H);
    // What the backward reads, back to the pool after it (or now, when no tape records).
    const kept = [...z, ...pres, head, ...update.kept];
    if (!tapeRecording()) giveBack(...kept);

    const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
      const gHead = takeBuffer(B * heads.rows);
      const gTs = new Float64Array(B);
      const extra = update.backward(values(dy), gHead, gTs);
      const grads: tf.Tensor[] = new Array(inputs.length);
      // The stacked heads' weight gradient is only sliced from, so it may be pooled.
      const headGrads = linearBackward(gHead, top, heads, B, takeBuffer(heads.w.length));
      // Scatter the stacked heads' gradients back to each Linear (ff1 / ff2 through the mask).
      headLinears.forEach(({ weight, bias }, i) => {
        const size = H * heads.cols;
        const gw = headGrads.gW.slice(i * size, (i + 1) * size);
        if (mask && i < 2) for (let k = 0; k < size; k++) gw[k] *= mask[k];
        grads[weight] = gradTensor(gw, [H, heads.cols]);
        if (bias >= 0) grads[bias] = gradTensor(headGrads.gB.slice(i * H, (i + 1) * H), [H]);
      });
      giveBack(gHead, headGrads.gW);
      let gz = headGrads.gx;
      for (let l = layers - 1; l >= 0; l--) {
        const d = backbone[l];
        activationBackward(p.activationName, pres[l], z[l + 1], gz);
        const g = linearBackward(gz, z[l], d, B, new Float32Array(d.w.length));
        grads[linears[l].weight] = gradTensor(g.gW, [d.rows, d.cols]);
        if (linears[l].bias >= 0) grads[linears[l].bias] = gradTensor(g.gB, [d.rows]);
        giveBack(gz);
        gz = g.gx;
      }
      const gX = new Float32Array(B * I);
      const gH = new Float32Array(B * H);
      for (let b = 0; b < B; b++) {
        gX.set(gz.subarray(b * (I + H), b * (I + H) + I), b * I);
        gH.set(gz.subarray(b * (I + H) + I, (b + 1) * (I + H)), b * H);
      }
      giveBack(gz, ...kept);
      grads[0] = gradTensor(gX, [B, I]);
      grads[1] = gradTensor(gH, [B, H]);
      grads[2] = timeGradient(ts, gTs);
      if (maskInput >= 0) grads[maskInput] = tf.zerosLike(tensors[maskInput]); // a constant
      if (extra) {
        grads[wTauInput] = gradTensor(extra.wTau, tensors[wTauInput].shape);
        grads[aInput] = gradTensor(extra.A, tensors[aInput].shape);
      }
      return grads;
    };
    return { value: tf.tensor2d(update.out, [B, H]), gradFunc };
  });
  return op(...inputs) as tf.Tensor2D;
}

/** The mode's update from the head outputs; backward fills dL/dhead and dL/dts (and pure's own parameters). */
interface Update {
  readonly out: Float32Array;
  /** Pooled buffers the backward reads. */
  readonly kept: Float32Array[];
  backward(gOut: Float32Array, gHead: Float32Array, gTs: Float64Array): { wTau: Float64Array; A: Float64Array } | null;
}

/** default: h' = f1·(1 − g) + g·f2; no_gate: h' = f1 + g·f2; f = tanh(ff), g = σ(t_a·ts + t_b). */
function gatedUpdate(head: Float32Array, tsRow: Float64Array, gated: boolean, B: number, H: number): Update {
  // out becomes the op's tensor, so it is never pooled.
  const update = { batch: B, units: H, gated: gated ? 1 : 0, head, ts: Float32Array.from(tsRow), out: new Float32Array(B * H), f1: takeBuffer(B * H), f2: takeBuffer(B * H), gate: takeBuffer(B * H) };
  const { out, f1, f2, gate } = update;
  const kept = [f1, f2, gate];
  const addon = nativeKernels();
  if (addon) {
    addon.cfcGatedForward(update);
    const backward = (gOut: Float32Array, gHead: Float32Array, gTs: Float64Array) => {
      const gTs32 = new Float32Array(B);
      addon.cfcGatedBackward(update, gOut, gHead, gTs32);
      gTs.set(gTs32);
      return null;
    };
    return { out, kept, backward };
  }
  for (let b = 0; b < B; b++) {
    const row = b * 4 * H;
    for (let j = 0; j < H; j++) {
      const bj = b * H + j;
      const t1 = Math.tanh(head[row + j]);
      const t2 = Math.tanh(head[row + H + j]);
      const g = sigmoid(head[row + 2 * H + j] * tsRow[b] + head[row + 3 * H + j]); // torch: +t_a·ts
      f1[bj] = t1;
      f2[bj] = t2;
      gate[bj] = g;
      out[bj] = gated ? t1 * (1 - g) + g * t2 : t1 + g * t2;
    }
  }
  const backward = (gOut: Float32Array, gHead: Float32Array, gTs: Float64Array) => {
    for (let b = 0; b < B; b++) {
      const row = b * 4 * H;
      let gt = 0;
      for (let j = 0; j < H; j++) {
        const bj = b * H + j;
        const go = gOut[bj];
        const t1 = f1[bj];
        const t2 = f2[bj];
        const g = gate[bj];
        const gf1 = gated ? go * (1 - g) : go;
        const gGate = (gated ? go * (t2 - t1) : go * t2) * g * (1 - g); // dL/d(t_a·ts + t_b)
        gHead[row + j] = gf1 * (1 - t1 * t1);
        gHead[row + H + j] = go * g * (1 - t2 * t2);
        gHead[row + 2 * H + j] = gGate * tsRow[b];
        gHead[row + 3 * H + j] = gGate;
        gt += gGate * head[row + 2 * H + j];
      }
      gTs[b] = gt;
    }
    return null;
  };
  return { out, kept, backward };
}

/** tfjs's d|x|/dx: 1 for x > 0, −1 otherwise (at 0 too), as in the reference graph. */
const absSlope = (x: number): number => (x > 0 ? 1 : -1);

/** pure: h' = A·(1 − e·ff1), e = exp(−ts·(|w_tau| + |ff1|)), on the raw ff1. */
function pureUpdate(head: Float32Array, tsRow: Float64Array, wTau: Float32Array, A: Float32Array, B: number, H: number): Update {
  const decay = new Float64Array(B * H);
  const out = new Float32Array(B * H);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const f = head[b * H + j];
      const e = Math.exp(-tsRow[b] * (Math.abs(wTau[j]) + Math.abs(f)));
      decay[b * H + j] = e;
      out[b * H + j] = -A[j] * e * f + A[j];
    }
  }
  const backward = (gOut: Float32Array, gHead: Float32Array, gTs: Float64Array) => {
    const gWTau = new Float64Array(H);
    const gA = new Float64Array(H);
    for (let bj = 0; bj < B * H; bj++) {
      const b = (bj / H) | 0;
      const j = bj - b * H;
      const f = head[bj];
      const e = decay[bj];
      const go = gOut[bj];
      gA[j] += go * (1 - e * f);
      // dL/d(exponent) = −go·A·f·e, the exponent being −ts·(|w_tau| + |ff1|).
      const gExp = -go * A[j] * f * e;
      gHead[bj] = -go * A[j] * e - gExp * tsRow[b] * absSlope(f);
      gWTau[j] -= gExp * tsRow[b] * absSlope(wTau[j]);
      gTs[b] -= gExp * (Math.abs(wTau[j]) + Math.abs(f));
    }
    return { wTau: gWTau, A: gA };
  };
  return { out, kept: [], backward };
}
