/**
 * Sequence files for `lnn-ros fit`: a folder of .npy (time × features) or .csv files, one
 * sequence per file, in sorted name order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import { readNpy } from '../io/npy';

export interface Sequence {
  file: string;
  /** Column names (CSV header, or `c0..cN` for .npy and header-less CSV). */
  columns: string[];
  steps: number;
  /** Row-major steps × columns. */
  data: Float32Array;
}

function readCsv(file: string): Sequence {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new InputError(`${file}: empty CSV file`);
  const first = lines[0].split(',').map((s) => s.trim());
  const hasHeader = first.some((cell) => cell !== '' && Number.isNaN(Number(cell)));
  const columns = hasHeader ? first : first.map((_, i) => `c${i}`);
  const rows = hasHeader ? lines.slice(1) : lines;
  const data = new Float32Array(rows.length * columns.length);
  rows.forEach((line, r) => {
    const cells = line.split(',');
    if (cells.length !== columns.length) {
      throw new InputError(`${file}:${r + (hasHeader ? 2 : 1)}: ${cells.length} columns, expected ${columns.length}`);
    }
    cells.forEach((cell, c) => {
      const v = Number(cell);
      if (cell.trim() === '' || !Number.isFinite(v)) {
        throw new InputError(`${file}:${r + (hasHeader ? 2 : 1)}: column '${columns[c]}' is not a finite number: '${cell.trim()}'`);
      }
      data[r * columns.length + c] = v;
    });
  });
  return { file, columns, steps: rows.length, data };
}

export function readSequenceFile(file: string): Sequence {
  if (file.endsWith('.csv')) return readCsv(file);
  const { shape, data } = readNpy(file);
  if (shape.length !== 2) throw new InputError(`${file}: expected a 2-D (time × features) array, got shape [${shape}]`);
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new InputError(`${file}: non-finite value at step ${Math.floor(bad / shape[1])}, column ${bad % shape[1]}`);
  return { file, columns: Array.from({ length: shape[1] }, (_, i) => `c${i}`), steps: shape[0], data };
}

/** Every .npy / .csv file of `folder`, sorted by name. */
export function listSequenceFiles(folder: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch (e) {
    throw new InputError(`${folder}: cannot list sequence files (${(e as Error).message})`);
  }
  const files = names.filter((n) => n.endsWith('.npy') || n.endsWith('.csv')).sort().map((n) => path.join(folder, n));
  if (files.length === 0) throw new InputError(`${folder}: no .npy or .csv sequence files`);
  return files;
}
