/**
 * ConvEncoder: the camera head of a policy — a conv stack on an NHWC float32 frame (already
 * normalised), flattened, then an optional dense layer to `features` outputs for the recurrent cell.
 *
 * Default = the lane-keeping head (Lechner et al., NCP): on a 78×200×3 frame
 *   24@5×5/2 → 37×98, 36@5×5/2 → 17×47, 48@3×3/2 → 8×23, 64@3×3/1 → 6×21, 8@3×3/1 → 4×19,
 * all 'valid' and ReLU, flatten (4·19·8 = 608) → dense → 32 features (linear: the cell applies
 * its own nonlinearity to its inputs).
 *
 * Parameters, torch-like names: `conv.<i>.weight`, `conv.<i>.bias`, `head.weight`, `head.bias`.
 * Layouts (what a torch converter must transpose):
 *  - `conv.<i>.weight` is tfjs HWIO (kh, kw, in, out) — torch's Conv2d is OIHW; permute (2, 3, 1, 0).
 *    Kept in the layout the conv kernels read, so neither training nor inference transposes it.
 *  - `head.weight` is torch's (out, in), but `in` follows the NHWC flatten order (h, w, c); torch
 *    flattens NCHW (c, h, w).
 * Initialisation: torch's Conv2d default for the convs, U(±1/√fan_in) for weights and biases
 * (kaiming_uniform with a=√5); the head is a Linear as in ncps (xavier_uniform_ weight).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigObject } from '../config/config_object';
import { uniform } from './init';
import { Linear } from './linear';
import { Module } from './module';

export const ENCODER_ACTIVATIONS = ['relu', 'elu', 'tanh'] as const;
export type EncoderActivation = (typeof ENCODER_ACTIVATIONS)[number];
export const CONV_PADDINGS = ['valid', 'same'] as const;
export type ConvPadding = (typeof CONV_PADDINGS)[number];

export interface ConvLayerSpec {
  filters: number;
  /** Square kernel size. */
  kernel: number;
  /** Default 1. */
  stride?: number;
  /** tfjs/TensorFlow padding; default 'valid' (torch padding=0). */
  padding?: ConvPadding;
}

export interface ConvEncoderOptions {
  /** [height, width, channels] of one NHWC frame; default [78, 200, 3]. */
  inputShape?: [number, number, number];
  /** The conv stack, first layer first; default the lane-keeping stack above. */
  conv?: ConvLayerSpec[];
  /** After every conv layer (not after the head); default relu. */
  activation?: EncoderActivation;
  /** Width of the dense head; null: no head, the output is the flattened conv maps. Default 32. */
  features?: number | null;
}

const DEFAULT_INPUT_SHAPE: [number, number, number] = [78, 200, 3];
const DEFAULT_FEATURES = 32;

export const LANE_KEEPING_CONV: readonly ConvLayerSpec[] = [
  { filters: 24, kernel: 5, stride: 2 },
  { filters: 36, kernel: 5, stride: 2 },
  { filters: 48, kernel: 3, stride: 2 },
  { filters: 64, kernel: 3, stride: 1 },
  { filters: 8, kernel: 3, stride: 1 },
];

interface ConvLayer extends Required<ConvLayerSpec> {
  weight: tf.Variable;
  bias: tf.Variable;
  /** [height, width, channels] this layer produces. */
  outShape: [number, number, number];
}

export class ConvEncoder extends Module {
  readonly inputShape: [number, number, number];
  readonly activation: EncoderActivation;
  readonly layers: ConvLayer[] = [];
  readonly head: Linear | null;
  /** Size of the flattened conv output (the head's input). */
  readonly flatSize: number;
  /** Width of `forward`'s output. */
  readonly outputSize: number;

  constructor(options: ConvEncoderOptions = {}) {
    super();
    this.inputShape = options.inputShape ?? DEFAULT_INPUT_SHAPE;
    this.activation = options.activation ?? 'relu';
    let shape = this.inputShape;
    (options.conv ?? LANE_KEEPING_CONV).forEach((spec, i) => {
      const problem = shrinkProblem(shape, spec);
      if (problem) throw new Error(`conv.${i}: ${problem}`);
      const outShape = convOutputShape(shape, spec);
      const fanIn = spec.kernel * spec.kernel * shape[2];
      const bound = 1 / Math.sqrt(fanIn);
      const weight = this.register(`conv.${i}.weight`, uniform([spec.kernel, spec.kernel, shape[2], spec.filters], -bound, bound));
      const bias = this.register(`conv.${i}.bias`, uniform([spec.filters], -bound, bound));
      this.layers.push({ ...spec, stride: spec.stride ?? 1, padding: spec.padding ?? 'valid', weight, bias, outShape });
      shape = outShape;
    });
    this.flatSize = shape[0] * shape[1] * shape[2];
    const features = options.features === undefined ? DEFAULT_FEATURES : options.features;
    this.head = features === null ? null : this.submodule('head', new Linear(this.flatSize, features));
    this.outputSize = features ?? this.flatSize;
  }

