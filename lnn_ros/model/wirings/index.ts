import { ConfigObject } from '../../config/config_object';
import { AutoNcpWiring } from './auto_ncp';
import { FullyConnectedWiring } from './fully_connected';
import { NcpWiring } from './ncp';
import { RandomWiring } from './random';
import { Wiring, WiringArgumentError, WiringConfig } from './wiring';

export { AutoNcpWiring } from './auto_ncp';
export type { AutoNcpArguments } from './auto_ncp';
export { FullyConnectedWiring } from './fully_connected';
export type { FullyConnectedArguments } from './fully_connected';
export { LANE_KEEPING_NCP, NcpWiring } from './ncp';
export type { NcpArguments } from './ncp';
export { RandomWiring } from './random';
export type { RandomArguments } from './random';
export { wiringToDot, wiringToSvg } from './diagram';
export { Wiring, WiringArgumentError } from './wiring';
export type { AutoNcpConfig, FullyConnectedConfig, NcpConfig, NeuronType, RandomConfig, WiringConfig } from './wiring';

const WIRING_KINDS: ReadonlyArray<WiringConfig['wiring']> = ['AutoNCP', 'NCP', 'FullyConnected', 'Random'];

/**
 * Builds a wiring from its config object form, e.g. `{wiring: AutoNCP, units: 12, output_size: 2}`.
 * Every problem is a ConfigError naming `file` and the key under `keyPrefix` (e.g. `units.seed`).
 */
export function wiringFromConfig(config: unknown, file?: string, keyPrefix = 'units'): Wiring {
  const entries = ConfigObject.from(config, file, keyPrefix);
  const kind = entries.oneOf('wiring', WIRING_KINDS);
  try {
    return construct(kind, entries);
  } catch (error) {
    if (error instanceof WiringArgumentError) throw entries.error(error.argument, error.problem);
    throw error;
  }
}

/** Types are checked here, ranges by the constructors; omitted keys stay undefined so the ncps defaults apply. */
function construct(kind: WiringConfig['wiring'], entries: ConfigObject): Wiring {
  const optionalInt = (name: string) => (entries.has(name) ? entries.int(name) : undefined);
  const optionalNumber = (name: string) => (entries.has(name) ? entries.number(name) : undefined);
  switch (kind) {
    case 'AutoNCP':
      entries.rejectUnknown(['wiring', 'units', 'output_size', 'sparsity_level', 'seed']);
      return new AutoNcpWiring({
        units: entries.int('units'),
        output_size: entries.int('output_size'),
        sparsity_level: optionalNumber('sparsity_level'),
        seed: optionalInt('seed'),
      });
    case 'NCP': {
      const counts = [
        'inter_neurons',
        'command_neurons',
        'motor_neurons',
        'sensory_fanout',
        'inter_fanout',
        'recurrent_command_synapses',
        'motor_fanin',
      ] as const;
      entries.rejectUnknown(['wiring', ...counts, 'seed']);
      const [inter, command, motor, sensoryFanout, interFanout, recurrent, motorFanin] = counts.map((name) => entries.int(name));
      return new NcpWiring({
        inter_neurons: inter,
        command_neurons: command,
        motor_neurons: motor,
        sensory_fanout: sensoryFanout,
        inter_fanout: interFanout,
        recurrent_command_synapses: recurrent,
        motor_fanin: motorFanin,
        seed: optionalInt('seed'),
      });
    }
    case 'FullyConnected':
      entries.rejectUnknown(['wiring', 'units', 'output_dim', 'erev_init_seed', 'self_connections']);
      return new FullyConnectedWiring({
        units: entries.int('units'),
        output_dim: optionalInt('output_dim'),
        erev_init_seed: optionalInt('erev_init_seed'),
        self_connections: entries.has('self_connections') ? entries.bool('self_connections') : undefined,
      });
    case 'Random':
      entries.rejectUnknown(['wiring', 'units', 'output_dim', 'sparsity_level', 'random_seed']);
      return new RandomWiring({
        units: entries.int('units'),
        output_dim: optionalInt('output_dim'),
        sparsity_level: optionalNumber('sparsity_level'),
        random_seed: optionalInt('random_seed'),
      });
  }
}
