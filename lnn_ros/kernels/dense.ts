/**
 * Building blocks of the streaming kernels: weight snapshots, a dense layer whose mat-vec runs as
 * WebAssembly SIMD (f32x4) and the elementwise functions of ncps with torch's definitions.
 * Nothing here allocates after construction. Elementwise math runs in float64 and is stored as
 * float32; the mat-vec accumulates in float32 like the tfjs / torch graphs. Both stay within
 * ~1e-6 of them.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../model/activations';
import type { Linear } from '../model/linear';

/** A copy of a tensor's values; never the backend's own buffer, which must not be written. */
export function snapshot(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}

/** y = W·x + b weights at construction time: W row-major (rows, cols), torch's (out, in) layout. */
export interface Affine {
  readonly rows: number;
  readonly cols: number;
  readonly w: Float32Array;
  readonly b: Float32Array;
}

/**
 * Stacks Linear layers that read the same input into one (Σ out, in) affine map, so one mat-vec
 * serves them all (CfC's four heads). `mask` (out, in) multiplies the weights of the layers
 * flagged in `masked`, folding ncps's sparsity_mask in once. A missing bias is zeros.
 */
export function stackLinear(layers: Linear[], mask: Float32Array | null = null, masked: boolean[] = []): Affine {
  const cols = layers[0].inFeatures;
  const rows = layers.reduce((n, l) => n + l.outFeatures, 0);
  const w = new Float32Array(rows * cols);
  const b = new Float32Array(rows);
  let row = 0;
  layers.forEach((layer, i) => {
    const lw = snapshot(layer.weight);
    if (mask && masked[i]) for (let k = 0; k < lw.length; k++) lw[k] *= mask[k];
    w.set(lw, row * cols);
    if (layer.bias) b.set(snapshot(layer.bias), row);
    row += layer.outFeatures;
  });
  return { rows, cols, w, b };
}

/** [A | B]: maps with the same outputs over [xa | xb] (the LSTM's input and recurrent maps); biases add. */
export function concatColumns(a: Affine, b: Affine): Affine {
  const cols = a.cols + b.cols;
  const w = new Float32Array(a.rows * cols);
  const bias = new Float32Array(a.rows);
  for (let r = 0; r < a.rows; r++) {
    w.set(a.w.subarray(r * a.cols, (r + 1) * a.cols), r * cols);
    w.set(b.w.subarray(r * b.cols, (r + 1) * b.cols), r * cols + a.cols);
    bias[r] = a.b[r] + b.b[r];
  }
  return { rows: a.rows, cols, w, b: bias };
}

// tsconfig's lib (ES2022) declares no WebAssembly; this is the part used here.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Memory {
    constructor(descriptor: { initial: number });
    readonly buffer: ArrayBuffer;
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}

// --- The mat-vec in WebAssembly. Scalar JavaScript reaches ~0.8 GMAC/s here; f32x4 lanes with
// four rows per pass (x loaded once for four rows) reach ~9 GMAC/s, which takes the streaming step
// of a CfC with a 64-wide backbone from ~20 µs to ~5 µs. Hand-assembled so that there is no build
// step; the function, in the text format, with byte addresses as i32 parameters:
//
//   (func $mv (param $w $b $x $out $rows $cols i32)     ;; rows, cols: multiples of 4
//     stride = cols*4; end = x + stride; outEnd = out + rows*4
//     loop while out < outEnd:                           ;; four rows per pass
//       a0..a3 = 0; q = x; p = w
//       loop: xv = v128.load(q); a_i += v128.load(p + i*stride) * xv (i = 0..3); p += 16; q += 16
//             while q < end
//       f32.store(out + 4i, f32.load(b + 4i) + lane0(a_i) + lane1(a_i) + lane2(a_i) + lane3(a_i))
//       w += 4*stride; b += 16; out += 16)
const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    const byte = n & 0x7f;
    n >>>= 7;
    out.push(n ? byte | 0x80 : byte);
  } while (n);
  return out;
};
const wasmName = (s: string) => [...uleb(s.length), ...Buffer.from(s, 'utf8')];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const I32 = 0x7f;
const V128 = 0x7b;
const get = (local: number) => [0x20, local];
const set = (local: number) => [0x21, local];
const i32Const = (n: number) => [0x41, ...uleb(n)]; // only small non-negative constants (< 64) are used
const [ADD, SHL, GE_U, LT_U, F32_ADD] = [0x6a, 0x74, 0x4f, 0x49, 0x92];
const [BLOCK, LOOP, END, BR, BR_IF] = [[0x02, 0x40], [0x03, 0x40], 0x0b, 0x0c, 0x0d];
const simd = (op: number, ...immediates: number[]) => [0xfd, ...uleb(op), ...immediates];
const V128_LOAD = simd(0x00, 4, 0); // align 2^4, offset 0
const [F32X4_ADD, F32X4_MUL] = [simd(0xe4), simd(0xe6)];
const lane = (l: number) => simd(0x1f, l); // f32x4.extract_lane
const ZERO_V128 = [0x43, 0, 0, 0, 0, ...simd(0x13)]; // f32x4.splat(0.0)
const f32Load = (offset: number) => [0x2a, 2, offset];
const f32Store = (offset: number) => [0x38, 2, offset];

