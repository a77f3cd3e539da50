/**
 * Training throughput (sequences/s) of the Half-Cheetah CfC and LTC configs — one optimizer step
 * per batch of 16 windows of 32 steps — here (tfjs with the fused ops, default backend) and in
 * ncps/torch eager on the same CPU, plus the CfC/LTC speed ratio.
 *
 *   node -r ts-node/register/transpile-only bench/training.ts
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lnn_ros/kernels/backend';
import { readYamlFile } from '../lnn_ros/model/model_dir';
import { parseModelConfig } from '../lnn_ros/model/model_config';
import { SequenceModel } from '../lnn_ros/model/sequence_model';
import { parseFitConfig } from '../lnn_ros/train/fit_config';
import { Optimizer } from '../lnn_ros/train/optimizer';
import { Random } from '../lnn_ros/train/random';
import { listSequenceFiles, readSequenceFile } from '../lnn_ros/train/sequence_files';
import { buildWindows, planColumns } from '../lnn_ros/train/windows';
import { ncpsTorchJson } from './python';
import type { BenchEntry } from './types';

const COMMAND = 'npm run bench -- training';
const CONFIGS = path.join(__dirname, '..', 'configs', 'halfcheetah');

/** Sequences per second over `batches` optimizer steps after a warm-up. */
async function throughput(name: 'cfc' | 'ltc', batches: number): Promise<number> {
  const file = path.join(CONFIGS, `${name}.yaml`);
  const config = parseFitConfig(readYamlFile(file), file);
  const src = config.data.source as { folder: string; ranges: { train: [number, number] } };
  const seqs = listSequenceFiles(src.folder).slice(...src.ranges.train).map(readSequenceFile);
  const plan = planColumns(config.data, seqs[0]);
  const set = buildWindows(seqs, plan, config.data, new Random(1));
  const m: Record<string, unknown> = { format: 'ncps', ...config.model, input_size: 17 };
  if (name === 'ltc') m.units = { wiring: 'FullyConnected', units: m.units, output_dim: 17 };
  else m.proj_size = 17;
  const model = new SequenceModel(parseModelConfig(m));
  const params = model.namedTensors().filter((e) => e.trainable);
  const optimizer = new Optimizer(params, { kind: 'adam' });
  const B = 16;
  const T = set.steps;
  const x = tf.tensor3d(set.x.subarray(0, B * T * 17), [B, T, 17]);
  const y = tf.tensor3d(set.y.subarray(0, B * T * 17), [B, T, 17]);
  const ts = tf.tensor2d(set.timespans.subarray(0, B * T), [B, T]);
  const stepOnce = () => {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(model.forward(x, { timespans: ts }).output, y)) as tf.Scalar, params.map((p) => p.variable));
    optimizer.apply(grads, 1e-3);
    tf.dispose([value, ...Object.values(grads)]);
  };
  stepOnce();
  const start = performance.now();
  for (let i = 0; i < batches; i++) stepOnce();
  const seconds = (performance.now() - start) / 1000;
  tf.dispose([x, y, ts]);
  optimizer.dispose();
  model.dispose();
  return (batches * B) / seconds;
}

async function medianOf(runs: number, measure: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < runs; i++) values.push(await measure());
  return values.sort((a, b) => a - b)[runs >> 1];
}

export async function run(): Promise<BenchEntry[]> {
  const backend = await initBackend(undefined, () => undefined);
  // Medians of repeated short runs, as bench/ncps_train.py takes on the torch side.
  const cfc = await medianOf(5, () => throughput('cfc', 20));
  const ltc = await medianOf(3, () => throughput('ltc', 6));
  const torch = ncpsTorchJson<{ cfc: number; ltc: number; threads: number }>(path.join(__dirname, 'ncps_train.py'));
  const note = `batch 16 × 32 steps, Adam, backend ${backend} with fused CfC/LTC step ops, one thread; median of repeated runs`;
  const torchNote = torch.result ? `ncps 1.0.1 + torch eager, CPU, ${torch.result.threads} threads; median of repeated runs` : torch.reason;
  return [
    { name: 'train_halfcheetah_cfc_seq_per_s', unit: 'seq/s', value: cfc, note, command: COMMAND },
    { name: 'train_halfcheetah_ltc_seq_per_s', unit: 'seq/s', value: ltc, note, command: COMMAND },
    { name: 'train_halfcheetah_cfc_ncps_torch_seq_per_s', unit: 'seq/s', value: torch.result?.cfc ?? null, note: torchNote, command: COMMAND },
    { name: 'train_halfcheetah_ltc_ncps_torch_seq_per_s', unit: 'seq/s', value: torch.result?.ltc ?? null, note: torchNote, command: COMMAND },
    { name: 'train_cfc_over_ltc_speed_ratio', unit: '×', value: cfc / ltc, note: 'CfC seq/s over LTC seq/s here (the CfC paper claims 10–200× over ODE-based cells)', command: COMMAND },
  ];
}
