/**
 * A model directory: `config.yaml` (ncps constructor arguments) and `weights.safetensors` (the
 * torch state_dict under ncps's keys, float32). Loads what ncps saves; saves what ncps loads.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import YAML from 'yaml';
import { ConfigError, InputError } from '../errors';
import { FileTree, replaceDirAtomic, writeTree } from '../io/atomic';
import { ModelConfig, parseModelConfig } from './model_config';
import { encodeSafetensors, NamedArray, readSafetensors } from '../io/safetensors';
import { Module } from './module';
import { SequenceModel } from './sequence_model';

export const CONFIG_FILE = 'config.yaml';
export const WEIGHTS_FILE = 'weights.safetensors';

/** launch_ros writes list parameters into its temporary params files as `!!python/tuple`: a list. */
const PYTHON_TUPLE = { tag: 'tag:yaml.org,2002:python/tuple', collection: 'seq' as const, resolve: (seq: unknown) => seq };

export function readYamlFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as Error).message})`);
  }
  try {
    return YAML.parse(text, { customTags: [PYTHON_TUPLE] });
  } catch (e) {
    throw new InputError(`${file}: not valid YAML: ${(e as Error).message}`);
  }
}

export function readModelConfig(dir: string): ModelConfig {
  const file = path.join(dir, CONFIG_FILE);
  return parseModelConfig(readYamlFile(file), file);
}

/** The model's tensors under their state_dict names, copied out as float32 arrays. */
export function stateDict(model: Module): Map<string, NamedArray> {
  return new Map(model.namedTensors().map((e) => [e.name, { shape: e.variable.shape, data: e.variable.dataSync() as Float32Array }]));
}

/** Assigns every tensor of `weights` to the model; rejects missing, unexpected, misshapen or non-finite ones. */
export function loadStateDict(model: Module, weights: Map<string, NamedArray>, file = '<weights>'): void {
  const entries = model.namedTensors();
  const known = new Set(entries.map((e) => e.name));
  for (const name of weights.keys()) {
    if (!known.has(name)) throw new ConfigError(file, name, `unexpected key: the model defined by ${CONFIG_FILE} has no such tensor`);
  }
  // Validate everything before assigning anything, so a bad file leaves the model untouched.
  for (const { name, variable } of entries) {
    const w = weights.get(name);
    if (!w) throw new ConfigError(file, name, `missing key (expected a float32 tensor of shape [${variable.shape}])`);
    if (w.shape.length !== variable.shape.length || w.shape.some((d, i) => d !== variable.shape[i])) {
      throw new ConfigError(file, name, `shape [${w.shape}] does not match the model's [${variable.shape}] (check ${CONFIG_FILE})`);
    }
    const bad = w.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new ConfigError(file, name, `non-finite value ${w.data[bad]} at flat index ${bad}`);
  }
  for (const { name, variable } of entries) {
    const w = weights.get(name)!;
    variable.assign(tf.tensor(w.data, w.shape, 'float32'));
  }
}

export function loadModelDir(dir: string): SequenceModel {
  const config = readModelConfig(dir);
  const model = new SequenceModel(config, path.join(dir, CONFIG_FILE));
  const file = path.join(dir, WEIGHTS_FILE);
  try {
    loadStateDict(model, readSafetensors(file), file);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/** The files of the model's directory, in memory (a snapshot to write later). */
export function modelDirFiles(model: SequenceModel): FileTree {
  return { [CONFIG_FILE]: YAML.stringify(model.config), [WEIGHTS_FILE]: encodeSafetensors(stateDict(model)) };
}

/** Writes the directory atomically: readers see the old model or the complete new one. */
export function saveModelDir(dir: string, model: SequenceModel): void {
  const files = modelDirFiles(model);
  replaceDirAtomic(dir, (tmp) => writeTree(tmp, files));
}
