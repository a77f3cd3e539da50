/**
 * CfCCell steps as a single tfjs op with a hand-written backward pass: per step, [x_t, h_t] →
 * backbone (Linear + activation per layer) → the ff1 / ff2 / time_a / time_b heads (ff1 and ff2
 * masked by the sparsity mask when there is one) → the default / no_gate / pure update. The
 * equations are cfc_cell.ts's; there a step is ~20 tfjs ops forward and more backward, whose
 * fixed overhead dominated training. The op takes a whole window (the sequence wrapper) or a
 * window of one step (CfCCell.step: wired layers, mixed memory). Backbone dropout is not fused:
 * the cell keeps its tfjs graph when training with it.
 *
 * Layout: batch-major Float32Arrays, weights torch's (out, in) row-major. The heads are stacked
 * into one (heads·H, in) matrix so that each direction is one pass over the weights, once per
 * parameter update (parameterMemo), not per step. Every product goes through
 * native.ts (native blocked SIMD on all cores when the addon is built) in the layout it is stored in. */
import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../model/activations';
import type { CfCMode } from '../model/cells/cfc_cell';
import { activate, erfc } from './dense';
import { giveBack, gradTensor, parameterMemo, sigmoid, takeBuffer, tapeRecording, timeGradient, values } from './fused_ops';
import { gemm, nativeKernels } from './native';
import type { NativeAddon, NativeCfcWindow } from './native';

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

/** Adds the parameter gradients of y = x·Wᵀ + b (x: batch × cols) given g = dL/dy: gᵀ·x to `gW`, g's column sums to `gB`. */
function addLinearGrads(g: Float32Array, x: Float32Array, d: DenseWeights, batch: number, gW: Float32Array, gB: Float32Array): void {
  gemm(gW, g, x, d.rows, d.cols, batch, true, false, true);
  gemm(gB, ones(batch), g, 1, d.rows, batch, false, false, true);
}

/** Backward of y = x·Wᵀ + b: adds the parameter gradients (addLinearGrads) and returns gx = g·W (pooled). */
function linearBackward(g: Float32Array, x: Float32Array, d: DenseWeights, batch: number, gW: Float32Array, gB: Float32Array): Float32Array {
  addLinearGrads(g, x, d, batch, gW, gB);
  const gx = takeBuffer(batch * d.cols);
  gemm(gx, g, d.w, batch, d.cols, d.rows, false, false, false);
  return gx;
}

/** Where a Linear's weight and bias sit in the op's inputs (bias -1: none). */
interface LinearInputs {
  readonly weight: number;
  readonly bias: number;
}

/** The backbone layers and the stacked heads [ff1⊙mask; ff2⊙mask; time_a; time_b] (ff1⊙mask alone in pure mode). */
interface Weights {
  readonly backbone: DenseWeights[];
  /** The backbone's weights and biases end to end (the native window's layout). */
  readonly backboneW: Float32Array;
  readonly backboneB: Float32Array;
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
  const backbone = dense.slice(0, layers);
  const concat = (parts: Float32Array[]) => {
    const all = new Float32Array(parts.reduce((n, a) => n + a.length, 0));
    parts.reduce((at, a) => (all.set(a, at), at + a.length), 0);
    return all;
  };
  return { backbone, backboneW: concat(backbone.map((d) => d.w)), backboneB: concat(backbone.map((d) => d.b)), heads: { w, b, rows: b.length, cols }, mask };
}

/** A window's inputs as the engines read them (batch-major [B][T][features]). */
interface Window {
  readonly B: number;
  readonly T: number;
  readonly I: number;
  readonly H: number;
  readonly x: Float32Array;
  readonly h0: Float32Array;
  /** (tsRows, T): per sample, or one row shared by the batch. */
  readonly ts: Float32Array;
  readonly tsRows: number;
}

/** The backward's results: every parameter's gradient summed over the rows and steps, and the inputs'. */
interface WindowGrads {
  readonly headW: Float32Array;
  readonly headB: Float32Array;
  readonly backboneW: Float32Array[];
  readonly backboneB: Float32Array[];
  /** (B, T, I), (B, H), and dL/dts per row and step, (B, T). */
  readonly x: Float32Array;
  readonly h0: Float32Array;
  readonly ts: ArrayLike<number>;
  /** Pure mode's own parameters. */
  readonly wTau?: Float32Array;
  readonly A?: Float32Array;
}

