/**
 * The on-disk cache of one bag built with one config: a folder of raw little-endian row files plus
 * index.json. Rows are steps; a step's input row is every input's features concatenated (images
 * as float32 HWC). Built into a temporary folder and renamed when complete, so a folder with an
 * index.json is always whole.
 */

/** Bump when the files or the feature computation change, so old caches are not reused. */
export const CACHE_FORMAT = 1;

export const CACHE_FILES = {
  /** float32 [steps, featureDim] */
  inputs: 'inputs.f32',
  /** float32 [steps, targetDim] */
  targets: 'targets.f32',
  /** float32 [steps]: seconds since the previous step of the sequence */
  dt: 'dt.f32',
  /** int64 [steps]: the step's stamp in ns */
  stamps: 'stamps.i64',
  index: 'index.json',
} as const;

/** One input's slice of the feature row. */
export interface InputLayout {
  name: string;
  topic: string;
  type: string;
  /** [h, w, c] for images, [n] for fields. */
  shape: number[];
  /** Field paths for non-image inputs. */
  fields?: string[];
  offset: number;
  size: number;
}

export interface TargetLayout {
  topic: string;
  type: string;
  fields: string[];
  size: number;
}

export interface DatasetLayout {
  inputs: InputLayout[];
  target: TargetLayout;
  featureDim: number;
  targetDim: number;
}

/** What happened while building one bag (all counts by reason). */
export interface BagBuildReport {
  bag: string;
  /** True when the arrays came from the cache and nothing was decoded. */
  cached: boolean;
  messagesRead: number;
  messagesDropped: Record<string, number>;
  stepsDropped: Record<string, number>;
  cuts: Record<string, number>;
  /** Sequences (and their steps) discarded for being shorter than min_length. */
  shortSequencesDropped: number;
  steps: number;
  sequences: number;
  /** Compressed images decoded in this run (0 on a cache hit). */
  imagesDecoded: number;
  seconds: number;
}

export interface CacheIndex {
  format: number;
  bag: string;
  configHash: string;
  layout: DatasetLayout;
  steps: number;
  /** [start step, length] of every sequence. */
  sequences: [number, number][];
  report: BagBuildReport;
}
