/**
 * The config.yaml of an ncps-compatible model directory: ncps constructor arguments under their
 * ncps names, omitted keys taking ncps's defaults. Validated once, errors naming file and key.
 */
import { ConfigObject } from '../config/config_object';
import { ACTIVATIONS, Activation } from './activations';
import { CFC_MODES, CfCMode } from './cells/cfc_cell';
import { LTC_MAPPINGS, LtcMapping } from './cells/ltc_cell';

interface CommonConfig {
  format: 'ncps';
  input_size: number;
  /** Number of fully connected units, or a wiring's config object (`{wiring: AutoNCP, ...}`). */
  units: number | Record<string, unknown>;
  return_sequences: boolean;
  batch_first: boolean;
  mixed_memory: boolean;
}

export interface CfCConfig extends CommonConfig {
  class: 'CfC';
  proj_size: number | null;
  mode: CfCMode;
  activation: Activation;
  /** null with a wiring (ncps rejects backbone arguments there). */
  backbone_units: number | null;
  backbone_layers: number | null;
  backbone_dropout: number | null;
}

export interface LTCConfig extends CommonConfig {
  class: 'LTC';
  input_mapping: LtcMapping;
  output_mapping: LtcMapping;
  ode_unfolds: number;
  epsilon: number;
  implicit_param_constraints: boolean;
}

/** Not an ncps class: the LSTM baseline of `lnn-ros fit` (ncps's LSTMCell plus a projection). */
export interface LSTMConfig extends CommonConfig {
  class: 'LSTM';
  units: number;
  proj_size: number | null;
}

/**
 * Not an ncps class: the feed-forward baseline (no memory). `units` per hidden layer, `layers`
 * hidden layers (default 1), then the projection to the outputs.
 */
export interface FeedForwardConfig extends CommonConfig {
  class: 'FeedForward';
  units: number;
  layers: number;
  activation: Activation;
  proj_size: number | null;
}

export type ModelConfig = CfCConfig | LTCConfig | LSTMConfig | FeedForwardConfig;

const COMMON_KEYS = ['format', 'class', 'input_size', 'units', 'return_sequences', 'batch_first', 'mixed_memory'];
const CFC_KEYS = ['proj_size', 'mode', 'activation', 'backbone_units', 'backbone_layers', 'backbone_dropout'];
const LTC_KEYS = ['input_mapping', 'output_mapping', 'ode_unfolds', 'epsilon', 'implicit_param_constraints'];

function misplaced(keys: string[], own: string, other: string): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, `'${k}' is an argument of ncps ${other}, not of ${own}`]));
}

export function parseModelConfig(value: unknown, file?: string): ModelConfig {
  const c = ConfigObject.from(value, file);
  const format = c.string('format');
  if (format !== 'ncps') throw c.error('format', `'${format}' is not a supported model format (expected 'ncps')`);
  const cls = c.oneOf('class', ['CfC', 'LTC', 'LSTM', 'FeedForward'] as const);
  const rawUnits = c.raw('units');
  let units: number | Record<string, unknown>;
  if (typeof rawUnits === 'object' && rawUnits !== null && !Array.isArray(rawUnits)) {
    units = c.object('units').value;
  } else {
    units = c.int('units', { min: 1 });
  }
  const common = {
    format: 'ncps' as const,
    input_size: c.int('input_size', { min: 1 }),
    units,
    return_sequences: c.bool('return_sequences', true),
    batch_first: c.bool('batch_first', true),
    mixed_memory: c.bool('mixed_memory', false),
  };
  if (cls === 'LSTM' || cls === 'FeedForward') {
    const what = cls === 'LSTM' ? 'an LSTM' : 'a feed-forward model';
    c.rejectUnknown([...COMMON_KEYS, 'proj_size', ...(cls === 'FeedForward' ? ['layers', 'activation'] : [])]);
    if (typeof units !== 'number') throw c.error('units', `${what} takes an integer number of units, not a wiring`);
    if (common.mixed_memory) throw c.error('mixed_memory', `${what} has no mixed memory to add`);
    const projSize = c.optionalInt('proj_size', { min: 1 });
    if (cls === 'LSTM') return { ...common, class: 'LSTM', units, proj_size: projSize };
    return { ...common, class: 'FeedForward', units, proj_size: projSize, layers: c.int('layers', { default: 1, min: 1 }), activation: c.oneOf('activation', ACTIVATIONS, 'lecun_tanh') };
  }
  if (cls === 'LTC') {
    c.rejectUnknown([...COMMON_KEYS, ...LTC_KEYS], misplaced(CFC_KEYS, 'LTC', 'CfC'));
    return {
      ...common,
      class: 'LTC',
      input_mapping: c.oneOf('input_mapping', LTC_MAPPINGS, 'affine'),
      output_mapping: c.oneOf('output_mapping', LTC_MAPPINGS, 'affine'),
      ode_unfolds: c.int('ode_unfolds', { default: 6, min: 1 }),
      epsilon: c.number('epsilon', { default: 1e-8, min: 0 }),
      implicit_param_constraints: c.bool('implicit_param_constraints', true),
    };
  }
  c.rejectUnknown([...COMMON_KEYS, ...CFC_KEYS], misplaced(LTC_KEYS, 'CfC', 'LTC'));
  const wired = typeof units !== 'number';
  if (wired) {
    for (const key of ['backbone_units', 'backbone_layers', 'backbone_dropout']) {
      if (c.raw(key) !== undefined && c.raw(key) !== null) {
        throw c.error(key, 'must be omitted or null when units is a wiring (ncps rejects backbone arguments for wired CfCs)');
      }
    }
  }
  return {
    ...common,
    class: 'CfC',
    proj_size: c.optionalInt('proj_size', { min: 1 }),
    mode: c.oneOf('mode', CFC_MODES, 'default'),
    activation: c.oneOf('activation', ACTIVATIONS, 'lecun_tanh'),
    backbone_units: wired ? null : c.int('backbone_units', { default: 128, min: 1 }),
    backbone_layers: wired ? null : c.int('backbone_layers', { default: 1, min: 0 }),
    backbone_dropout: wired ? null : c.number('backbone_dropout', { default: 0, min: 0, max: 1 }),
  };
}
