/**
 * What a camera frame costs besides the policy step: the embedded simulator rendering its
 * 200×78 frame (with the physics step), and drive_node's live saliency map of the demo policy
 * (64×24 frames) by either method, on top of a step that is taken anyway.
 *
 *   node -r ts-node/register/transpile-only bench/camera.ts
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { initBackend } from '../lnn_ros/kernels/backend';
import { loadPolicyDir } from '../lnn_ros/model/policy';
import { PolicyRunner } from '../lnn_ros/model/policy_runner';
import { SaliencyMethod } from '../lnn_ros/model/saliency';
import { Simulator } from '../lnn_ros/sim/simulator';
import type { BenchEntry } from './types';

const COMMAND = 'node -r ts-node/register/transpile-only bench/camera.ts';
const DEMO_POLICY = path.join(__dirname, '..', 'models', 'demo_policy');

/** Median and 90th percentile (ms) of `f` over `calls` calls after `warmup` untimed ones. */
function time(f: (i: number) => void, calls: number, warmup: number): { median: number; p90: number } {
  for (let i = 0; i < warmup; i++) f(i);
  const ms = Array.from({ length: calls }, (_, i) => {
    const t0 = performance.now();
    f(warmup + i);
    return performance.now() - t0;
  }).sort((a, b) => a - b);
  return { median: ms[Math.floor(calls / 2)], p90: ms[Math.floor(calls * 0.9)] };
}

/** One frame through the runner (set, step, and the map when a method is given). */
function policyFrame(runner: PolicyRunner, frames: Float32Array[], method: SaliencyMethod | null, map: Float32Array): (i: number) => void {
  return (i) => {
    runner.setImage(frames[i % frames.length], method);
    runner.step(0.05);
    if (method) runner.saliency(map);
  };
}

export async function run(): Promise<BenchEntry[]> {
  await initBackend('wasm');
  const entries: BenchEntry[] = [];
  const add = (name: string, t: { median: number; p90: number }, note: string) =>
    entries.push({ name, unit: 'ms', value: t.median, note: `${note}; p90 ${t.p90.toFixed(3)} ms`, command: COMMAND });

  const sim = new Simulator({ seed: 2, driver: 'expert' });
  const image = new Uint8Array(200 * 78 * 3);
  add('sim_step_and_render_200x78_ms', time(() => (sim.step(), sim.renderCamera(image)), 1000, 200), 'embedded simulator: physics step + camera frame, median of 1000');

  const policy = loadPolicyDir(DEMO_POLICY);
  const [h, w, c] = policy.encoder!.inputShape;
  const frames = Array.from({ length: 16 }, (_, k) => Float32Array.from({ length: h * w * c }, (_, i) => 0.5 + 0.5 * Math.sin(i * 0.01 + k)));
  const runner = new PolicyRunner(policy);
  runner.setVector([0]);
  const map = new Float32Array(h * w);
  const note = (what: string) => `demo policy (${w}×${h} rgb, CNN + AutoNCP CfC), ${what}, median of 500`;
  add('policy_frame_ms', time(policyFrame(runner, frames, null, map), 500, 50), note('encoder + step'));
  add('policy_frame_with_visual_backprop_ms', time(policyFrame(runner, frames, 'visual_backprop', map), 500, 50), note('encoder + step + VisualBackProp map'));
  add('policy_frame_with_gradient_map_ms', time(policyFrame(runner, frames, 'gradient', map), 500, 50), note('encoder + step + gradient map (one backward pass)'));
  policy.dispose();
  return entries;
}

if (require.main === module) {
  run().then(
    (entries) => {
      for (const e of entries) console.log(`${e.name.padEnd(40)} ${e.value === null ? '—' : e.value.toFixed(3).padStart(8)} ${e.unit}  ${e.note ?? ''}`);
    },
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
