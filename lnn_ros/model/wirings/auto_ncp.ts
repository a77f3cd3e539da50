import { NcpWiring } from './ncp';
import { AutoNcpConfig, requireInteger, requireSparsity, WiringArgumentError } from './wiring';

export type AutoNcpArguments = Pick<AutoNcpConfig, 'units' | 'output_size'> &
  Partial<Pick<AutoNcpConfig, 'sparsity_level' | 'seed'>>;

/**
 * ncps `AutoNCP(units, output_size, sparsity_level=0.5, seed=22222)`: an NCP whose layer sizes and
 * fan-outs follow from the unit count. With density d = 1 - sparsity_level and M = output_size:
 * command = max(int(0.4 (units - M)), 1), inter = the rest, sensory_fanout = max(int(inter d), 1),
 * inter_fanout = motor_fanin = max(int(command d), 1), recurrent = max(int(command d 2), 1).
 * The float expressions are evaluated in ncps's order so that truncation lands the same way.
 */
export class AutoNcpWiring extends NcpWiring {
  readonly sparsityLevel: number;

  constructor({ units, output_size, sparsity_level = 0.5, seed = 22222 }: AutoNcpArguments) {
    requireInteger('units', units, 1);
    requireInteger('output_size', output_size, 1);
    if (output_size >= units - 2) {
      throw new WiringArgumentError('output_size', `must be less than units - 2 (given ${units} units, output size ${output_size})`);
    }
    // ncps's message says 0.0 to 0.9, but its check (and ours) accepts [0.1, 1.0].
    requireSparsity(sparsity_level, 0.1, 1.0, true);
    const density = 1.0 - sparsity_level;
    const interAndCommand = units - output_size;
    const command = Math.max(Math.trunc(0.4 * interAndCommand), 1);
    const inter = interAndCommand - command;
    super({
      inter_neurons: inter,
      command_neurons: command,
      motor_neurons: output_size,
      sensory_fanout: Math.max(Math.trunc(inter * density), 1),
      inter_fanout: Math.max(Math.trunc(command * density), 1),
      recurrent_command_synapses: Math.max(Math.trunc(command * density * 2), 1),
      motor_fanin: Math.max(Math.trunc(command * density), 1),
      seed,
    });
    this.sparsityLevel = sparsity_level;
  }

  override config(): AutoNcpConfig {
    return {
      wiring: 'AutoNCP',
      units: this.units,
      output_size: this.outputDim,
      sparsity_level: this.sparsityLevel,
      seed: this.seed,
    };
  }
}
