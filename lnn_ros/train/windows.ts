/**
 * Turns sequence files into fixed-length training windows: inputs, targets and the elapsed time
 * before each step, optionally with steps dropped at random (irregular sampling).
 */
import { InputError } from '../errors';
import { DataConfig } from './fit_config';
import { Random } from './random';
import { Sequence } from './sequence_files';

/** N windows of T steps, row-major: x (N, T, I), y (N, T, O), timespans (N, T). */
export interface WindowSet {
  count: number;
  steps: number;
  inputSize: number;
  targetSize: number;
  x: Float32Array;
  y: Float32Array;
  timespans: Float32Array;
}

export interface ColumnPlan {
  inputs: number[];
  targets: number[];
  time: number | null;
  /** Targets are the next step's inputs. */
  nextStep: boolean;
}

function columnIndex(seq: Sequence, ref: string | number, key: string): number {
  const index = typeof ref === 'number' ? ref : seq.columns.indexOf(ref);
  if (index < 0 || index >= seq.columns.length) {
    throw new InputError(`${seq.file}: data.${key}: no column ${JSON.stringify(ref)} (columns: ${seq.columns.join(', ')})`);
  }
  return index;
}

export function planColumns(config: DataConfig, first: Sequence): ColumnPlan {
  const time = config.timeColumn === null ? null : columnIndex(first, config.timeColumn, 'time_column');
  const inputs = config.inputs
    ? config.inputs.map((c) => columnIndex(first, c, 'inputs'))
    : first.columns.map((_, i) => i).filter((i) => i !== time);
  const targets = config.targets ? config.targets.map((c) => columnIndex(first, c, 'targets')) : inputs;
  return { inputs, targets, time, nextStep: config.targets === null };
}

/** Row indices kept, and the elapsed time before each (from the time column, else 1 per row). */
function keptRows(seq: Sequence, plan: ColumnPlan, drop: number, random: Random): { rows: number[]; dt: number[] } {
  const width = seq.columns.length;
  const time = (r: number) => (plan.time === null ? r : seq.data[r * width + plan.time]);
  const rows: number[] = [];
  for (let r = 0; r < seq.steps; r++) if (r === 0 || drop === 0 || random.next() >= drop) rows.push(r);
  const dt = rows.map((r, i) => {
    // The first row has no predecessor: take the sequence's first interval.
    const elapsed = i === 0 ? time(Math.min(1, seq.steps - 1)) - time(0) || 1 : time(r) - time(rows[i - 1]);
    if (!(elapsed > 0)) throw new InputError(`${seq.file}: time does not increase at row ${r} (elapsed ${elapsed})`);
    return elapsed;
  });
  return { rows, dt };
}

export function buildWindows(sequences: Sequence[], plan: ColumnPlan, config: DataConfig, random: Random): WindowSet {
  const T = config.window;
  const I = plan.inputs.length;
  const O = plan.targets.length;
  const xs: number[] = [];
  const ys: number[] = [];
  const ts: number[] = [];
  let count = 0;
  for (const seq of sequences) {
    if (seq.columns.length !== sequences[0].columns.length) {
      throw new InputError(`${seq.file}: ${seq.columns.length} columns, but ${sequences[0].file} has ${sequences[0].columns.length}`);
    }
    const width = seq.columns.length;
    const { rows, dt } = keptRows(seq, plan, config.dropSteps, random);
    const usable = plan.nextStep ? rows.length - 1 : rows.length; // the last row only serves as a target
    for (let start = 0; start + T <= usable; start += config.stride) {
      for (let k = start; k < start + T; k++) {
        const inRow = rows[k] * width;
        const outRow = (plan.nextStep ? rows[k + 1] : rows[k]) * width;
        for (const c of plan.inputs) xs.push(seq.data[inRow + c]);
        for (const c of plan.targets) ys.push(seq.data[outRow + c]);
        ts.push(dt[k]);
      }
      count++;
    }
  }
  return { count, steps: T, inputSize: I, targetSize: O, x: Float32Array.from(xs), y: Float32Array.from(ys), timespans: Float32Array.from(ts) };
}
