/**
 * A driving policy: an optional CNN encoder for one camera, an optional vector of other
 * features (IMU), and a recurrent core (an ncps model directory) whose outputs are the command
 * fields. Inputs and outputs are normalised with training-set statistics kept in policy.yaml.
 *
 * A policy directory: policy.yaml, encoder.safetensors (when there is a camera), rnn/ (an ncps
 * model directory). What the inputs are in ROS terms (topics, image preprocessing, fields) lives
 * with the data layer, in the `inputs` section the trainer copies from its dataset config.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import YAML from 'yaml';
import { ConfigObject } from '../config/config_object';
import { ConfigError } from '../errors';
import { FileTree, replaceDirAtomic, underDir, writeTree } from '../io/atomic';
import { directoryKind } from '../io/output';
import { encodeSafetensors, readSafetensors } from '../io/safetensors';
import { ConvEncoder, ConvEncoderOptions, parseEncoderConfig } from './encoder';
import { ModelConfig } from './model_config';
import { loadModelDir, loadStateDict, modelDirFiles, readYamlFile, stateDict } from './model_dir';
import { SequenceModel } from './sequence_model';

export const POLICY_FILE = 'policy.yaml';
export const ENCODER_FILE = 'encoder.safetensors';
export const RNN_DIR = 'rnn';
/** A policy directory, recognised by its policy.yaml (what --overwrite may replace). */
export const POLICY_OUTPUT = directoryKind('a policy directory', [POLICY_FILE]);

export interface Normalisation {
  mean: number[];
  std: number[];
}

export interface PolicyConfig {
  format: 'lnn_ros_policy';
  /** [height, width, channels] of the preprocessed camera frame, or null without a camera. */
  image: [number, number, number] | null;
  encoder: ConvEncoderOptions | null;
  /** Other features (IMU fields …), normalised; null when there are none. */
  vector: (Normalisation & { size: number }) | null;
  /** Command fields the outputs stand for, and how to undo their normalisation. */
  outputs: Normalisation & { names: string[] };
  /** Data-layer description of the inputs (topics, types, preprocessing), kept verbatim. */
  inputs: unknown;
}

function normalisation(c: ConfigObject, key: string, size: number): Normalisation {
  const n = c.object(key);
  const read = (k: string) => {
    const v = n.raw(k);
    if (!Array.isArray(v) || v.length !== size || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw n.error(k, `expected ${size} finite numbers`);
    }
    return v as number[];
  };
  const std = read('std');
  if (std.some((s) => s <= 0)) throw n.error('std', 'every std must be > 0');
  return { mean: read('mean'), std };
}

export function parsePolicyConfig(value: unknown, file?: string): PolicyConfig {
  const c = ConfigObject.from(value, file);
  c.rejectUnknown(['format', 'image', 'encoder', 'vector', 'outputs', 'inputs']);
  if (c.string('format') !== 'lnn_ros_policy') throw c.error('format', `expected 'lnn_ros_policy'`);
  const image = c.raw('image');
  if (image !== null && image !== undefined && !(Array.isArray(image) && image.length === 3 && image.every((n) => Number.isInteger(n) && n > 0))) {
    throw c.error('image', 'expected [height, width, channels] or null');
  }
  const vectorRaw = c.raw('vector');
  let vector: PolicyConfig['vector'] = null;
  if (vectorRaw !== null && vectorRaw !== undefined) {
    const v = c.object('vector');
    const size = v.int('size', { min: 1 });
    vector = { size, ...normalisation(c, 'vector', size) };
  }
  const o = c.object('outputs');
  const names = o.raw('names');
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) throw o.error('names', 'expected a list of field names');
  const outputs = { names: names as string[], ...normalisation(c, 'outputs', names.length) };
  if (!image && !vector) throw c.error('image', 'a policy needs a camera image, a feature vector, or both');
  return {
    format: 'lnn_ros_policy',
    image: (image as [number, number, number] | null) ?? null,
    encoder: image ? parseEncoderConfig(c.raw('encoder') ?? {}, file, 'encoder', image as [number, number, number]) : null,
    vector,
    outputs,
    inputs: c.raw('inputs') ?? null,
  };
}

export class Policy {
  constructor(
    readonly config: PolicyConfig,
    readonly encoder: ConvEncoder | null,
    readonly rnn: SequenceModel,
  ) {}