const [W, B, X, OUT, ROWS, COLS] = [0, 1, 2, 3, 4, 5]; // parameters
const [STRIDE, X_END, OUT_END, Q, P, STRIDE2, STRIDE3] = [6, 7, 8, 9, 10, 11, 12]; // i32 locals
const ACC = [13, 14, 15, 16];
const XV = 17;
const increment = (local: number, by: number[]) => [...get(local), ...by, ADD, ...set(local)];
const rowOffset = [[], [...get(STRIDE), ADD], [...get(STRIDE2), ADD], [...get(STRIDE3), ADD]];
const laneSum = (a: number) => [...get(a), ...lane(0), ...get(a), ...lane(1), F32_ADD, ...get(a), ...lane(2), ...get(a), ...lane(3), F32_ADD, F32_ADD];
const MV_BODY = [
  ...[2, 7, I32, 5, V128], // locals: 7 i32, 5 v128
  ...get(COLS), ...i32Const(2), SHL, ...set(STRIDE),
  ...get(STRIDE), ...get(STRIDE), ADD, ...set(STRIDE2),
  ...get(STRIDE2), ...get(STRIDE), ADD, ...set(STRIDE3),
  ...get(X), ...get(STRIDE), ADD, ...set(X_END),
  ...get(OUT), ...get(ROWS), ...i32Const(2), SHL, ADD, ...set(OUT_END),
  ...BLOCK, ...LOOP,
  ...get(OUT), ...get(OUT_END), GE_U, BR_IF, 1,
  ...ACC.flatMap((a) => [...ZERO_V128, ...set(a)]),
  ...get(X), ...set(Q), ...get(W), ...set(P),
  ...LOOP,
  ...get(Q), ...V128_LOAD, ...set(XV),
  ...ACC.flatMap((a, i) => [...get(a), ...get(P), ...rowOffset[i], ...V128_LOAD, ...get(XV), ...F32X4_MUL, ...F32X4_ADD, ...set(a)]),
  ...increment(P, i32Const(16)), ...increment(Q, i32Const(16)),
  ...get(Q), ...get(X_END), LT_U, BR_IF, 0,
  END,
  ...ACC.flatMap((a, i) => [...get(OUT), ...get(B), ...f32Load(4 * i), ...laneSum(a), F32_ADD, ...f32Store(4 * i)]),
  ...increment(W, [...get(STRIDE2), ...get(STRIDE2), ADD]), ...increment(B, i32Const(16)), ...increment(OUT, i32Const(16)),
  BR, 0,
  END, END, END,
];
const MV_MODULE = new WebAssembly.Module(
  Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0], // \0asm, version 1
    ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]), // type: (6 × i32) → ()
    ...section(2, [1, ...wasmName('env'), ...wasmName('memory'), 0x02, 0x00, 1]), // import memory, min 1 page
    ...section(3, [1, 0]), // one function of type 0
    ...section(7, [1, ...wasmName('mv'), 0x00, 0]), // export it as "mv"
    ...section(10, [1, ...uleb(MV_BODY.length), ...MV_BODY]),
  ]),
);