/** A window's forward: its outputs (B, T, H), and the backward from dL/doutputs. */
interface WindowPass {
  readonly out: Float32Array;
  backward(gOut: Float32Array): WindowGrads;
  /** Hands the kept activations back to the pool (after the backward, or at once without a tape). */
  release(): void;
}

/**
 * CfCCell steps over a window as one op: x (B, T, I), h0 (B, H), ts (B, T) per sample or (1, T)
 * shared → every step's h', (B, T, H); x (B, I) is a window of one step, whose h' is (B, H). With
 * the native addon (default / no_gate mode, a native activation) each chunk of batch rows runs
 * all its steps in C on its own core, and the parameter gradients are products over all B·T rows
 * at the end; otherwise a TypeScript loop steps the whole batch, summing each parameter's
 * gradient step by step.
 */
export function cfcSequenceOp<X extends tf.Tensor2D | tf.Tensor3D>(x: X, h0: tf.Tensor2D, ts: tf.Tensor2D, p: CfcStepParams): X {
  // One step takes (B, I) and gives (B, H): no reshapes (two tfjs ops each way) around a cell step.
  const [B, T, I] = x.rank === 3 ? (x.shape as [number, number, number]) : [x.shape[0], 1, x.shape[1]];
  const H = h0.shape[1];
  const tsRows = ts.shape[0];
  if (ts.shape[1] !== T || (tsRows !== B && tsRows !== 1)) throw new Error(`cfcSequenceOp: ts has shape [${ts.shape}], expected [${B}, ${T}] or [1, ${T}]`);
  const pure = p.mode === 'pure';
  const inputs: tf.Tensor[] = [x, h0, ts];
  const add = (t: tf.Tensor | null) => (t ? inputs.push(t) - 1 : -1);
  const linears = [...(p.backbone?.layers ?? []), p.ff1, ...(pure ? [] : [p.ff2!, p.timeA!, p.timeB!])].map((l): LinearInputs => ({ weight: add(l.weight), bias: add(l.bias) }));
  const maskInput = add(p.sparsityMask);
  const wTauInput = add(p.wTau);
  const aInput = add(p.A);
  const layers = linears.length - (pure ? 1 : 4);
  const headLinears = linears.slice(layers);

  const op = tf.customGrad((...args) => {
    const tensors = args.slice(0, inputs.length) as tf.Tensor[];
    const weights = weightMemo(tensors.slice(3), () => readWeights(tensors, linears, layers, maskInput));
    const window: Window = { B, T, I, H, x: values(x), h0: values(h0), ts: values(ts), tsRows };
    const addon = nativeKernels();
    const code = NATIVE_ACTIVATION[p.activationName];
    const pass =
      addon && !pure && code !== undefined && layers <= MAX_NATIVE_LAYERS
        ? nativeWindow(addon, window, weights, code, p.mode === 'default')
        : portableWindow(window, weights, p, pure ? { wTau: values(tensors[wTauInput]), A: values(tensors[aInput]) } : null);
    if (!tapeRecording()) pass.release(); // nothing will read them

    const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
      const g = pass.backward(values(dy));
      pass.release();
      const grads: tf.Tensor[] = new Array(inputs.length);
      // Scatter the stacked heads' gradients back to each Linear (ff1 / ff2 through the mask).
      const { heads, mask } = weights;
      headLinears.forEach(({ weight, bias }, i) => {
        const size = H * heads.cols;
        const gw = g.headW.slice(i * size, (i + 1) * size);
        if (mask && i < 2) for (let k = 0; k < size; k++) gw[k] *= mask[k];
        grads[weight] = gradTensor(gw, [H, heads.cols]);
        if (bias >= 0) grads[bias] = gradTensor(g.headB.slice(i * H, (i + 1) * H), [H]);
      });
      weights.backbone.forEach((d, l) => {
        grads[linears[l].weight] = gradTensor(g.backboneW[l], [d.rows, d.cols]);
        if (linears[l].bias >= 0) grads[linears[l].bias] = gradTensor(g.backboneB[l], [d.rows]);
      });
      grads[0] = gradTensor(g.x, x.shape);
      grads[1] = gradTensor(g.h0, [B, H]);
      grads[2] = timeGradient(ts, g.ts);
      if (maskInput >= 0) grads[maskInput] = tf.zerosLike(tensors[maskInput]); // a constant
      if (pure) {
        grads[wTauInput] = gradTensor(g.wTau!, tensors[wTauInput].shape);
        grads[aInput] = gradTensor(g.A!, tensors[aInput].shape);
      }
      return grads;
    };
    return { value: tf.tensor(pass.out, x.rank === 3 ? [B, T, H] : [B, H]) as X, gradFunc };
  });
  return op(...inputs) as X;
}

