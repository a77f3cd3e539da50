/**
 * Kernels that let the tfjs `wasm` backend train conv nets, and train them fast.
 *
 * Stock tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter (a conv net cannot train at all), a
 * naive Conv2DBackpropInput, and a BatchMatMul whose transposed variants skip XNNPACK and run ~10×
 * slower than the plain one — and every Linear forward (x·Wᵀ) and every matmul gradient is
 * transposed. The replacements reduce all three to the backend's own untransposed XNNPACK matmul:
 *  - Conv2DBackpropFilter: dW = im2colᵀ(x) · dy, the transposed im2col built directly in JS.
 *  - Conv2DBackpropInput: dx = col2im(dy · Wᵀ), with Wᵀ made by the wasm Transpose kernel.
 *  - BatchMatMul with transposeA/B: explicit wasm transposes, then the untransposed matmul
 *    (transposeB kept for a few-row A, where the stock path is faster).
 *  - with the native addon (native.ts) in use: Conv2D and FusedConv2D (bias, linear or ReLU)
 *    and both conv gradients as im2col blocks through its multi-threaded SIMD gemm, and every
 *    matmul above through that gemm as well.
 *  - Slice and Unpack: the stock kernels copy the whole input out of the heap for every slice,
 *    so unstacking a (B, T, F) sequence into T steps copied it T times (a tenth of a paper-size
 *    CfC training step); these read it in place.
 * NHWC only (the wasm Conv2D forward itself accepts nothing else).
 *
 * Memory: tensors live on the wasm heap; `typedArrayFromHeap` views are taken only after the last
 * allocation of a kernel, because an allocation may grow (and detach) the heap.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { NativeAddon, NativeConvGeometry, nativeKernels, setPortableOffload } from './native';

type Attrs = Record<string, unknown>;
type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: BackendWasm; attrs: Attrs };
type WasmKernel = (args: KernelArgs) => tf.TensorInfo;
/** Unpack returns several tensors. */
type AnyWasmKernel = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

let registered = false;
/** The stock kernels replaced, kept for A/B benchmarks (bench/encoder.ts). */
const stock: tf.KernelConfig[] = [];

/** Registers the replacements for the `wasm` backend (idempotent; needs tfjs-backend-wasm loaded). */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  const matMul = original('BatchMatMul');
  const transpose = original('Transpose');
  const ops: WasmOps = { matMul: matMul.kernelFunc as WasmKernel, transpose: transpose.kernelFunc as WasmKernel };
  replace(matMul, (args) => batchMatMul(args, ops));
  replace(original('Conv2DBackpropInput'), (args) => conv2DBackpropInput(args, ops));
  for (const name of ['Conv2D', 'FusedConv2D']) {
    const stockKernel = original(name).kernelFunc as unknown as WasmKernel;
    replace(original(name), (args) => nativeConv2D(args) ?? stockKernel(args));
  }
  for (const [name, input, kernel] of [['Slice', 'x', slice], ['Unpack', 'value', unpack]] as const) {
    const stockKernel = original(name).kernelFunc as unknown as AnyWasmKernel;
    replace(original(name), (args) => (onHeap(args.inputs[input]) ? kernel(args) : stockKernel(args)));
  }
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: asKernel((args) => conv2DBackpropFilter(args, ops)) });
  setPortableOffload(xnnpackProduct);
  registered = true;
}

interface WasmOps {
  matMul: WasmKernel;
  transpose: WasmKernel;
}

function original(kernelName: string): tf.KernelConfig {
  const config = tf.getKernel(kernelName, 'wasm');
  if (!config) throw new Error(`wasm kernel '${kernelName}' is not registered: load @tensorflow/tfjs-backend-wasm first (initBackend does)`);
  return config;
}

/** The stock wasm kernels that registerWasmTrainingKernels replaced (none before it ran). */
export function replacedWasmKernels(): readonly tf.KernelConfig[] {
  return stock;
}

/** Swaps the kernel function, keeping the original's setup (its cwrap'd wasm entry points). */
function replace(config: tf.KernelConfig, kernelFunc: AnyWasmKernel): void {
  stock.push(config);
  tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel({ ...config, kernelFunc: asKernel(kernelFunc) });
}

function asKernel(f: AnyWasmKernel): tf.KernelFunc {
  return f as unknown as tf.KernelFunc;
}

function view(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** Swaps the last two axes with the wasm Transpose kernel. */
function transposeLast2(x: tf.TensorInfo, backend: BackendWasm, ops: WasmOps): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
  return ops.transpose({ inputs: { x }, backend, attrs: { perm } });
}

