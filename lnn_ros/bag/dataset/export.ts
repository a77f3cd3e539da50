/**
 * Exports a built dataset for training elsewhere (PyTorch + ncps on a GPU): one array per input in
 * its natural shape, the targets, the per-step elapsed time and the sequence boundaries, as `.npy`
 * files or one safetensors file, plus dataset.json describing them. Streams block by block.
 *
 * Arrays (N = steps over all bags, S = sequences):
 *   <input name>  float32 [N, H, W, C] for images, [N, n] for field inputs
 *   targets       float32 [N, k]
 *   dt            float32 [N]      seconds since the previous step of the sequence
 *   stamps        int64   [N]      step stamps, ns
 *   sequences     int64   [S, 2]   (first step, length); windows must not cross them
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError, Stopped } from '../../errors';
import { Yielder } from '../../event_loop';
import type { ArrayDtype, TypedArray } from './array_dtype';
import type { Dataset } from './dataset';
import { NpyWriter } from './npy_writer';
import { SafetensorsWriter, type TensorDecl } from './safetensors_writer';

export type ExportFormat = 'npy' | 'safetensors';

export interface ExportOptions {
  format: ExportFormat;
  /** Steps read from the cache per block (memory use is about this × feature size). */
  blockSteps?: number;
  /** Asked between blocks: true abandons the export (throws Stopped; the folder is left incomplete for the caller to discard). */
  shouldStop?: () => boolean;
}

/** What was written, for dataset.json and the caller. */
export interface ExportSummary {
  format: ExportFormat;
  steps: number;
  sequences: number;
  /** Array name → file (relative to the export folder), dtype and shape. */
  arrays: Record<string, { file: string; dtype: ArrayDtype; shape: number[] }>;
}

export async function exportDataset(dataset: Dataset, outDir: string, options: ExportOptions): Promise<ExportSummary> {
  const { layout } = dataset;
  const n = dataset.steps;
  const decls: TensorDecl[] = [
    ...layout.inputs.map((inp) => ({ name: inp.name, dtype: 'F32' as const, shape: [n, ...inp.shape] })),
    { name: 'targets', dtype: 'F32', shape: [n, layout.targetDim] },
    { name: 'dt', dtype: 'F32', shape: [n] },
    { name: 'stamps', dtype: 'I64', shape: [n] },
    { name: 'sequences', dtype: 'I64', shape: [dataset.sequences.length, 2] },
  ];
  const reserved = decls.slice(layout.inputs.length).map((d) => d.name);
  const clash = layout.inputs.find((inp) => reserved.includes(inp.name));
  if (clash) throw new InputError(`input name '${clash.name}' clashes with an exported array; rename the input`);
  fs.mkdirSync(outDir, { recursive: true });

  const summary: ExportSummary = { format: options.format, steps: n, sequences: dataset.sequences.length, arrays: {} };
  let append: (name: string, values: TypedArray) => void;
  let close: () => void;
  if (options.format === 'npy') {
    const writers = new Map(decls.map((d) => [d.name, new NpyWriter(path.join(outDir, `${d.name}.npy`), d.dtype, d.shape)]));
    for (const d of decls) summary.arrays[d.name] = { file: `${d.name}.npy`, dtype: d.dtype, shape: d.shape };
    append = (name, values) => writers.get(name)!.append(values);
    close = () => writers.forEach((w) => w.close());
  } else {
    const metadata = { layout: JSON.stringify(layout), format: 'lnn_ros dataset export' };
    const writer = new SafetensorsWriter(path.join(outDir, 'dataset.safetensors'), decls, metadata);
    for (const d of decls) summary.arrays[d.name] = { file: 'dataset.safetensors', dtype: d.dtype, shape: d.shape };
    append = (name, values) => writer.append(name, values);
    close = () => writer.close();
  }

  const blockSteps = options.blockSteps ?? 1024;
  const firstStep: number[] = [];
  let base = 0;
  const yielder = new Yielder();
  for (const whole of dataset.entryRanges()) {
    firstStep[whole.entry] = base;
    for (let start = 0; start < whole.length; start += blockSteps) {
      await yielder.turn();
      if (options.shouldStop?.()) {
        close();
        throw new Stopped('nothing exported');
      }
      const length = Math.min(blockSteps, whole.length - start);
      const block = dataset.read({ entry: whole.entry, start, length });
      for (const inp of layout.inputs) {
        const values = new Float32Array(length * inp.size);
        for (let r = 0; r < length; r++) values.set(block.inputs.subarray(r * layout.featureDim + inp.offset, r * layout.featureDim + inp.offset + inp.size), r * inp.size);
        append(inp.name, values);
      }
      append('targets', block.targets);
      append('dt', block.dt);
      append('stamps', block.stamps);
    }
    base += whole.length;
  }
  append('sequences', BigInt64Array.from(dataset.sequences.flatMap((s) => [BigInt(firstStep[s.entry] + s.start), BigInt(s.length)])));
  close();

  const description = { ...summary, layout, bags: dataset.bags, reports: dataset.reports };
  fs.writeFileSync(path.join(outDir, 'dataset.json'), JSON.stringify(description, null, 2));
  return summary;
}
