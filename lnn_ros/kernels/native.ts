/**
 * The optional native addon (native/: blocked AVX-512 / AVX2 / NEON kernels on all cores, built
 * at install time) and the matrix product of the training kernels: C (m×n) = or += op(A)·op(B),
 * float32, row-major, op = transpose when asked (so no caller transposes anything), in the addon
 * when it loads, else through tfjs-wasm's XNNPACK matmul (large products, on the wasm backend) or
 * the portable JavaScript kernel below. LNN_ROS_NATIVE=0 forces the portable kernels;
 * LNN_ROS_THREADS=n caps the addon's threads (default: every core).
 */
import * as path from 'node:path';
import { transpose } from './fused_ops';

export type GemmFn = (c: Float32Array, a: Float32Array, b: Float32Array, m: number, n: number, k: number, transA: boolean, transB: boolean, accumulate: boolean) => void;

/** Synapses onto H neurons, [dest][source]: σ(slope·pre + shift), wmax = P(w)·mask, erev. */
export interface NativeSynapses {
  slope: Float32Array;
  shift: Float32Array;
  wmax: Float32Array;
  erev: Float32Array;
}

/** One LTC observation for a batch: sizes, parameters, inputs, and what the forward fills for the backward. */
export interface NativeLtcStep {
  batch: number;
  inputs: number;
  units: number;
  unfolds: number;
  eps: number;
  sen: NativeSynapses;
  rec: NativeSynapses;
  /** P(cm), P(gleak), vleak. */
  cm: Float32Array;
  gleak: Float32Array;
  vleak: Float32Array;
  u: Float32Array;
  v0: Float32Array;
  /** Per batch row. */
  ts: Float32Array;
  out: Float32Array;
  iterates: Float32Array;
  invDen: Float32Array;
  cmStep: Float32Array;
}

/** The LTC backward's results; the sums are four [dest][source] blocks: Σ gNum·a, Σ gDen·a, Σ gx, Σ gx·pre. */
export interface NativeLtcGrads {
  gU: Float32Array;
  gV0: Float32Array;
  gTs: Float32Array;
  gGleak: Float32Array;
  gVleak: Float32Array;
  /** W.r.t. P(cm). */
  gCm: Float32Array;
  recSums: Float32Array;
  senSums: Float32Array;
}

/** An NHWC convolution's geometry (HWIO filter, zero padding top/left, optional ReLU after the bias). */
export interface NativeConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
  relu: number;
}

/** The CfC default / no_gate update: heads (B × [ff1 | ff2 | t_a | t_b]) → out, keeping f1, f2, gate. */
export interface NativeCfcUpdate {
  batch: number;
  units: number;
  gated: number;
  head: Float32Array;
  ts: Float32Array;
  out: Float32Array;
  f1: Float32Array;
  f2: Float32Array;
  gate: Float32Array;
}

/**
 * A CfC window (default / no_gate mode) for cfcWindowForward / cfcWindowBackward: sizes, weights
 * (backbone layers end to end, (width × cols) each; the stacked masked heads), inputs, what the
 * forward fills for the backward, and the backward's buffers. Arrays are [B][T][features].
 */
export interface NativeCfcWindow {
  batch: number;
  steps: number;
  inputs: number;
  units: number;
  /** Backbone width (0 without a backbone) and layers. */
  width: number;
  layers: number;
  /** cfcActivation's codes. */
  activation: number;
  gated: number;
  /** 1 (shared by the batch) or batch. */
  tsRows: number;
  backboneW: Float32Array;
  backboneB: Float32Array;
  headW: Float32Array;
  headB: Float32Array;
  x: Float32Array;
  h0: Float32Array;
  ts: Float32Array;
  z0: Float32Array;
  /** layers × [B][T][width]: the activations after each layer, and before them. */
  zs: Float32Array;
  pres: Float32Array;
  head: Float32Array;
  f1: Float32Array;
  f2: Float32Array;
  gate: Float32Array;
  out: Float32Array;
}

/** The window backward's buffers: in gOut; out dL/dhead, dL/dpre per layer, dL/dx, dL/dh0, dL/dts per row and step. */
export interface NativeCfcWindowGrads {
  gOut: Float32Array;
  gHead: Float32Array;
  gPres: Float32Array;
  gX: Float32Array;
  gH0: Float32Array;
  gTs: Float32Array;
}

export interface NativeAddon {
  gemm: GemmFn;
  /** out = act(conv(x, filter) + bias); dw = dL/dfilter and dx = dL/dx given dy = dL/dout. */
  conv2d(args: NativeConvGeometry & { x: Float32Array; filter: Float32Array; bias: Float32Array | null; out: Float32Array }): void;
  conv2dBackpropFilter(args: NativeConvGeometry & { x: Float32Array; dy: Float32Array; dw: Float32Array }): void;
  conv2dBackpropInput(args: NativeConvGeometry & { filter: Float32Array; dy: Float32Array; dx: Float32Array }): void;
  /** Codes 0 lecun_tanh, 1 silu, 2 relu, 3 tanh: out = act(pre); g *= act'(pre). */
  cfcActivation(code: number, pre: Float32Array, out: Float32Array): void;
  cfcActivationBackward(code: number, pre: Float32Array, z: Float32Array, g: Float32Array): void;
  cfcGatedForward(update: NativeCfcUpdate): void;
  cfcGatedBackward(update: NativeCfcUpdate, gOut: Float32Array, gHead: Float32Array, gTs: Float32Array): void;
  cfcWindowForward(window: NativeCfcWindow): void;
  cfcWindowBackward(window: NativeCfcWindow & NativeCfcWindowGrads): void;
  ltcForward(step: NativeLtcStep): void;
  ltcBackward(step: NativeLtcStep, gOut: Float32Array, grads: NativeLtcGrads): void;
  setThreads(n: number): void;
  threads(): number;
  isa(): string;
}