/**
 * Below this many rows of A, the stock transposeB path beats transposing B: the untransposed
 * matmul repacks its right operand (XNNPACK weights) whenever that is a new tensor, which costs
 * more than the whole product when A is a few rows (batch-1 inference through Linear's x·Wᵀ).
 * Measured on this package's shapes: stock wins at 1–8 rows, the transpose from 16 rows up.
 */
const MIN_ROWS_TO_TRANSPOSE_B = 16;

function batchMatMul(args: KernelArgs, ops: WasmOps): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const addon = nativeKernels();
  if (addon) {
    const out = nativeBatchMatMul(args, addon);
    if (out) return out;
  }
  if (!attrs.transposeA && !attrs.transposeB) return ops.matMul(args);
  // Transposing A always pays: it is the operand the matmul reads as is.
  const a = attrs.transposeA ? transposeLast2(inputs.a, backend, ops) : inputs.a;
  const rows = tf.util.sizeFromShape(a.shape) / a.shape[a.shape.length - 1];
  const keepTransposeB = Boolean(attrs.transposeB) && rows < MIN_ROWS_TO_TRANSPOSE_B;
  const b = attrs.transposeB && !keepTransposeB ? transposeLast2(inputs.b, backend, ops) : inputs.b;
  const out = ops.matMul({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: keepTransposeB } });
  if (a !== inputs.a) backend.disposeData(a.dataId);
  if (b !== inputs.b) backend.disposeData(b.dataId);
  return out;
}

/** The part of `from` (row-major `shape`) at `begin` of `size`, into `to`: contiguous runs copied straight across. */
function copySlice(from: tf.TypedArray, shape: number[], begin: number[], size: number[], to: tf.TypedArray): void {
  const rank = shape.length;
  const strides = shape.map((_, d) => tf.util.sizeFromShape(shape.slice(d + 1)));
  // The innermost axis the slice cuts: every axis after it is whole, so each run is contiguous.
  let inner = rank - 1;
  while (inner > 0 && begin[inner] === 0 && size[inner] === shape[inner]) inner--;
  const run = size[inner] * strides[inner];
  const index = new Array<number>(inner).fill(0); // position over the outer axes
  const runs = tf.util.sizeFromShape(size.slice(0, inner));
  for (let r = 0; r < runs; r++) {
    let offset = begin[inner] * strides[inner];
    for (let d = 0; d < inner; d++) offset += (begin[d] + index[d]) * strides[d];
    to.set(from.subarray(offset, offset + run), r * run);
    for (let d = inner - 1; d >= 0 && ++index[d] === size[d]; d--) index[d] = 0;
  }
}

/** Strings and scalars stay with the stock kernels (strings do not live on the heap). */
const onHeap = (x: tf.TensorInfo) => x.dtype !== 'string' && x.shape.length > 0;

function slice(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin as number[], attrs.size as number[]);
  const out = backend.makeOutput(size, x.dtype);
  // Views only after the last allocation (makeOutput may grow the heap).
  if (tf.util.sizeFromShape(size) > 0) copySlice(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
  return out;
}

/** tf.unstack: one slice per index of `axis`, that axis dropped. */
function unpack(args: KernelArgs): tf.TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { value } = inputs;
  const rank = value.shape.length;
  const axis = (attrs.axis as number) < 0 ? (attrs.axis as number) + rank : (attrs.axis as number);
  const outShape = value.shape.filter((_, d) => d !== axis);
  const outs = Array.from({ length: value.shape[axis] }, () => backend.makeOutput(outShape, value.dtype));
  const size = value.shape.slice();
  size[axis] = 1;
  const begin = new Array<number>(rank).fill(0);
  if (tf.util.sizeFromShape(outShape) === 0) return outs;
  const from = backend.typedArrayFromHeap(value);
  outs.forEach((out, i) => {
    begin[axis] = i;
    copySlice(from, value.shape, begin, size, backend.typedArrayFromHeap(out));
  });
  return outs;
}

/**
 * The fused ops' products through the wasm matmul (XNNPACK, ~20 GFLOP/s here against ~1.5 for
 * the TypeScript loop) when the addon is absent; not while another backend is in use. The
 * nested ops are not taped (tfjs records no op run inside another's kernel).
 */
function xnnpackProduct(c: Float32Array, a: Float32Array, b: Float32Array, m: number, n: number, k: number, transA: boolean, transB: boolean, accumulate: boolean): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  const product = tf.tidy(() => tf.matMul(tf.tensor2d(a.subarray(0, m * k), transA ? [k, m] : [m, k]), tf.tensor2d(b.subarray(0, k * n), transB ? [n, k] : [k, n]), transA, transB));
  const v = product.dataSync() as Float32Array;
  product.dispose();
  if (!accumulate) c.set(v);
  else for (let i = 0; i < m * n; i++) c[i] += v[i];
  return true;
}

