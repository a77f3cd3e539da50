/**
 * Streaming step latency at batch 1 (median and p99, µs): the Float32Array kernels against the
 * tfjs graph (TfjsStreamingPolicy, default backend) and the reference ncps on torch (eager, CPU,
 * via bench/ncps_stream_step.py when `$LNN_ROS_BENCH_PYTHON -c "import ncps, torch"` works;
 * nothing is installed). Models: a CfC (input 32, backbone 1×64, 32 units) and the lane-keeping
 * NCP (19 neurons, 32 sensory inputs) as LTC (6 unfolds) and as CfC. The heap side is
 * bench/stream_memory.ts.
 *
 *   node -r ts-node/register/transpile-only bench/stream_step.ts
 */
import * as path from 'path';
import { ncpsTorchJson } from './python';
import { performance } from 'perf_hooks';
import { initBackend } from '../lnn_ros/kernels/backend';
import { KernelStreamingPolicy } from '../lnn_ros/kernels/kernel_policy';
import { parseModelConfig } from '../lnn_ros/model/model_config';
import { SequenceModel } from '../lnn_ros/model/sequence_model';
import { StreamingPolicy, TfjsStreamingPolicy } from '../lnn_ros/model/streaming';
import { LANE_KEEPING_NCP } from '../lnn_ros/model/wirings';
import type { BenchEntry } from './types';

const COMMAND = 'node -r ts-node/register/transpile-only bench/stream_step.ts';

/** The lane-keeping NCP (19 neurons) as a wiring config, on 32 inputs. */
const LANE_KEEPING_CONFIG = { wiring: 'NCP', ...LANE_KEEPING_NCP };

/** The benchmarked models by entry-name stem; bench/ncps_stream_step.py builds the same ones. */
export const STREAM_MODELS: Record<string, Record<string, unknown>> = {
  cfc: { class: 'CfC', units: 32, backbone_units: 64, backbone_layers: 1 },
  ncp19_ltc: { class: 'LTC', units: LANE_KEEPING_CONFIG, ode_unfolds: 6 },
  ncp19_cfc: { class: 'CfC', units: LANE_KEEPING_CONFIG },
};

/** A randomly initialised model with 32 inputs from a config.yaml-style object. */
export function streamModel(config: Record<string, unknown>): SequenceModel {
  return new SequenceModel(parseModelConfig({ format: 'ncps', input_size: 32, ...config }));
}

/** A fixed pool of observations, so the driving loop computes no numbers of its own. */
export function observations(inputSize: number, count = 64): Float32Array[] {
  return Array.from({ length: count }, (_, k) => Float32Array.from({ length: inputSize }, (_, i) => Math.sin(0.37 * k + 1.7 * i)));
}

interface Latency {
  median: number;
  p99: number;
}

/** Per-step wall time in µs over `steps` steps after `warmup` untimed ones. */
function latency(policy: StreamingPolicy, inputSize: number, steps: number, warmup: number): Latency {
  const xs = observations(inputSize);
  for (let i = 0; i < warmup; i++) policy.step(xs[i & 63], 0.05);
  const samples = new Float64Array(steps);
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    policy.step(xs[i & 63], 0.05);
    samples[i] = (performance.now() - t0) * 1000;
  }
  samples.sort();
  return { median: samples[Math.floor(steps / 2)], p99: samples[Math.floor(steps * 0.99)] };
}

interface TorchResult {
  /** "wrapper": model(x[1,1,I], hx, timespans), what an ncps user streams with; "cell": rnn_cell(x, h, ts) alone. */
  [model: string]: { [call: string]: { [threads: string]: Latency } };
}

/** The reference timings, or null with the reason (no interpreter with ncps and torch, or a failed run). */
function torchLatencies(): { result: TorchResult | null; reason: string } {
  return ncpsTorchJson<TorchResult>(path.join(__dirname, 'ncps_stream_step.py'));
}

export async function run(): Promise<BenchEntry[]> {
  const backend = await initBackend(undefined, () => undefined);
  const entries: BenchEntry[] = [];
  const add = (name: string, l: Latency | null, note: string) => {
    entries.push({ name: `stream_step_${name}_us`, unit: 'µs', value: l?.median ?? null, note: `median; ${note}`, command: COMMAND });
    entries.push({ name: `stream_step_${name}_us_p99`, unit: 'µs', value: l?.p99 ?? null, note: `p99; ${note}`, command: COMMAND });
  };
  const speedup = (name: string, kernel: Latency, other: Latency | null, note: string) =>
    entries.push({ name: `stream_step_${name}`, unit: '×', value: other && other.median / kernel.median, note: `median over median; ${note}`, command: COMMAND });
  const torch = torchLatencies();
  for (const name of Object.keys(STREAM_MODELS)) {
    const model = streamModel(STREAM_MODELS[name]);
    const kernel = latency(new KernelStreamingPolicy(model), model.inputSize, 50000, 20000);
    add(`${name}_kernel`, kernel, 'Float32Array kernel, batch 1');
    const graph = latency(new TfjsStreamingPolicy(model), model.inputSize, 3000, 300);
    add(`${name}_tfjs`, graph, `tfjs graph (TfjsStreamingPolicy), backend ${backend}`);
    model.dispose();
    // The fair torch figure is its best thread setting; every setting is in the note.
    const best = (call: 'wrapper' | 'cell') => {
      const byThreads = torch.result?.[name][call];
      return byThreads ? Object.values(byThreads).reduce((a, b) => (b.median < a.median ? b : a)) : null;
    };
    const detail = (call: 'wrapper' | 'cell') => {
      const byThreads = torch.result?.[name][call];
      const each = byThreads ? Object.entries(byThreads).map(([t, l]) => `${t}: ${l.median.toFixed(1)}/${l.p99.toFixed(1)}`) : [torch.reason];
      return `best of threads (median/p99 µs: ${each.join(', ')})`;
    };
    add(`${name}_ncps_torch`, best('wrapper'), `ncps torch eager, model(x[1,1,:], hx, timespans) under inference_mode; ${detail('wrapper')}`);
    add(`${name}_ncps_torch_cell`, best('cell'), `ncps torch eager, rnn_cell(x, h, ts) alone; ${detail('cell')}`);
    speedup(`${name}_kernel_speedup_vs_tfjs`, kernel, graph, 'tfjs graph / kernel');
    const torchFastest = [best('wrapper'), best('cell')].reduce((a, b) => (a && (!b || a.median <= b.median) ? a : b));
    speedup(`${name}_kernel_speedup_vs_ncps_torch`, kernel, torchFastest, 'ncps torch (the faster of wrapper and cell alone) / kernel');
  }
  return entries;
}

if (require.main === module) {
  run().then(
    (entries) => {
      for (const e of entries) console.log(`${e.name.padEnd(50)} ${e.value === null ? '—' : e.value.toFixed(2).padStart(9)} ${e.unit}  ${e.note ?? ''}`);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
