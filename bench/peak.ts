/**
 * The physical limit the training kernels work against, on this machine: one core's arithmetic
 * peak with AVX-512 FMA, AVX2 FMA and 128-bit multiply + add (WebAssembly SIMD128's ceiling: it
 * has no fused multiply-add), one core's memory read bandwidth (bench/peak.c, compiled here with
 * the system C compiler), and what the matrix products reach at a training-sized 256×256×256
 * (C = A·Bᵀ, as a Linear's forward): the native addon's on one core and on all, tfjs-wasm's
 * XNNPACK (one thread), torch's (MKL) on one thread and at its default.
 *
 *   npm run bench -- peak
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lnn_ros/kernels/backend';
import { nativeKernels } from '../lnn_ros/kernels/native';
import { ncpsTorchJson } from './python';
import type { BenchEntry } from './types';

const COMMAND = 'npm run bench -- peak';
const N = 256;

/** Best GFLOP/s of `product` (2·N³ flops) over 5 timings of repeated calls. */
function gflops(product: () => void): number {
  const reps = Math.max(3, Math.round(2e9 / N ** 3));
  for (let i = 0; i < 3; i++) product();
  let best = 0;
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    for (let i = 0; i < reps; i++) product();
    best = Math.max(best, (2 * N ** 3 * reps) / ((performance.now() - start) / 1000) / 1e9);
  }
  return best;
}

interface Peaks {
  avx512_fma: number | null;
  avx2_fma: number | null;
  simd128_mul_add: number;
  read_gb_s: number;
}

function peaks(): { result: Peaks | null; reason: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-peak-'));
  try {
    const exe = path.join(dir, 'peak');
    const cc = spawnSync(process.env.CC ?? 'cc', ['-O3', '-o', exe, path.join(__dirname, 'peak.c')], { encoding: 'utf8' });
    if (cc.status !== 0) return { result: null, reason: `no C compiler to build bench/peak.c (${(cc.stderr ?? cc.error?.message ?? '').trim().split('\n')[0]})` };
    const out = spawnSync(exe, { encoding: 'utf8' });
    return { result: JSON.parse(out.stdout) as Peaks, reason: '' };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchEntry[]> {
  await initBackend(undefined, () => undefined);
  const entries: BenchEntry[] = [];
  const add = (name: string, unit: string, value: number | null, note: string) => entries.push({ name, unit, value, note, command: COMMAND });
  const p = peaks();
  const peakNote = (what: string) => (p.result ? `${what}; one core, register-only loop (bench/peak.c)` : p.reason);
  add('peak_avx512_fma_gflops', 'GFLOP/s', p.result?.avx512_fma ?? null, peakNote('512-bit FMA'));
  add('peak_avx2_fma_gflops', 'GFLOP/s', p.result?.avx2_fma ?? null, peakNote('256-bit FMA'));
  add('peak_simd128_mul_add_gflops', 'GFLOP/s', p.result?.simd128_mul_add ?? null, peakNote('128-bit multiply then add, the most WebAssembly SIMD128 can issue'));
  add('memory_read_gb_s', 'GB/s', p.result?.read_gb_s ?? null, p.result ? 'one core reading a 256 MiB array' : p.reason);

  const rand = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
  const [a, b, c] = [rand(N * N), rand(N * N), new Float32Array(N * N)];
  const addon = nativeKernels();
  const cores = os.availableParallelism();
  for (const threads of [1, cores]) {
    addon?.setThreads(threads);
    add(`gemm_${N}_native_${threads === 1 ? '1thread' : 'default'}_gflops`, 'GFLOP/s', addon ? gflops(() => addon.gemm(c, a, b, N, N, N, false, true, false)) : null, addon ? `A·Bᵀ, ${addon.isa()} kernels, ${threads} thread(s)` : 'native addon not built');
  }
  addon?.setThreads(cores);
  const initial = tf.getBackend();
  await tf.setBackend('wasm');
  const [ta, tb] = [tf.tensor2d(a, [N, N]), tf.tensor2d(b, [N, N])];
  // _FusedMatMul is tfjs-wasm's own kernel (lnn_ros replaces only BatchMatMul).
  const xnnpack = () => {
    const y = tf.fused.matMul({ a: ta, b: tb });
    y.dataSync();
    y.dispose();
  };
  add(`gemm_${N}_xnnpack_wasm_gflops`, 'GFLOP/s', gflops(xnnpack), "tfjs-wasm's XNNPACK matmul (A·B, its fast layout), SIMD128, one thread, with tfjs's per-op overhead and the read-back");
  tf.dispose([ta, tb]);
  await tf.setBackend(initial);
  for (const threads of [1, 0]) {
    const torch = ncpsTorchJson<{ gflops: number; threads: number }>(path.join(__dirname, 'torch_gemm.py'), [String(N), String(threads)]);
    add(`gemm_${N}_torch_${threads === 1 ? '1thread' : 'default'}_gflops`, 'GFLOP/s', torch.result?.gflops ?? null, torch.result ? `torch.mm(A, B.t()), ${torch.result.threads} thread(s)` : torch.reason);
  }
  return entries;
}