/** The heap view of a tensor; take it only after the kernel's last allocation. */
const heap = (backend: BackendWasm, t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;

/** [..., M, K] · [..., K, N] (either transposed) per batch entry; null (stock) for partial broadcasts or non-float32. */
function nativeBatchMatMul(args: KernelArgs, addon: NativeAddon): tf.TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const [ta, tb] = [Boolean(attrs.transposeA), Boolean(attrs.transposeB)];
  const [ra, rb] = [a.shape.length, b.shape.length];
  const [m, k] = ta ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
  const n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const [batch, batchA, batchB] = [outer, a.shape.slice(0, -2), b.shape.slice(0, -2)].map((s) => tf.util.sizeFromShape(s));
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return null;
  const out = backend.makeOutput([...outer, m, n], 'float32');
  const [av, bv, ov] = [heap(backend, a), heap(backend, b), heap(backend, out)];
  for (let i = 0; i < batch; i++) {
    const at = batchA === 1 ? 0 : i * m * k;
    const bt = batchB === 1 ? 0 : i * k * n;
    addon.gemm(ov.subarray(i * m * n, (i + 1) * m * n), av.subarray(at, at + m * k), bv.subarray(bt, bt + k * n), m, n, k, ta, tb, false);
  }
  return out;
}

/** Conv2D / FusedConv2D with bias and linear or ReLU activation, NHWC, no dilation; null (stock) otherwise. */
function nativeConv2D(args: KernelArgs): tf.TensorInfo | null {
  const addon = nativeKernels();
  const { inputs, backend, attrs } = args;
  const { x, filter, bias } = inputs;
  const activation = (attrs.activation as string | undefined) ?? 'linear';
  const dilations = attrs.dilations as number | [number, number] | undefined;
  const undilated = dilations === undefined || [dilations].flat().every((d) => d === 1);
  if (!addon || !undilated || (activation !== 'linear' && activation !== 'relu') || (attrs.dataFormat ?? 'NHWC') !== 'NHWC' || x.dtype !== 'float32') return null;
  const c = convInfo(x.shape, filter.shape, attrs);
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== c.outChannels)) return null;
  const out = backend.makeOutput([c.batchSize, c.outHeight, c.outWidth, c.outChannels], 'float32');
  addon.conv2d({ ...geometry(c, activation === 'relu'), x: heap(backend, x), filter: heap(backend, filter), bias: bias ? heap(backend, bias) : null, out: heap(backend, out) });
  return out;
}

function geometry(c: tf.backend_util.Conv2DInfo, relu = false): NativeConvGeometry {
  return {
    batch: c.batchSize,
    inH: c.inHeight,
    inW: c.inWidth,
    inC: c.inChannels,
    outH: c.outHeight,
    outW: c.outWidth,
    outC: c.outChannels,
    kH: c.filterHeight,
    kW: c.filterWidth,
    strideH: c.strideHeight,
    strideW: c.strideWidth,
    padTop: c.padInfo.top,
    padLeft: c.padInfo.left,
    relu: relu ? 1 : 0,
  };
}

/** The geometry of an NHWC conv, from tfjs's own shape/padding rules. */
function convInfo(inShape: number[], filterShape: number[], attrs: Attrs): tf.backend_util.Conv2DInfo {
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat as 'NHWC' | 'NCHW');
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    dataFormat,
  );
  if (info.dataFormat !== 'channelsLast') throw new Error(`wasm conv gradients support NHWC only, got ${String(attrs.dataFormat)}`);
  return info;
}

/**
 * dW (fh, fw, cin, cout) = im2colᵀ(x) (fh·fw·cin, n) · dy (n, cout), n = batch·outH·outW.
 * The big im2col matrix must be the left operand: the wasm matmul repacks its right operand (as
 * XNNPACK weights) whenever that is a new tensor, which it always is here.
 */
function conv2DBackpropFilter(args: KernelArgs, ops: WasmOps): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as number[];
  const c = convInfo(x.shape, filterShape, attrs);
  const n = c.batchSize * c.outHeight * c.outWidth;
  const k = c.filterHeight * c.filterWidth * c.inChannels;
  const addon = nativeKernels();
  if (addon) {
    const dw = backend.makeOutput(filterShape, 'float32');
    addon.conv2dBackpropFilter({ ...geometry(c), x: heap(backend, x), dy: heap(backend, dy), dw: heap(backend, dw) });
    return dw;
  }
  const colsT = backend.makeOutput([1, k, n], 'float32');
  im2colTransposed(backend.typedArrayFromHeap(x) as Float32Array, backend.typedArrayFromHeap(colsT) as Float32Array, c);
  const dw = ops.matMul({ inputs: { a: colsT, b: view(dy, [1, n, c.outChannels]) }, backend, attrs: { transposeA: false, transposeB: false } });
  backend.disposeData(colsT.dataId);
  return view(dw, filterShape);
}