  /** Builds an untrained policy; the rnn config's input_size must equal encoder features + vector size. */
  static create(config: PolicyConfig, rnnConfig: ModelConfig): Policy {
    const encoder = config.image ? new ConvEncoder({ ...config.encoder, inputShape: config.image }) : null;
    const expected = (encoder?.outputSize ?? 0) + (config.vector?.size ?? 0);
    if (rnnConfig.input_size !== expected) {
      throw new ConfigError(undefined, 'rnn.input_size', `${rnnConfig.input_size}, but the encoder and vector give ${expected} features`);
    }
    const rnn = new SequenceModel(rnnConfig);
    if (rnn.outputSize !== config.outputs.names.length) {
      rnn.dispose();
      encoder?.dispose();
      throw new ConfigError(undefined, 'rnn', `gives ${rnn.outputSize} outputs for ${config.outputs.names.length} command fields`);
    }
    return new Policy(config, encoder, rnn);
  }

  get featureSize(): number {
    return this.rnn.inputSize;
  }

  /**
   * Per-step rnn features: encoder embeddings of (B·T) preprocessed frames and normalised vectors
   * (B, T, n), concatenated to (B, T, features).
   */
  features(images: tf.Tensor4D | null, vectors: tf.Tensor3D | null, batch: number, steps: number): tf.Tensor3D {
    const parts: tf.Tensor3D[] = [];
    if (this.encoder) {
      if (!images) throw new Error('this policy needs camera frames');
      parts.push(tf.reshape(this.encoder.forward(images), [batch, steps, this.encoder.outputSize]));
    }
    if (this.config.vector) {
      if (!vectors) throw new Error('this policy needs its feature vector');
      const { mean, std } = this.config.vector;
      parts.push(tf.div(tf.sub(vectors, tf.tensor1d(mean)), tf.tensor1d(std)) as tf.Tensor3D);
    }
    return parts.length === 1 ? parts[0] : (tf.concat(parts, 2) as tf.Tensor3D);
  }

  trainableVariables(): tf.Variable[] {
    return [...(this.encoder?.trainableVariables() ?? []), ...this.rnn.trainableVariables()];
  }

  /** Normalised model outputs back to command units, in place. */
  denormalise(out: Float32Array | Float64Array): void {
    const { mean, std } = this.config.outputs;
    for (let i = 0; i < mean.length; i++) out[i] = out[i] * std[i] + mean[i];
  }

  dispose(): void {
    this.encoder?.dispose();
    this.rnn.dispose();
  }
}

export function loadPolicyDir(dir: string): Policy {
  const file = path.join(dir, POLICY_FILE);
  const config = parsePolicyConfig(readYamlFile(file), file);
  const rnn = loadModelDir(path.join(dir, RNN_DIR));
  let encoder: ConvEncoder | null = null;
  try {
    if (config.image) {
      encoder = new ConvEncoder({ ...config.encoder, inputShape: config.image });
      const weights = path.join(dir, ENCODER_FILE);
      if (!fs.existsSync(weights)) throw new ConfigError(weights, '<file>', 'missing: a policy with a camera needs its encoder weights');
      loadStateDict(encoder, readSafetensors(weights), weights);
    }
    const features = (encoder?.outputSize ?? 0) + (config.vector?.size ?? 0);
    if (rnn.inputSize !== features) throw new ConfigError(path.join(dir, RNN_DIR, 'config.yaml'), 'input_size', `${rnn.inputSize}, but ${POLICY_FILE} gives ${features} features`);
    if (rnn.outputSize !== config.outputs.names.length) throw new ConfigError(file, 'outputs.names', `${config.outputs.names.length} names for ${rnn.outputSize} rnn outputs`);
  } catch (e) {
    rnn.dispose();
    encoder?.dispose();
    throw e;
  }
  return new Policy(config, encoder, rnn);
}

/** The files of the policy's directory, in memory (a snapshot to write later). */
export function policyDirFiles(policy: Policy): FileTree {
  const { config } = policy;
  // The encoder section in its YAML form; its input shape is `image`.
  const encoder = config.encoder && { conv: config.encoder.conv, activation: config.encoder.activation, features: config.encoder.features };
  return {
    [POLICY_FILE]: YAML.stringify({ ...config, encoder: encoder ?? undefined }),
    ...(policy.encoder ? { [ENCODER_FILE]: encodeSafetensors(stateDict(policy.encoder)) } : {}),
    ...underDir(RNN_DIR, modelDirFiles(policy.rnn)),
  };
}

/** Writes the whole directory atomically (readers see the old policy or the complete new one). */
export function savePolicyDir(dir: string, policy: Policy): void {
  const files = policyDirFiles(policy);
  replaceDirAtomic(dir, (tmp) => writeTree(tmp, files));
}
