/**
 * The dataset YAML: which topics become model inputs and targets, how their stamps are aligned,
 * how images are preprocessed, where the cache lives. Validated once here; every error names the
 * file and the key (`inputs[0].image.resize.width: …`).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { ConfigObject, describe } from '../../config/config_object';
import { ConfigError } from '../../errors';

/** A pixel rectangle of the source image. */
export interface CropSpec {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SizeSpec {
  width: number;
  height: number;
}

/** Image preprocessing, applied in this order: crop, bilinear resize, colour conversion, normalise. */
export interface ImageSpec {
  crop?: CropSpec;
  resize?: SizeSpec;
  /** Output channels: 3 (RGB order) or 1 (luma, ITU-R BT.601 weights). */
  color: 'rgb' | 'mono';
  /** Per output channel, applied to values scaled to [0, 1]: (v - mean) / std. */
  mean: number[];
  std: number[];
  /** Frames of any other source size are dropped; when absent the first frame's size is expected. */
  expect?: SizeSpec;
}

export interface InputSpec {
  /** Short name used for exported arrays (`camera.npy`). */
  name: string;
  topic: string;
  /** Set for image topics (defaults filled in when the YAML has no `image` section). */
  image?: ImageSpec;
  /** Dotted numeric field paths for non-image topics; type defaults when absent (see features.ts). */
  fields?: string[];
}

export interface TargetSpec {
  topic: string;
  fields?: string[];
  /** A step takes the target whose stamp is nearest to its own, if within this many seconds. */
  toleranceS: number;
}

export interface AlignmentSpec {
  /** The input whose messages define the steps (default: the first input). */
  stepTopic: string;
  /** `header`: header stamps (log time for types without header); `log`: log time everywhere. */
  clock: 'header' | 'log';
  /** A larger gap between consecutive steps cuts the sequence (seconds). */
  maxGapS: number;
  /** A step is dropped when a held input is older than this (seconds). */
  maxInputAgeS: number;
  /** How far (seconds of log time) messages may arrive out of stamp order across topics. */
  reorderWindowS: number;
  /** Elapsed time given to the first step of each sequence (seconds). */
  firstDtS: number;
  /** Shorter sequences are dropped. */
  minLength: number;
}

export interface DatasetConfig {
  /** The YAML file, for error messages and relative paths. */
  file?: string;
  /** Bags listed in the YAML, resolved against its folder. */
  bags: string[];
  inputs: InputSpec[];
  target: TargetSpec;
  alignment: AlignmentSpec;
  cacheDir: string;
}

const IMAGE_TYPES = ['sensor_msgs/msg/Image', 'sensor_msgs/msg/CompressedImage'];

export function isImageType(type: string): boolean {
  return IMAGE_TYPES.includes(type);
}

/** `$XDG_CACHE_HOME/lnn_ros/datasets`, else `~/.cache/lnn_ros/datasets`. */
export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'lnn_ros', 'datasets');
}

function numberList(obj: ConfigObject, name: string, fallback: number[]): number[] {
  const v = obj.raw(name);
  if (v === undefined) return fallback;
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw obj.error(name, `expected a number or a list of numbers, got ${describe(v)}`);
  }
  return list as number[];
}

function stringList(obj: ConfigObject, name: string): string[] | undefined {
  const v = obj.raw(name);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && x !== '')) {
    throw obj.error(name, `expected a non-empty list of strings, got ${describe(v)}`);
  }
  return v as string[];
}

function mappingList(obj: ConfigObject, name: string): ConfigObject[] {
  const v = obj.raw(name);
  if (!Array.isArray(v) || v.length === 0) throw obj.error(name, `expected a non-empty list, got ${describe(v)}`);
  return v.map((item, i) => ConfigObject.from(item, obj.file, `${obj.key(name)}[${i}]`));
}

function size(obj: ConfigObject): SizeSpec {
  obj.rejectUnknown(['width', 'height']);
  return { width: obj.int('width', { min: 1 }), height: obj.int('height', { min: 1 }) };
}

function image(obj: ConfigObject): ImageSpec {
  obj.rejectUnknown(['crop', 'resize', 'color', 'mean', 'std', 'expect']);
  let crop: CropSpec | undefined;
  if (obj.has('crop')) {
    const c = obj.object('crop');
    c.rejectUnknown(['x', 'y', 'width', 'height']);
    crop = {
      x: c.int('x', { min: 0, default: 0 }),
      y: c.int('y', { min: 0, default: 0 }),
      width: c.int('width', { min: 1 }),
      height: c.int('height', { min: 1 }),
    };
  }
  const color = obj.oneOf('color', ['rgb', 'mono'] as const, 'rgb');
  const channels = color === 'rgb' ? 3 : 1;
  const perChannel = (name: string, fallback: number): number[] => {
    const list = numberList(obj, name, [fallback]);
    if (list.length !== 1 && list.length !== channels) {
      throw obj.error(name, `expected 1 or ${channels} values for color '${color}', got ${list.length}`);
    }
    return list.length === 1 ? new Array<number>(channels).fill(list[0]) : list;
  };
  const std = perChannel('std', 1);
  if (std.some((s) => s === 0)) throw obj.error('std', 'must not contain 0');
  return {
    crop,
    resize: obj.has('resize') ? size(obj.object('resize')) : undefined,
    color,
    mean: perChannel('mean', 0),
    std,
    expect: obj.has('expect') ? size(obj.object('expect')) : undefined,
  };
}