/** Backbone layers the native window takes (native/lnn_native.c MAX_LAYERS). */
const MAX_NATIVE_LAYERS = 8;

/** The addon's window: chunks of rows through every step in C, then the parameter gradients as products over B·T rows. */
function nativeWindow(addon: NativeAddon, w: Window, weights: Weights, activation: number, gated: boolean): WindowPass {
  const { B, T, I, H } = w;
  const { backbone, heads } = weights;
  const L = backbone.length;
  const width = L > 0 ? backbone[0].rows : 0;
  const rows = B * T;
  const buffers = {
    z0: takeBuffer(rows * (I + H)),
    zs: takeBuffer(L * rows * width),
    pres: takeBuffer(L * rows * width),
    head: takeBuffer(rows * 4 * H),
    f1: takeBuffer(rows * H),
    f2: takeBuffer(rows * H),
    gate: takeBuffer(rows * H),
  };
  const window: NativeCfcWindow = {
    batch: B,
    steps: T,
    inputs: I,
    units: H,
    width,
    layers: L,
    activation,
    gated: gated ? 1 : 0,
    tsRows: w.tsRows,
    backboneW: weights.backboneW,
    backboneB: weights.backboneB,
    headW: heads.w,
    headB: heads.b,
    x: w.x,
    h0: w.h0,
    ts: w.ts,
    ...buffers,
    out: new Float32Array(rows * H), // becomes the op's tensor, so never pooled
  };
  addon.cfcWindowForward(window);
  let released = false;
  return {
    out: window.out,
    release() {
      if (!released) giveBack(...Object.values(buffers));
      released = true;
    },
    backward(gOut) {
      const gHead = takeBuffer(rows * 4 * H);
      const gPres = takeBuffer(L * rows * width);
      const g = Object.assign(window, { gOut, gHead, gPres, gX: new Float32Array(rows * I), gH0: new Float32Array(B * H), gTs: new Float32Array(rows) });
      addon.cfcWindowBackward(g);
      // Each parameter's gradient: one product over every row and step.
      const layerInput = (l: number) => (l === 0 ? window.z0 : window.zs.subarray((l - 1) * rows * width, l * rows * width));
      const headW = new Float32Array(heads.w.length);
      const headB = new Float32Array(heads.rows);
      addLinearGrads(gHead, layerInput(L), heads, rows, headW, headB);
      const backboneW = backbone.map((d) => new Float32Array(d.w.length));
      const backboneB = backbone.map((d) => new Float32Array(d.rows));
      backbone.forEach((d, l) => addLinearGrads(gPres.subarray(l * rows * width, (l + 1) * rows * width), layerInput(l), d, rows, backboneW[l], backboneB[l]));
      giveBack(gHead, gPres);
      return { headW, headB, backboneW, backboneB, x: g.gX, h0: g.gH0, ts: g.gTs };
    },
  };
}

/** What one step of the portable loop keeps for its backward (pooled buffers). */
interface StepRecord {
  /** z[0] = [x_t | h_t]; z[l + 1] = act(pre[l]). */
  readonly z: Float32Array[];
  readonly pres: Float32Array[];
  readonly head: Float32Array;
  readonly update: Update;
}

