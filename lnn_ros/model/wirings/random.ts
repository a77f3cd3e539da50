import { Pcg64Generator } from '../rng/pcg64';
import { MOSTLY_EXCITATORY_POLARITIES, RandomConfig, range, requireInteger, requireSparsity, Wiring } from './wiring';

export type RandomArguments = Pick<RandomConfig, 'units'> & Partial<Omit<RandomConfig, 'wiring' | 'units'>>;

/**
 * ncps `Random(units, output_dim=None, sparsity_level=0.0, random_seed=1111)`: a uniformly random
 * subset of round(n * (1 - sparsity_level)) of the n possible synapses, drawn with
 * `default_rng(random_seed).choice(all_pairs, k, replace=False)`, each with a [-1, 1, 1] polarity.
 */
export class RandomWiring extends Wiring {
  readonly sparsityLevel: number;
  readonly randomSeed: number;
  private readonly rng: Pcg64Generator;

  constructor({ units, output_dim = units, sparsity_level = 0, random_seed = 1111 }: RandomArguments) {
    requireInteger('units', units, 1);
    requireInteger('output_dim', output_dim, 1, units);
    requireSparsity(sparsity_level, 0, 1, false);
    requireInteger('random_seed', random_seed, 0);
    super(units, output_dim);
    this.sparsityLevel = sparsity_level;
    this.randomSeed = random_seed;
    this.rng = new Pcg64Generator(random_seed);
    for (const [source, dest] of this.drawPairs(units)) {
      this.addSynapse(source, dest, this.rng.choice(MOSTLY_EXCITATORY_POLARITIES));
    }
  }

  config(): RandomConfig {
    return {
      wiring: 'Random',
      units: this.units,
      output_dim: this.outputDim,
      sparsity_level: this.sparsityLevel,
      random_seed: this.randomSeed,
    };
  }

  protected connectInputs(inputDim: number): void {
    for (const [input, dest] of this.drawPairs(inputDim)) {
      // ncps draws the sensory polarity twice and keeps the second; the first draw still moves the stream.
      this.rng.choice(MOSTLY_EXCITATORY_POLARITIES);
      this.addSensorySynapse(input, dest, this.rng.choice(MOSTLY_EXCITATORY_POLARITIES));
    }
  }

  /** Distinct (source, dest) pairs out of sources x units, in numpy's draw order. */
  private drawPairs(sources: number): Array<[number, number]> {
    const count = roundHalfToEven(sources * this.units * (1 - this.sparsityLevel));
    return this.rng
      .choiceWithoutReplacement(range(0, sources * this.units), count)
      .map((pair) => [Math.floor(pair / this.units), pair % this.units]);
  }
}

/** numpy's `np.round`: halves go to the even neighbour (2.5 -> 2, 3.5 -> 4). */
function roundHalfToEven(value: number): number {
  const nearest = Math.round(value);
  return Math.abs(value % 1) === 0.5 && nearest % 2 !== 0 ? nearest - 1 : nearest;
}
