/**
 * The native addon's matrix product against the portable one on shapes that hit every edge
 * (partial micro-tiles, several cache blocks, K = 0 and 1, both transposes, accumulation), on one
 * thread and on all; one-row products (which skip the packing) bit for bit against the same row of
 * a packed product; and its argument checks. Skipped where the addon is not built.
 */
import { strict as assert } from 'node:assert';
import { gemm, nativeKernels, useNativeKernels } from '../lnn_ros/kernels/native';

/** Deterministic values in [-0.5, 0.5). */
function values(seed: number, n: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

const SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [5, 7, 3],
  [7, 33, 0],
  [13, 65, 300],
  [130, 40, 257],
  [256, 81, 256],
  [3, 1600, 20],
  [300, 2, 700],
  [1, 300, 1000],
  [1, 17, 256],
];

describe('native kernels', function () {
  const addon = nativeKernels();
  before(function () {
    if (!addon) this.skip();
  });
  after(() => {
    useNativeKernels(true);
    addon?.setThreads(require('node:os').availableParallelism());
  });

  for (const threads of [1, 2]) {
    it(`gemm matches the portable product (${threads} thread${threads > 1 ? 's' : ''})`, () => {
      addon!.setThreads(threads);
      for (const [m, n, k] of SHAPES) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            for (const accumulate of [false, true]) {
              const a = values(1, m * k);
              const b = values(2, k * n);
              const c0 = values(3, m * n);
              const [native, portable] = [true, false].map((on) => {
                useNativeKernels(on);
                const c = c0.slice();
                gemm(c, a, b, m, n, k, transA, transB, accumulate);
                return c;
              });
              let worst = 0;
              for (let i = 0; i < native.length; i++) worst = Math.max(worst, Math.abs(native[i] - portable[i]));
              assert.ok(worst <= 1e-5 * Math.max(1, Math.sqrt(k)), `${m}×${n}×${k} ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}${accumulate ? ' +=' : ''}: max |diff| ${worst}`);
            }
          }
        }
      }
    });
  }

  it('gives a one-row product the same bits as that row of a taller product (its unpacked path)', () => {
    useNativeKernels(true);
    addon!.setThreads(2);
    for (const [n, k] of [[1, 1], [17, 0], [81, 257], [256, 16384], [300, 1000]]) {
      for (const transA of [false, true]) {
        for (const accumulate of [false, true]) {
          const m = 7;
          const a = values(4, m * k); // transposed: (k, m), row 0 is column 0
          const row = transA ? Float32Array.from({ length: k }, (_, i) => a[i * m]) : a.subarray(0, k);
          const b = values(5, k * n);
          const c0 = values(6, m * n);
          const tall = c0.slice();
          gemm(tall, a, b, m, n, k, transA, false, accumulate);
          const one = c0.slice(0, n);
          gemm(one, row, b, 1, n, k, transA, false, accumulate);
          assert.ok(one.every((v, j) => Object.is(v, tall[j])), `1×${n}×${k} ${transA ? 'T' : 'N'}N${accumulate ? ' +=' : ''}`);
        }
      }
    }
  });

  it('keeps NaN through the activations (a clamp must not hide a diverged value)', () => {
    const pre = Float32Array.of(NaN, Infinity, -Infinity, 0.5);
    for (const [code, name] of [[0, 'lecun_tanh'], [1, 'silu'], [2, 'relu'], [3, 'tanh']] as const) {
      const out = new Float32Array(pre.length);
      addon!.cfcActivation(code, pre, out);
      assert.ok(Number.isNaN(out[0]), `${name}(NaN) = ${out[0]}`);
      assert.ok(Number.isFinite(out[3]), `${name}(0.5) = ${out[3]}`);
    }
  });

  it('refuses arrays shorter than the sizes and non-float arrays', () => {
    const f = (n: number) => new Float32Array(n);
    assert.throws(() => addon!.gemm(f(5), f(6), f(6), 2, 3, 3, false, false, false), RangeError);
    assert.throws(() => addon!.gemm(f(6), f(5), f(9), 2, 3, 3, false, false, false), RangeError);
    assert.throws(() => addon!.gemm(f(6), new Float64Array(6) as unknown as Float32Array, f(9), 2, 3, 2, false, false, false), TypeError);
    assert.throws(() => addon!.ltcForward({} as never), TypeError);
  });

  it('names its instruction set and thread count', () => {
    assert.match(addon!.isa(), /^(avx512|avx2|sse2|neon|baseline)$/);
    addon!.setThreads(3);
    assert.equal(addon!.threads(), 3);
  });
});
