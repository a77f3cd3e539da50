import { ConfigError } from '../../errors';
import { AutoNcpWiring } from './auto_ncp';
import { FullyConnectedWiring } from './fully_connected';
import { NcpWiring } from './ncp';
import { RandomWiring } from './random';
import { Wiring, WiringArgumentError, WiringConfig } from './wiring';

export { AutoNcpWiring } from './auto_ncp';
export type { AutoNcpArguments } from './auto_ncp';
export { FullyConnectedWiring } from './fully_connected';
export type { FullyConnectedArguments } from './fully_connected';
export { NcpWiring } from './ncp';
export type { NcpArguments } from './ncp';
export { RandomWiring } from './random';
export type { RandomArguments } from './random';
export { wiringToDot, wiringToSvg } from './diagram';
export { Wiring, WiringArgumentError } from './wiring';
export type { AutoNcpConfig, FullyConnectedConfig, NcpConfig, NeuronType, RandomConfig, WiringConfig } from './wiring';

type ValueType = 'number' | 'boolean';

/** Per wiring: each key's type and whether it may be omitted (then the ncps default applies). */
const CONFIG_KEYS: Record<WiringConfig['wiring'], Record<string, { type: ValueType; optional: boolean }>> = {
  AutoNCP: {
    units: { type: 'number', optional: false },
    output_size: { type: 'number', optional: false },
    sparsity_level: { type: 'number', optional: true },
    seed: { type: 'number', optional: true },
  },
  NCP: {
    inter_neurons: { type: 'number', optional: false },
    command_neurons: { type: 'number', optional: false },
    motor_neurons: { type: 'number', optional: false },
    sensory_fanout: { type: 'number', optional: false },
    inter_fanout: { type: 'number', optional: false },
    recurrent_command_synapses: { type: 'number', optional: false },
    motor_fanin: { type: 'number', optional: false },
    seed: { type: 'number', optional: true },
  },
  FullyConnected: {
    units: { type: 'number', optional: false },
    output_dim: { type: 'number', optional: true },
    erev_init_seed: { type: 'number', optional: true },
    self_connections: { type: 'boolean', optional: true },
  },
  Random: {
    units: { type: 'number', optional: false },
    output_dim: { type: 'number', optional: true },
    sparsity_level: { type: 'number', optional: true },
    random_seed: { type: 'number', optional: true },
  },
};

/**
 * Builds a wiring from its config object form, e.g. `{wiring: AutoNCP, units: 12, output_size: 2}`.
 * Every problem is a ConfigError naming `file` and the key under `keyPrefix` (e.g. `units.seed`).
 */
export function wiringFromConfig(config: unknown, file?: string, keyPrefix = 'units'): Wiring {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ConfigError(file, keyPrefix, 'must be a mapping with a `wiring` key');
  }
  const entries = config as Record<string, unknown>;
  const kind = entries.wiring;
  if (typeof kind !== 'string' || !Object.hasOwn(CONFIG_KEYS, kind)) {
    const known = Object.keys(CONFIG_KEYS).join(', ');
    throw new ConfigError(file, `${keyPrefix}.wiring`, `must be one of ${known}, got ${JSON.stringify(kind)}`);
  }
  const wiringKind = kind as WiringConfig['wiring'];
  const schema = CONFIG_KEYS[wiringKind];
  for (const [key, value] of Object.entries(entries)) {
    if (key === 'wiring') continue;
    const expected = schema[key];
    if (expected === undefined) {
      throw new ConfigError(file, `${keyPrefix}.${key}`, `unknown key for ${kind}; known keys: ${Object.keys(schema).join(', ')}`);
    }
    if (typeof value !== expected.type) {
      throw new ConfigError(file, `${keyPrefix}.${key}`, `must be a ${expected.type}, got ${JSON.stringify(value)}`);
    }
  }
  for (const [key, { optional }] of Object.entries(schema)) {
    if (!optional && entries[key] === undefined) {
      throw new ConfigError(file, `${keyPrefix}.${key}`, `is required for ${kind}`);
    }
  }
  try {
    return construct(wiringKind, entries);
  } catch (error) {
    if (error instanceof WiringArgumentError) {
      throw new ConfigError(file, `${keyPrefix}.${error.argument}`, error.problem);
    }
    throw error;
  }
}

/** The keys and their types are checked by now; ranges are the constructors' job. */
function construct(kind: WiringConfig['wiring'], args: Record<string, unknown>): Wiring {
  switch (kind) {
    case 'AutoNCP':
      return new AutoNcpWiring(args as unknown as ConstructorParameters<typeof AutoNcpWiring>[0]);
    case 'NCP':
      return new NcpWiring(args as unknown as ConstructorParameters<typeof NcpWiring>[0]);
    case 'FullyConnected':
      return new FullyConnectedWiring(args as unknown as ConstructorParameters<typeof FullyConnectedWiring>[0]);
    case 'Random':
      return new RandomWiring(args as unknown as ConstructorParameters<typeof RandomWiring>[0]);
  }
}
