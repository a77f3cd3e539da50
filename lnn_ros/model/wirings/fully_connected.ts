import { Pcg64Generator } from '../rng/pcg64';
import { FullyConnectedConfig, MOSTLY_EXCITATORY_POLARITIES, requireInteger, Wiring } from './wiring';

export type FullyConnectedArguments = Pick<FullyConnectedConfig, 'units'> &
  Partial<Omit<FullyConnectedConfig, 'wiring' | 'units'>>;

/**
 * ncps `FullyConnected(units, output_dim=None, erev_init_seed=1111, self_connections=True)`:
 * every neuron feeds every neuron (optionally not itself) and every input feeds every neuron.
 * Polarities come from `default_rng(erev_init_seed).choice([-1, 1, 1])`, internal synapses
 * first (source-major), then the sensory ones in build(), continuing the same stream.
 */
export class FullyConnectedWiring extends Wiring {
  readonly erevInitSeed: number;
  readonly selfConnections: boolean;
  private readonly rng: Pcg64Generator;

  constructor({ units, output_dim = units, erev_init_seed = 1111, self_connections = true }: FullyConnectedArguments) {
    requireInteger('units', units, 1);
    requireInteger('output_dim', output_dim, 1, units);
    requireInteger('erev_init_seed', erev_init_seed, 0);
    super(units, output_dim);
    this.erevInitSeed = erev_init_seed;
    this.selfConnections = self_connections;
    this.rng = new Pcg64Generator(erev_init_seed);
    for (let source = 0; source < units; source++) {
      for (let dest = 0; dest < units; dest++) {
        if (source === dest && !self_connections) continue;
        this.addSynapse(source, dest, this.rng.choice(MOSTLY_EXCITATORY_POLARITIES));
      }
    }
  }

  config(): FullyConnectedConfig {
    return {
      wiring: 'FullyConnected',
      units: this.units,
      output_dim: this.outputDim,
      erev_init_seed: this.erevInitSeed,
      self_connections: this.selfConnections,
    };
  }

  protected connectInputs(inputDim: number): void {
    for (let input = 0; input < inputDim; input++) {
      for (let dest = 0; dest < this.units; dest++) {
        this.addSensorySynapse(input, dest, this.rng.choice(MOSTLY_EXCITATORY_POLARITIES));
      }
    }
  }
}