/** dx = col2im(dy (n, cout) · Wᵀ (cout, fh·fw·cin)). */
function conv2DBackpropInput(args: KernelArgs, ops: WasmOps): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const inputShape = attrs.inputShape as number[];
  const c = convInfo(inputShape, filter.shape, attrs);
  const n = c.batchSize * c.outHeight * c.outWidth;
  const k = c.filterHeight * c.filterWidth * c.inChannels;
  const addon = nativeKernels();
  if (addon) {
    const dx = backend.makeOutput(inputShape, 'float32');
    addon.conv2dBackpropInput({ ...geometry(c), filter: heap(backend, filter), dy: heap(backend, dy), dx: heap(backend, dx) });
    return dx;
  }
  const filterT = transposeLast2(view(filter, [1, k, c.outChannels]), backend, ops);
  const cols = ops.matMul({ inputs: { a: view(dy, [1, n, c.outChannels]), b: filterT }, backend, attrs: { transposeA: false, transposeB: false } });
  backend.disposeData(filterT.dataId);
  const dx = backend.makeOutput(inputShape, 'float32');
  col2im(backend.typedArrayFromHeap(cols) as Float32Array, backend.typedArrayFromHeap(dx) as Float32Array, c);
  backend.disposeData(cols.dataId);
  return dx;
}

/**
 * colsT[(kh, kw, ci), (b, oh, ow)] = x[b, oh·sh − top + kh, ow·sw − left + kw, ci], 0 in the padding.
 * One output row (b, oh) at a time, so the few input rows it reads stay in cache.
 */
function im2colTransposed(x: Float32Array, colsT: Float32Array, c: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = c;
  const top = c.padInfo.top;
  const left = c.padInfo.left;
  const n = batchSize * outHeight * outWidth;
  const step = strideWidth * inChannels;
  // When every window lies inside the image ('valid'), every element is written below.
  const inside = top === 0 && left === 0 && (outHeight - 1) * strideHeight + filterHeight <= inHeight && (outWidth - 1) * strideWidth + filterWidth <= inWidth;
  if (!inside) colsT.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const column = (b * outHeight + oh) * outWidth;
      for (let kh = 0; kh < filterHeight; kh++) {
        const ih = oh * strideHeight - top + kh;
        if (ih < 0 || ih >= inHeight) continue;
        const xRow = (b * inHeight + ih) * inWidth;
        for (let kw = 0; kw < filterWidth; kw++) {
          // Output columns whose input column is inside the image: [owStart, owEnd).
          const owStart = Math.min(outWidth, Math.max(0, Math.ceil((left - kw) / strideWidth)));
          const owEnd = Math.min(outWidth, Math.floor((inWidth - 1 + left - kw) / strideWidth) + 1);
          const src0 = (xRow + owStart * strideWidth - left + kw) * inChannels;
          for (let ci = 0; ci < inChannels; ci++) {
            const dst = ((kh * filterWidth + kw) * inChannels + ci) * n + column;
            for (let ow = owStart, src = src0 + ci; ow < owEnd; ow++, src += step) colsT[dst + ow] = x[src];
          }
        }
      }
    }
  }
}

/** dx[b, ih, iw, ci] = Σ cols[(b, oh, ow), (kh, kw, ci)] over the windows covering (ih, iw). */
function col2im(cols: Float32Array, dx: Float32Array, c: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = c;
  const top = c.padInfo.top;
  const left = c.padInfo.left;
  const rowLength = filterWidth * inChannels;
  dx.fill(0);
  let row = 0; // (b, oh, ow, kh): one filter row of one window
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const iw0 = ow * strideWidth - left;
        // The filter row's in-image part, contiguous in both dx and cols.
        const start = Math.max(0, -iw0) * inChannels;
        const end = Math.min(filterWidth, inWidth - iw0) * inChannels;
        for (let kh = 0; kh < filterHeight; kh++, row++) {
          const ih = oh * strideHeight - top + kh;
          if (ih < 0 || ih >= inHeight) continue;
          const dst = ((b * inHeight + ih) * inWidth + iw0) * inChannels;
          const src = row * rowLength;
          for (let i = start; i < end; i++) dx[dst + i] += cols[src + i];
        }
      }
    }
  }
}