  /** x (batch, height, width, channels) → (batch, outputSize). */
  forward(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.convStack(x, null));
  }

  /**
   * `forward` that also returns each conv layer's activations averaged over its channels, all
   * layers flattened into one (batch, Σ h·w) tensor, first layer first: what VisualBackProp needs,
   * from the same pass that produces the features.
   */
  forwardWithMeanMaps(x: tf.Tensor4D): { features: tf.Tensor2D; meanMaps: tf.Tensor2D } {
    return tf.tidy(() => {
      const means: tf.Tensor2D[] = [];
      const features = this.convStack(x, means);
      return { features, meanMaps: tf.concat(means, 1) as tf.Tensor2D };
    });
  }

  /** The conv layers, flatten and head; pushes each layer's flattened channel mean to `means` when given. */
  private convStack(x: tf.Tensor4D, means: tf.Tensor2D[] | null): tf.Tensor2D {
    // One fused conv+bias+activation op per layer (tanh is not fusable); under a gradient tape
    // tfjs itself splits a fused relu/elu into the plain ops, whose gradients it has.
    const fused = this.activation === 'tanh' ? 'linear' : this.activation;
    let h = x;
    for (const layer of this.layers) {
      h = tf.fused.conv2d({ x: h, filter: layer.weight as tf.Tensor4D, strides: layer.stride, pad: layer.padding, bias: layer.bias, activation: fused });
      if (this.activation === 'tanh') h = tf.tanh(h);
      means?.push(tf.reshape(tf.mean(h, 3), [h.shape[0], layer.outShape[0] * layer.outShape[1]]) as tf.Tensor2D);
    }
    const flat = tf.reshape(h, [h.shape[0], this.flatSize]) as tf.Tensor2D;
    return this.head ? this.head.apply(flat) : flat;
  }
}

/** [height, width, channels] after one conv (TensorFlow's 'valid'/'same' arithmetic). */
export function convOutputShape(input: [number, number, number], spec: ConvLayerSpec): [number, number, number] {
  const stride = spec.stride ?? 1;
  const size = (n: number) => (spec.padding === 'same' ? Math.ceil(n / stride) : Math.floor((n - spec.kernel) / stride) + 1);
  return [size(input[0]), size(input[1]), spec.filters];
}

function shrinkProblem(input: [number, number, number], spec: ConvLayerSpec): string | null {
  const [h, w] = convOutputShape(input, spec);
  if (h >= 1 && w >= 1) return null;
  return `a ${spec.kernel}×${spec.kernel} '${spec.padding ?? 'valid'}' conv leaves nothing of its ${input[0]}×${input[1]} input`;
}

/**
 * Reads an encoder mapping (snake_case keys, all optional):
 * `{input_shape: [h, w, c], conv: [{filters, kernel, stride, padding}], activation, features}`.
 * `key` is the mapping's own dotted key in the file (e.g. 'encoder'), so errors name the full key.
 * `imageShape`: the frames the encoder will see (a policy's preprocessed camera), which the conv
 * layers are checked against when the mapping gives no input_shape of its own.
 */
export function parseEncoderConfig(value: unknown, file?: string, key = '', imageShape?: [number, number, number]): ConvEncoderOptions {
  const c = ConfigObject.from(value, file, key);
  c.rejectUnknown(['input_shape', 'conv', 'activation', 'features']);
  const shape = c.has('input_shape') ? inputShape(c) : undefined;
  return {
    inputShape: shape,
    conv: c.has('conv') ? convLayers(c, shape ?? imageShape ?? DEFAULT_INPUT_SHAPE) : undefined,
    activation: c.oneOf('activation', ENCODER_ACTIVATIONS, 'relu'),
    features: c.optionalInt('features', { default: DEFAULT_FEATURES, min: 1 }),
  };
}

function inputShape(c: ConfigObject): [number, number, number] {
  const v = c.raw('input_shape');
  if (!Array.isArray(v) || v.length !== 3 || !v.every((n) => Number.isInteger(n) && n >= 1)) {
    throw c.error('input_shape', `expected [height, width, channels] of positive integers, got ${JSON.stringify(v)}`);
  }
  return [v[0], v[1], v[2]];
}

/** The layer list, each checked against the shape the layers before it leave. */
function convLayers(c: ConfigObject, input: [number, number, number]): ConvLayerSpec[] {
  const list = c.raw('conv');
  if (!Array.isArray(list) || list.length === 0) throw c.error('conv', 'expected a non-empty list of conv layers');
  let shape = input;
  return list.map((item, i) => {
    const layer = ConfigObject.from(item, c.file, `${c.key('conv')}.${i}`);
    layer.rejectUnknown(['filters', 'kernel', 'stride', 'padding']);
    const spec: ConvLayerSpec = {
      filters: layer.int('filters', { min: 1 }),
      kernel: layer.int('kernel', { min: 1 }),
      stride: layer.int('stride', { default: 1, min: 1 }),
      padding: layer.oneOf('padding', CONV_PADDINGS, 'valid'),
    };
    const problem = shrinkProblem(shape, spec);
    if (problem) throw layer.error('kernel', problem);
    shape = convOutputShape(shape, spec);
    return spec;
  });
}