function topicName(obj: ConfigObject, name: string): string {
  const topic = obj.string(name);
  if (!topic.startsWith('/')) throw obj.error(name, `'${topic}' is not an absolute topic name (start it with /)`);
  return topic;
}

function input(obj: ConfigObject): InputSpec {
  obj.rejectUnknown(['topic', 'name', 'image', 'fields']);
  const topic = topicName(obj, 'topic');
  const name = obj.string('name', topic.replace(/^\/+/, '').replace(/[^A-Za-z0-9_]+/g, '_'));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw obj.error('name', `'${name}' may only hold letters, digits and _`);
  if (obj.has('image') && obj.has('fields')) throw obj.error('fields', 'an input is either an image or a list of fields, not both');
  return { topic, name, image: obj.has('image') ? image(obj.object('image')) : undefined, fields: stringList(obj, 'fields') };
}

/** Image defaults for an image topic that has no `image` section. */
export const DEFAULT_IMAGE: ImageSpec = { color: 'rgb', mean: [0, 0, 0], std: [1, 1, 1] };

/** Validates a parsed YAML document. `file` is used in error messages and for relative paths. */
export function parseDatasetConfig(doc: unknown, file?: string): DatasetConfig {
  const root = ConfigObject.from(doc, file);
  root.rejectUnknown(['bags', 'inputs', 'target', 'alignment', 'cache']);
  const base = file ? path.dirname(path.resolve(file)) : process.cwd();
  const inputs = mappingList(root, 'inputs').map(input);
  inputs.forEach((inp, i) => {
    const other = inputs.findIndex((o) => o.name === inp.name || o.topic === inp.topic);
    if (other < i) {
      const key = inputs[other].topic === inp.topic ? 'topic' : 'name';
      throw new ConfigError(file, `inputs[${i}].${key}`, `'${inp[key]}' is already used by inputs[${other}]`);
    }
  });

  const t = root.object('target');
  t.rejectUnknown(['topic', 'fields', 'tolerance']);
  const target: TargetSpec = { topic: topicName(t, 'topic'), fields: stringList(t, 'fields'), toleranceS: t.number('tolerance', { min: 0, default: 0.05 }) };
  if (inputs.some((inp) => inp.topic === target.topic)) throw t.error('topic', `${target.topic} is also an input`);

  const a = root.has('alignment') ? root.object('alignment') : ConfigObject.from({}, file, 'alignment');
  a.rejectUnknown(['step_topic', 'clock', 'max_gap', 'max_input_age', 'reorder_window', 'first_dt', 'min_length']);
  const stepTopic = a.string('step_topic', inputs[0].topic);
  if (!inputs.some((inp) => inp.topic === stepTopic)) throw a.error('step_topic', `${stepTopic} is not one of the inputs`);
  const maxGapS = a.number('max_gap', { min: 0, minExclusive: true, default: 0.5 });
  const alignment: AlignmentSpec = {
    stepTopic,
    clock: a.oneOf('clock', ['header', 'log'] as const, 'header'),
    maxGapS,
    maxInputAgeS: a.number('max_input_age', { min: 0, minExclusive: true, default: maxGapS }),
    reorderWindowS: a.number('reorder_window', { min: 0, default: 0.5 }),
    firstDtS: a.number('first_dt', { min: 0, default: 0 }),
    minLength: a.int('min_length', { min: 1, default: 2 }),
  };

  const c = root.has('cache') ? root.object('cache') : ConfigObject.from({}, file, 'cache');
  c.rejectUnknown(['dir']);
  const cacheDir = c.has('dir') ? path.resolve(base, c.string('dir')) : defaultCacheDir();

  const bags = root.has('bags') ? stringList(root, 'bags')!.map((b) => path.resolve(base, b)) : [];
  return { file, bags, inputs, target, alignment, cacheDir };
}

/** Reads and validates a dataset YAML file. */
export function loadDatasetConfig(file: string): DatasetConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, '<file>', `cannot read (${(e as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new ConfigError(file, '<root>', `not valid YAML (${(e as Error).message})`);
  }
  return parseDatasetConfig(doc, file);
}

/** Hash of everything that changes the built arrays (not bags, not the cache location). */
export function featureConfigHash(config: DatasetConfig): string {
  const { inputs, target, alignment } = config;
  return createHash('sha256').update(JSON.stringify({ inputs, target, alignment })).digest('hex');
}
