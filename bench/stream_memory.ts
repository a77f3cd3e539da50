/**
 * Heap evidence for the streaming kernels: 10^6 steps each of the lane-keeping NCP as LTC and as
 * CfC through KernelStreamingPolicy (validation included), reporting heapUsed with no GC in
 * between, the garbage collections that ran during the steps (none if nothing is allocated), and
 * heapUsed / RSS after a forced GC.
 *
 *   node --expose-gc -r ts-node/register/transpile-only bench/stream_memory.ts
 *
 * run() relaunches itself that way when the current process has no global.gc.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { performance, PerformanceObserver } from 'perf_hooks';
import { initBackend } from '../lnn_ros/kernels/backend';
import { KernelStreamingPolicy } from '../lnn_ros/kernels/kernel_policy';
import { observations, STREAM_MODELS, streamModel } from './stream_step';
import type { BenchEntry } from './types';

const COMMAND = 'node --expose-gc -r ts-node/register/transpile-only bench/stream_memory.ts';
const MB = 2 ** 20;

/**
 * The bench models plus the code paths they miss, so that every kernel path is covered: pure
 * mode, GELU (erfc) and a second backbone layer with the mixed-memory LSTM and a projection, and
 * the LSTM baseline cell.
 */
const CHECKED: Record<string, Record<string, unknown>> = {
  ...STREAM_MODELS,
  cfc_pure_gelu_mixed_memory_proj: { class: 'CfC', units: 16, mode: 'pure', activation: 'gelu', backbone_units: 32, backbone_layers: 2, mixed_memory: true, proj_size: 2 },
  lstm: { class: 'LSTM', units: 16 },
};

interface Memory {
  heapUsed: number;
  rss: number;
}

export interface AllocationResult {
  name: string;
  steps: number;
  /** Garbage collections that started during the steps. */
  gcs: number;
  /** heapUsed right after the steps minus before them, no GC in between. */
  heapGrowthBytes: number;
  /** Bytes, after a forced GC, before the steps (warm) and after them. */
  before: Memory;
  after: Memory;
}

function forceGc(): void {
  const gc = (global as { gc?: () => void }).gc;
  if (!gc) throw new Error('needs node --expose-gc');
  gc();
  gc();
}

/** Start times of the garbage collections so far (the observer reports them asynchronously). */
const gcStarts: number[] = [];

/** Steps per call of drive(): called many times, it is optimised as a whole during the warm-up. */
const CHUNK = 10000;

function drive(policy: KernelStreamingPolicy, xs: Float32Array[]): void {
  for (let i = 0; i < CHUNK; i++) policy.step(xs[i & 63], 0.05);
}

function collected(): Memory {
  forceGc();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

type Window = Omit<AllocationResult, 'name' | 'steps'>;

/** `steps` steps between forced GCs: the GCs that ran during them and the memory around them. */
async function window(policy: KernelStreamingPolicy, xs: Float32Array[], steps: number): Promise<Window> {
  const before = collected();
  const t0 = performance.now();
  for (let done = 0; done < steps; done += CHUNK) drive(policy, xs);
  const t1 = performance.now();
  const heapGrowthBytes = process.memoryUsage().heapUsed - before.heapUsed;
  await new Promise((resolve) => setTimeout(resolve, 20)); // let the GC entries arrive
  return { gcs: gcStarts.filter((t) => t >= t0 && t <= t1).length, heapGrowthBytes, before, after: collected() };
}

/**
 * Runs `steps` steps of each named model once V8 has optimised its kernels: until then the
 * interpreter boxes numbers, so warm-up windows of 20k steps repeat until one runs without GC
 * and with under 16 KB of heap growth (at most 30 of them).
 */
export async function allocationCheck(steps: number, names = Object.keys(CHECKED)): Promise<AllocationResult[]> {
  await initBackend(undefined, () => undefined);
  const observer = new PerformanceObserver((list) => gcStarts.push(...list.getEntries().map((e) => e.startTime)));
  observer.observe({ entryTypes: ['gc'] });
  const results: AllocationResult[] = [];
  for (const name of names) {
    const model = streamModel(CHECKED[name]);
    const policy = new KernelStreamingPolicy(model);
    const xs = observations(model.inputSize);
    for (let w = 0; w < 30; w++) {
      const warm = await window(policy, xs, 20000);
      if (warm.gcs === 0 && warm.heapGrowthBytes < 16384) break;
    }
    results.push({ name, steps, ...(await window(policy, xs, steps)) });
    model.dispose();
  }
  observer.disconnect();
  return results;
}

const mb = (bytes: number) => (bytes / MB).toFixed(1);

async function measure(): Promise<BenchEntry[]> {
  const results = await allocationCheck(1e6, ['ncp19_ltc', 'ncp19_cfc']);
  const entry = (name: string, unit: string, value: number, note: string): BenchEntry => ({ name, unit, value, note, command: COMMAND });
  const last = results[results.length - 1];
  const memory = (r: AllocationResult) =>
    `${r.name}: heapUsed ${mb(r.before.heapUsed)} → ${mb(r.after.heapUsed)} MB, RSS ${mb(r.before.rss)} → ${mb(r.after.rss)} MB`;
  return [
    entry('stream_rss_mb_after_1e6_steps', 'MB', last.after.rss / MB, `after a forced GC; before → after 10^6 steps (warm, forced GCs): ${results.map(memory).join('; ')}`),
    ...results.flatMap((r) => [
      entry(`stream_heap_growth_kb_1e6_steps_${r.name}`, 'KB', r.heapGrowthBytes / 1024, 'heapUsed after minus before the 10^6 steps, no GC in between'),
      entry(`stream_gcs_during_1e6_steps_${r.name}`, 'count', r.gcs, 'garbage collections during the 10^6 steps'),
    ]),
  ];
}

export async function run(): Promise<BenchEntry[]> {
  if ((global as { gc?: unknown }).gc) return measure();
  const out = execFileSync(process.execPath, ['--expose-gc', '-r', 'ts-node/register/transpile-only', __filename], {
    cwd: path.join(__dirname, '..'),
    encoding: 'utf8',
  });
  return JSON.parse(out) as BenchEntry[];
}

if (require.main === module) {
  measure().then(
    (entries) => console.log(JSON.stringify(entries, null, 2)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
