/**
 * The training side of the cache: one or more built bags (same config) as sequences, cut into
 * windows that are read from disk on demand, so memory does not grow with the data.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../../errors';
import { type BagBuildReport, CACHE_FILES, type CacheIndex, type DatasetLayout } from './cache_format';

/** A sequence of consecutive steps of one bag. */
export interface SequenceRef {
  /** Index into `entries`. */
  entry: number;
  /** First step within that bag's cache. */
  start: number;
  length: number;
}

/** Steps [start, start + length) of one bag's cache. */
export interface StepRange {
  entry: number;
  start: number;
  length: number;
}

/** Rows of a step range, row-major. */
export interface StepBlock {
  /** [length, featureDim] */
  inputs: Float32Array;
  /** [length, targetDim] */
  targets: Float32Array;
  /** [length] seconds */
  dt: Float32Array;
  /** [length] ns */
  stamps: BigInt64Array;
}

interface Entry {
  dir: string;
  index: CacheIndex;
  /** Open descriptors of the row files, by CACHE_FILES key (none for an empty bag). */
  fds: Partial<Record<keyof typeof CACHE_FILES, number>>;
}

export class Dataset {
  readonly sequences: SequenceRef[] = [];

  private constructor(
    private readonly entries: Entry[],
    readonly layout: DatasetLayout,
  ) {
    entries.forEach((e, entry) => {
      for (const [start, length] of e.index.sequences) this.sequences.push({ entry, start, length });
    });
  }

  /** Opens built cache folders (as DatasetBuilder returns them); all must share one layout. */
  static open(cacheDirs: string[]): Dataset {
    if (cacheDirs.length === 0) throw new InputError('a dataset needs at least one built bag');
    const entries: Entry[] = cacheDirs.map((dir) => {
      const index = JSON.parse(fs.readFileSync(path.join(dir, CACHE_FILES.index), 'utf8')) as CacheIndex;
      const fds: Entry['fds'] = {};
      if (index.steps > 0) {
        for (const key of ['inputs', 'targets', 'dt', 'stamps'] as const) fds[key] = fs.openSync(path.join(dir, CACHE_FILES[key]), 'r');
      }
      return { dir, index, fds };
    });
    const withSteps = entries.filter((e) => e.index.steps > 0);
    const layout = (withSteps[0] ?? entries[0]).index.layout;
    for (const e of withSteps) {
      if (e.index.layout.featureDim !== layout.featureDim || e.index.layout.targetDim !== layout.targetDim) {
        throw new InputError(`${e.dir}: feature layout differs from ${withSteps[0].dir} (image sizes of the bags differ?)`);
      }
    }
    return new Dataset(entries, layout);
  }

  /** Total steps over all bags. */
  get steps(): number {
    return this.entries.reduce((n, e) => n + e.index.steps, 0);
  }

  /** Each bag's whole cache as one range (kept sequences are stored back to back). */
  entryRanges(): StepRange[] {
    return this.entries.map((e, entry) => ({ entry, start: 0, length: e.index.steps }));
  }

  /** The build reports of the bags (same order as `SequenceRef.entry`). */
  get reports(): BagBuildReport[] {
    return this.entries.map((e) => e.index.report);
  }

  /** The bags behind the entries (same order as `SequenceRef.entry`). */
  get bags(): string[] {
    return this.entries.map((e) => e.index.bag);
  }

  /**
   * Windows of `length` steps every `stride` steps inside each sequence (windows never span a
   * cut). Sequences shorter than `length` give no window.
   */
  windows(length: number, stride = length): StepRange[] {
    if (!(Number.isInteger(length) && length > 0 && Number.isInteger(stride) && stride > 0)) {
      throw new InputError(`window length and stride must be positive integers (got ${length}, ${stride})`);
    }
    const out: StepRange[] = [];
    for (const s of this.sequences) {
      for (let k = 0; k + length <= s.length; k += stride) out.push({ entry: s.entry, start: s.start + k, length });
    }
    return out;
  }

  /** Reads a step range from disk. */
  read(range: StepRange): StepBlock {
    const e = this.entries[range.entry];
    if (range.start < 0 || range.start + range.length > e.index.steps) {
      throw new InputError(`steps ${range.start}..${range.start + range.length} outside ${e.index.steps} steps of ${e.index.bag}`);
    }
    const { featureDim, targetDim } = this.layout;
    const block: StepBlock = {
      inputs: new Float32Array(range.length * featureDim),
      targets: new Float32Array(range.length * targetDim),
      dt: new Float32Array(range.length),
      stamps: new BigInt64Array(range.length),
    };
    readRows(e.fds.inputs!, block.inputs, range.start * featureDim * 4);
    readRows(e.fds.targets!, block.targets, range.start * targetDim * 4);
    readRows(e.fds.dt!, block.dt, range.start * 4);
    readRows(e.fds.stamps!, block.stamps, range.start * 8);
    return block;
  }

  close(): void {
    for (const e of this.entries) {
      for (const fd of Object.values(e.fds)) fs.closeSync(fd);
      e.fds = {};
    }
  }
}

function readRows(fd: number, into: ArrayBufferView, position: number): void {
  const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
  let done = 0;
  while (done < bytes.byteLength) {
    const n = fs.readSync(fd, bytes, done, bytes.byteLength - done, position + done);
    if (n === 0) throw new InputError(`cache file ended early (${done} of ${bytes.byteLength} bytes); delete the cache folder to rebuild`);
    done += n;
  }
}
