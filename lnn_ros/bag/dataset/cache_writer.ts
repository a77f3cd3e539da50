/**
 * Receives aligned steps and appends them to the cache's row files as they come, so building a bag
 * larger than memory holds only the current write buffers. Sequences shorter than min_length are
 * rewound away when they end.
 */
import * as path from 'path';
import { CACHE_FILES } from './cache_format';
import { RowFile } from './row_file';
import type { AlignedStep, StepSink } from './stream_aligner';

interface Files {
  inputs: RowFile;
  targets: RowFile;
  dt: RowFile;
  stamps: RowFile;
}

export class CacheWriter implements StepSink {
  private files: Files | undefined;
  private readonly row = { inputs: new Float32Array(0), dt: new Float32Array(1), stamp: new BigInt64Array(1) };
  private sequenceStart = 0;
  private open = false;
  private closed = false;
  /** Feature sizes of the inputs, from the first step. */
  inputSizes: number[] = [];
  targetSize = 0;
  readonly sequences: [number, number][] = [];
  shortSequencesDropped = 0;

  constructor(
    private readonly dir: string,
    private readonly minLength: number,
  ) {}

  get steps(): number {
    return this.files?.dt.rows ?? 0;
  }

  step(step: AlignedStep, first: boolean): void {
    const files = (this.files ??= this.create(step));
    if (first) {
      this.sequenceStart = files.dt.rows;
      this.open = true;
    }
    let offset = 0;
    step.inputs.forEach((v, i) => {
      if (v.length !== this.inputSizes[i]) throw new Error(`input ${i}: ${v.length} features, expected ${this.inputSizes[i]}`);
      this.row.inputs.set(v, offset);
      offset += v.length;
    });
    files.inputs.append(this.row.inputs);
    files.targets.append(step.target);
    this.row.dt[0] = step.dt;
    files.dt.append(this.row.dt);
    this.row.stamp[0] = step.stampNs;
    files.stamps.append(this.row.stamp);
  }

  endSequence(): void {
    if (!this.files || !this.open) return;
    this.open = false;
    const length = this.files.dt.rows - this.sequenceStart;
    if (length >= this.minLength) {
      this.sequences.push([this.sequenceStart, length]);
      return;
    }
    this.shortSequencesDropped++;
    for (const f of Object.values(this.files)) f.truncate(this.sequenceStart);
  }

  private create(step: AlignedStep): Files {
    this.inputSizes = step.inputs.map((v) => v.length);
    this.targetSize = step.target.length;
    this.row.inputs = new Float32Array(this.inputSizes.reduce((a, b) => a + b, 0));
    const file = (name: string, bytes: number) => new RowFile(path.join(this.dir, name), bytes);
    return {
      inputs: file(CACHE_FILES.inputs, 4 * this.row.inputs.length),
      targets: file(CACHE_FILES.targets, 4 * this.targetSize),
      dt: file(CACHE_FILES.dt, 4),
      stamps: file(CACHE_FILES.stamps, 8),
    };
  }

  /** Flushes and closes the files (an empty build leaves no row files). Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.endSequence();
    if (this.files) for (const f of Object.values(this.files)) f.close();
  }
}