type MatVec = (w: number, b: number, x: number, out: number, rows: number, cols: number) => void;
const padTo4 = (n: number) => (n + 3) & ~3;
const PAGE = 65536;

/**
 * y = W·x + b over its own WebAssembly memory holding W, b, x and y: write x into `input`, call
 * `apply()`, read `output`. Rows and columns are zero-padded to multiples of 4 (the padding of
 * `input` stays 0, so callers write only the first `cols` entries).
 */
export class Dense {
  readonly rows: number;
  readonly cols: number;
  readonly input: Float32Array;
  readonly output: Float32Array;
  private readonly mv: MatVec;
  private readonly rowsPadded: number;
  private readonly colsPadded: number;
  /** Byte addresses of W, b, x and y in the memory. */
  private readonly at: { w: number; b: number; x: number; y: number };

  constructor(affine: Affine) {
    const { rows, cols } = affine;
    const rp = padTo4(rows);
    const cp = padTo4(cols);
    const floats = rp * cp + rp + cp + rp;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((4 * floats) / PAGE) });
    const instance = new WebAssembly.Instance(MV_MODULE, { env: { memory } });
    this.mv = instance.exports.mv as MatVec;
    const all = new Float32Array(memory.buffer, 0, floats);
    const [w, b, x, y] = [0, rp * cp, rp * cp + rp, rp * cp + rp + cp];
    for (let r = 0; r < rows; r++) all.set(affine.w.subarray(r * cols, (r + 1) * cols), w + r * cp);
    all.set(affine.b, b);
    this.at = { w: 4 * w, b: 4 * b, x: 4 * x, y: 4 * y };
    this.input = all.subarray(x, x + cols);
    this.output = all.subarray(y, y + rows);
    this.rows = rows;
    this.cols = cols;
    this.rowsPadded = rp;
    this.colsPadded = cp;
  }

  /** output = W·input + b. */
  apply(): void {
    const at = this.at;
    this.mv(at.w, at.b, at.x, at.y, this.rowsPadded, this.colsPadded);
  }
}

// Kept tiny so that V8 always inlines it: a call that returns a double would box it on the heap.
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** torch.nn.Softplus(beta=1, threshold=20): the identity above the threshold. */
export const softplus = (x: number): number => (x > 20 ? x : Math.log1p(Math.exp(x)));

/**
 * erfc with relative error < 1.2e-7 everywhere (Numerical Recipes' Chebyshev fit), float32-adequate.
 * GELU is written with erfc so that its negative tail keeps that relative accuracy instead of
 * cancelling in 1 + erf(x).
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/** ncps's LeCun: 1.7159·tanh(0.666·x) — 0.666, not 2/3. */
const LECUN_SCALE = 1.7159;
const LECUN_SLOPE = 0.666;

/** to[i] = act(from[i]) for i < n, in place by default. One switch per call, not per element. */
export function activate(name: Activation, from: Float32Array, n: number, to: Float32Array = from): void {
  switch (name) {
    case 'lecun_tanh':
      for (let i = 0; i < n; i++) to[i] = LECUN_SCALE * Math.tanh(LECUN_SLOPE * from[i]);
      return;
    case 'silu':
      for (let i = 0; i < n; i++) to[i] = from[i] / (1 + Math.exp(-from[i]));
      return;
    case 'relu':
      for (let i = 0; i < n; i++) to[i] = from[i] < 0 ? 0 : from[i];
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) to[i] = Math.tanh(from[i]);
      return;
    case 'gelu':
      // Exact GELU, torch's default: 0.5·x·(1 + erf(x/√2)) = 0.5·x·erfc(−x/√2).
      for (let i = 0; i < n; i++) to[i] = 0.5 * from[i] * erfc(-from[i] * Math.SQRT1_2);
      return;
  }
}