export const NATIVE_ENV = 'LNN_ROS_NATIVE';
export const THREADS_ENV = 'LNN_ROS_THREADS';

/** native/build/Release, from lnn_ros/kernels (ts-node) and from dist/kernels (compiled) alike. */
const ADDON = path.join(__dirname, '..', '..', 'native', 'build', 'Release', 'lnn_native.node');

function loadAddon(): NativeAddon | null {
  if (process.env[NATIVE_ENV] === '0') return null;
  try {
    const addon = require(ADDON) as NativeAddon;
    const threads = Number(process.env[THREADS_ENV]);
    if (Number.isInteger(threads) && threads > 0) addon.setThreads(threads);
    return addon;
  } catch {
    return null; // not built (no compiler at install time): the portable kernel serves
  }
}

const addon = loadAddon();
let active = addon !== null;

/** The addon while it is in use, else null (not built, LNN_ROS_NATIVE=0, or switched off). */
export function nativeKernels(): NativeAddon | null {
  return active ? addon : null;
}

/** Switches the addon on (where it loaded) or off (tests run both engines); returns whether it is on. */
export function useNativeKernels(on: boolean): boolean {
  active = on && addon !== null;
  return active;
}

/** What runs the training kernels: `native (avx512, 2 threads)` or `javascript`. */
export function kernelEngine(): string {
  return addon && active ? `native (${addon.isa()}, ${addon.threads()} thread${addon.threads() > 1 ? 's' : ''})` : 'javascript';
}

/** Threads the native kernels may use (no effect on the portable ones, which have one). */
export function setKernelThreads(n: number): void {
  addon?.setThreads(n);
}

/**
 * out[m, n] (= or +=) Σ_k a[m, k]·b[n, k], both operands row-major with K columns: the layout
 * where the inner loop is contiguous. Two rows × four columns per pass, so each load feeds
 * several multiply-adds (~3× a plain dot-product loop).
 */
function gemmNT(a: Float32Array, b: Float32Array, M: number, N: number, K: number, accumulate: boolean, out: Float32Array): void {
  for (let m = 0; m < M; m += 2) {
    const a0 = m * K;
    const pair = m + 1 < M;
    const a1 = pair ? a0 + K : a0; // an odd last row is computed twice and stored once
    const o0 = m * N;
    const o1 = o0 + N;
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const b0 = n * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = a[a0 + k];
        const x1 = a[a1 + k];
        const y0 = b[b0 + k];
        const y1 = b[b1 + k];
        const y2 = b[b2 + k];
        const y3 = b[b3 + k];
        s0 += x0 * y0;
        s1 += x0 * y1;
        s2 += x0 * y2;
        s3 += x0 * y3;
        t0 += x1 * y0;
        t1 += x1 * y1;
        t2 += x1 * y2;
        t3 += x1 * y3;
      }
      if (accumulate) {
        out[o0 + n] += s0;
        out[o0 + n + 1] += s1;
        out[o0 + n + 2] += s2;
        out[o0 + n + 3] += s3;
        if (pair) {
          out[o1 + n] += t0;
          out[o1 + n + 1] += t1;
          out[o1 + n + 2] += t2;
          out[o1 + n + 3] += t3;
        }
      } else {
        out[o0 + n] = s0;
        out[o0 + n + 1] = s1;
        out[o0 + n + 2] = s2;
        out[o0 + n + 3] = s3;
        if (pair) {
          out[o1 + n] = t0;
          out[o1 + n + 1] = t1;
          out[o1 + n + 2] = t2;
          out[o1 + n + 3] = t3;
        }
      }
    }
    for (; n < N; n++) {
      const bn = n * K;
      let s = 0;
      let t = 0;
      for (let k = 0; k < K; k++) {
        s += a[a0 + k] * b[bn + k];
        t += a[a1 + k] * b[bn + k];
      }
      out[o0 + n] = accumulate ? out[o0 + n] + s : s;
      if (pair) out[o1 + n] = accumulate ? out[o1 + n] + t : t;
    }
  }
}

/** The portable product: operands brought to the NT layout, then gemmNT. */
const javascriptGemm: GemmFn = (c, a, b, m, n, k, transA, transB, accumulate) => {
  const rowsA = transA ? transpose(a.subarray(0, m * k), k, m, new Float32Array(m * k)) : a;
  const rowsB = transB ? b : transpose(b.subarray(0, k * n), k, n, new Float32Array(k * n));
  gemmNT(rowsA, rowsB, m, n, k, accumulate, c);
};

/** A product that returns false when it cannot run now (tfjs-wasm's XNNPACK while wasm is not the backend). */
export type OffloadFn = (...args: Parameters<GemmFn>) => boolean;

let offload: OffloadFn | null = null;
/** Below this many multiply-adds the TypeScript loop beats a round trip through tfjs (~50 µs). */
const MIN_OFFLOAD_MACS = 1 << 15;

/** Where the addon is absent, products of training size go to `f` (wasm_training_kernels.ts registers XNNPACK's). */
export function setPortableOffload(f: OffloadFn | null): void {
  offload = f;
}

export const gemm: GemmFn = (c, a, b, m, n, k, transA, transB, accumulate) => {
  if (addon && active) return addon.gemm(c, a, b, m, n, k, transA, transB, accumulate);
  if (offload && m * n * k >= MIN_OFFLOAD_MACS && offload(c, a, b, m, n, k, transA, transB, accumulate)) return;
  javascriptGemm(c, a, b, m, n, k, transA, transB, accumulate);
};