/** The TypeScript loop: the whole batch a step at a time, each parameter's gradient summed step by step. */
function portableWindow(w: Window, weights: Weights, p: CfcStepParams, pureParams: { wTau: Float32Array; A: Float32Array } | null): WindowPass {
  const { B, T, I, H, tsRows } = w;
  const { backbone, heads } = weights;
  const layers = backbone.length;
  const out = new Float32Array(B * T * H);
  const records: StepRecord[] = [];
  let h = w.h0;
  for (let t = 0; t < T; t++) {
    const z0 = takeBuffer(B * (I + H));
    for (let b = 0; b < B; b++) {
      // Input first, then state. Element loops: a subarray per row costs more than its copy.
      copyRow(w.x, (b * T + t) * I, z0, b * (I + H), I);
      copyRow(h, b * H, z0, b * (I + H) + I, H);
    }
    const z: Float32Array[] = [z0];
    const pres: Float32Array[] = [];
    for (const d of backbone) {
      const pre = linearForward(z[z.length - 1], d, B);
      pres.push(pre);
      z.push(activationForward(p.activationName, pre));
    }
    const head = linearForward(z[layers], heads, B);
    const tsRow = new Float64Array(B);
    for (let b = 0; b < B; b++) tsRow[b] = w.ts[(tsRows === 1 ? 0 : b * T) + t];
    const update = pureParams ? pureUpdate(head, tsRow, pureParams.wTau, pureParams.A, B, H) : gatedUpdate(head, tsRow, p.mode === 'default', B, H);
    for (let b = 0; b < B; b++) copyRow(update.out, b * H, out, (b * T + t) * H, H);
    h = update.out;
    records.push({ z, pres, head, update });
  }
  const release = () => {
    for (const r of records.splice(0)) giveBack(...r.z, ...r.pres, r.head, ...r.update.kept);
  };
  const backward = (dy: Float32Array): WindowGrads => {
    // Each parameter's gradient, summed over the steps (float32, as the tape's additions).
    const headW = new Float32Array(heads.w.length);
    const headB = new Float32Array(heads.rows);
    const backboneW = backbone.map((d) => new Float32Array(d.w.length));
    const backboneB = backbone.map((d) => new Float32Array(d.rows));
    const gWTau = new Float32Array(H);
    const gA = new Float32Array(H);
    const gX = new Float32Array(B * T * I);
    const gTs = new Float64Array(B * T);
    let gNext: Float32Array | null = null; // dL/dh_{t+1} through step t + 1
    for (let t = T - 1; t >= 0; t--) {
      const { z, pres, update } = records[t];
      const gOut = takeBuffer(B * H);
      for (let b = 0; b < B; b++) copyRow(dy, (b * T + t) * H, gOut, b * H, H);
      if (gNext) for (let i = 0; i < B * H; i++) gOut[i] += gNext[i];
      const gHead = takeBuffer(B * heads.rows);
      const gTsRow = new Float64Array(B);
      const extra = update.backward(gOut, gHead, gTsRow);
      let gz = linearBackward(gHead, z[layers], heads, B, headW, headB);
      for (let l = layers - 1; l >= 0; l--) {
        activationBackward(p.activationName, pres[l], z[l + 1], gz);
        const gPrev = linearBackward(gz, z[l], backbone[l], B, backboneW[l], backboneB[l]);
        giveBack(gz);
        gz = gPrev;
      }
      if (gNext) giveBack(gNext);
      gNext = takeBuffer(B * H);
      for (let b = 0; b < B; b++) {
        copyRow(gz, b * (I + H), gX, (b * T + t) * I, I);
        copyRow(gz, b * (I + H) + I, gNext, b * H, H);
        gTs[b * T + t] = gTsRow[b];
      }
      if (extra) {
        for (let j = 0; j < H; j++) {
          gWTau[j] += Math.fround(extra.wTau[j]);
          gA[j] += Math.fround(extra.A[j]);
        }
      }
      giveBack(gOut, gHead, gz);
    }
    const h0 = gNext ? gNext.slice() : new Float32Array(B * H); // a copy: tensors never own pooled buffers
    if (gNext) giveBack(gNext);
    return { headW, headB, backboneW, backboneB, x: gX, h0, ts: gTs, ...(pureParams ? { wTau: gWTau, A: gA } : {}) };
  };
  return { out, backward, release };
}

/** to[toAt ..] = from[fromAt ..], n values. */
function copyRow(from: Float32Array, fromAt: number, to: Float32Array, toAt: number, n: number): void {
  for (let i = 0; i < n; i++) to[toAt + i] = from[fromAt + i];
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
