/**
 * The switch between the fused cell ops (fused_cfc_sequence.ts: one tfjs op per CfC window or
 * step; fused_ltc_step.ts: one per LTC step; forward and backward in TypeScript and the native
 * addon) and the cells' op-by-op tfjs graphs, which stay as the reference. It applies to every
 * tfjs cell step: training, evaluation and tfjs prediction. On by default; off runs (or checks
 * against) the reference graph.
 * Also the helpers both ops share.
 */
import * as tf from '@tensorflow/tfjs-core';

let fused = true;

export function setFusedTraining(on: boolean): void {
  fused = on;
}

export function fusedTraining(): boolean {
  return fused;
}

/** True inside tf.grads / variableGrads: an op's intermediates are then needed for its backward. */
export function tapeRecording(): boolean {
  return tf.engine().state.gradientDepth > 0;
}

/** A tensor's values, read-only: the cpu backend's dataSync returns its own buffer (wasm's is a copy). */
export function values(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** (B, 1) per-sample or (1, 1) shared elapsed times, as one value per batch row. */
export function perRow(ts: tf.Tensor, batch: number): Float64Array {
  const t = values(ts);
  return Float64Array.from({ length: batch }, (_, b) => t[t.length === 1 ? 0 : b]);
}

/**
 * The gradient of the elapsed times, given per batch row and step (B, T), folded back to the shape
 * of `ts`: (B, T) per sample, or (1, T) shared, summed over the rows (T = 1 for a single step).
 */
export function timeGradient(ts: tf.Tensor, g: ArrayLike<number>): tf.Tensor {
  if (ts.size === g.length) return tf.tensor(Float32Array.from(g), ts.shape);
  const steps = ts.size;
  const rows = g.length / steps;
  const out = new Float32Array(steps);
  for (let t = 0; t < steps; t++) {
    let sum = 0;
    for (let b = 0; b < rows; b++) sum += g[b * steps + t];
    out[t] = sum;
  }
  return tf.tensor(out, ts.shape);
}

/** A gradient as a float32 tensor of `shape` (float64 accumulators are rounded once, here). */
export function gradTensor(g: Float32Array | Float64Array, shape: number[]): tf.Tensor {
  return tf.tensor(g instanceof Float32Array ? g : Float32Array.from(g), shape);
}

/** The (cols, rows) transpose of a row-major (rows, cols) matrix. */
export function transpose<T extends Float32Array | Float64Array>(m: T, rows: number, cols: number, out: T): T {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  }
  return out;
}

/*
 * σ(x) from a table of cubic Hermite segments (values and slopes exact at the knots, spacing
 * 1/16 on [−32, 32]): |error| < 1e-8, no exp and no division, ~2× faster than
 * 1/(1 + Math.exp(−x)) — the LTC evaluates B·unfolds·H² of them per step. Beyond ±32, σ is 0
 * or 1 to float32 precision (the table's end segments).
 */
const SIGMOID_RANGE = 32;
/** σ(x) = sigmoidAt(x·SIGMOID_SCALE + SIGMOID_SHIFT): a caller computing x = a·p + b folds both into a and b. */
export const SIGMOID_SCALE = 16;
export const SIGMOID_SHIFT = SIGMOID_RANGE * SIGMOID_SCALE;
const SIGMOID_SEGMENTS = 2 * SIGMOID_SHIFT;
const SIGMOID_LAST = SIGMOID_SEGMENTS - 1e-9;
/** Per segment k: the cubic's coefficients in t ∈ [0, 1), at [4k, 4k + 4). */
const SIGMOID_TABLE = sigmoidTable();

function sigmoidTable(): Float64Array {
  const exact = (x: number) => 1 / (1 + Math.exp(-x));
  const table = new Float64Array(4 * SIGMOID_SEGMENTS);
  const h = 1 / SIGMOID_SCALE;
  for (let k = 0; k < SIGMOID_SEGMENTS; k++) {
    const x = -SIGMOID_RANGE + k * h;
    const [y0, y1] = [exact(x), exact(x + h)];
    const [d0, d1] = [y0 * (1 - y0) * h, y1 * (1 - y1) * h]; // slopes per unit t
    table.set([y0, d0, 3 * (y1 - y0) - 2 * d0 - d1, 2 * (y0 - y1) + d0 + d1], 4 * k);
  }
  return table;
}

/** σ at table coordinate u = x·SIGMOID_SCALE + SIGMOID_SHIFT. */
export function sigmoidAt(u: number): number {
  const v = u < 0 ? 0 : u > SIGMOID_LAST ? SIGMOID_LAST : u;
  const k = v | 0;
  const t = v - k;
  const o = 4 * k;
  const c = SIGMOID_TABLE;
  return c[o] + t * (c[o + 1] + t * (c[o + 2] + t * c[o + 3]));
}

export function sigmoid(x: number): number {
  return sigmoidAt(x * SIGMOID_SCALE + SIGMOID_SHIFT);
}

/**
 * A memo of what an op derives from its parameter tensors (copies, transposes, softplus), keyed
 * on their data: parameters stay the same for every step of a batch, and an optimizer update
 * (Variable.assign) gives a variable a new dataId, which invalidates the entry. Entries die with
 * the first tensor's data (WeakMap), so several cells can each keep theirs.
 */
export function parameterMemo<T>(): (tensors: tf.Tensor[], derive: () => T) => T {
  const memo = new WeakMap<object, { ids: object[]; value: T }>();
  return (tensors, derive) => {
    const ids = tensors.map((t) => t.dataId);
    const hit = memo.get(ids[0]);
    if (hit && hit.ids.every((id, k) => id === ids[k])) return hit.value;
    const value = derive();
    memo.set(ids[0], { ids, value });
    return value;
  };
}

/*
 * Per-step scratch (activations kept for the backward, intermediate gradients), handed back once
 * used instead of left to the garbage collector: a batch-256 CfC step allocates ~2 MB, and
 * collecting that was a tenth of training. Only buffers that never become a tensor's data may be
 * pooled (the cpu backend keeps the array it is given). A taken buffer holds stale values.
 */
const pool = new Map<number, Float32Array[]>();
/** Enough for every step of a long window to hand back several buffers of one size. */
const MAX_POOLED_PER_SIZE = 256;

export function takeBuffer(size: number): Float32Array {
  return pool.get(size)?.pop() ?? new Float32Array(size);
}

export function giveBack(...buffers: Float32Array[]): void {
  for (const b of buffers) {
    const list = pool.get(b.length);
    if (!list) pool.set(b.length, [b]);
    else if (list.length < MAX_POOLED_PER_SIZE) list.push(b);
  }
}
