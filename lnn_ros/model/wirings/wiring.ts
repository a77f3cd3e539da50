import { InputError } from '../../errors';

export type NeuronType = 'motor' | 'command' | 'inter';

/** Config object forms (a model's `units:` mapping): ncps constructor argument names plus `wiring`. */
export interface FullyConnectedConfig {
  wiring: 'FullyConnected';
  units: number;
  output_dim: number;
  erev_init_seed: number;
  self_connections: boolean;
}

export interface RandomConfig {
  wiring: 'Random';
  units: number;
  output_dim: number;
  sparsity_level: number;
  random_seed: number;
}

export interface NcpConfig {
  wiring: 'NCP';
  inter_neurons: number;
  command_neurons: number;
  motor_neurons: number;
  sensory_fanout: number;
  inter_fanout: number;
  recurrent_command_synapses: number;
  motor_fanin: number;
  seed: number;
}

export interface AutoNcpConfig {
  wiring: 'AutoNCP';
  units: number;
  output_size: number;
  sparsity_level: number;
  seed: number;
}

export type WiringConfig = FullyConnectedConfig | RandomConfig | NcpConfig | AutoNcpConfig;

/** ncps's polarity list for FullyConnected and Random: P(excitatory) = 2/3. */
export const MOSTLY_EXCITATORY_POLARITIES: readonly number[] = [-1, 1, 1];

/**
 * Which neurons connect to which, with synapse polarity +1 (excitatory) or -1 (inhibitory).
 * Matrices are indexed [source][destination]; `adjacency` is units x units, `sensoryAdjacency`
 * is inputDim x units and exists once `build(inputDim)` has run. Treat both as read-only.
 */
export abstract class Wiring {
  readonly adjacency: number[][];
  private builtInputDim: number | null = null;
  private builtSensoryAdjacency: number[][] | null = null;

  protected constructor(
    readonly units: number,
    readonly outputDim: number,
  ) {
    this.adjacency = zeroMatrix(units, units);
  }

  get inputDim(): number | null {
    return this.builtInputDim;
  }

  get sensoryAdjacency(): number[][] | null {
    return this.builtSensoryAdjacency;
  }

  isBuilt(): boolean {
    return this.builtInputDim !== null;
  }

  /**
   * Adds the sensory synapses for `inputDim` inputs (and, for NCP, every synapse).
   * ncps re-runs its build steps when build() is called again: NCP and Random then add more
   * synapses with the advanced RNG and FullyConnected re-rolls its sensory polarities. We refuse:
   * a second call with the same dimension changes nothing, a different dimension is an error.
   */
  build(inputDim: number): void {
    if (this.builtInputDim !== null) {
      if (inputDim !== this.builtInputDim) {
        throw new InputError(
          `wiring was built for ${this.builtInputDim} inputs and cannot be rebuilt for ${inputDim}; create a new wiring`,
        );
      }
      return;
    }
    if (!Number.isInteger(inputDim) || inputDim < 1) {
      throw new InputError(`wiring input dimension must be an integer >= 1, got ${inputDim}`);
    }
    this.builtInputDim = inputDim;
    this.builtSensoryAdjacency = zeroMatrix(inputDim, this.units);
    this.connectInputs(inputDim);
  }

  get numLayers(): number {
    return 1;
  }

  neuronsOfLayer(layer: number): number[] {
    if (layer !== 0) throw new RangeError(`wiring has 1 layer, no layer ${layer}`);
    return range(0, this.units);
  }

  typeOfNeuron(neuron: number): NeuronType {
    this.checkNeuron(neuron);
    return neuron < this.outputDim ? 'motor' : 'inter';
  }

  get synapseCount(): number {
    return countNonZero(this.adjacency);
  }

  /** 0 until built. */
  get sensorySynapseCount(): number {
    return this.builtSensoryAdjacency === null ? 0 : countNonZero(this.builtSensoryAdjacency);
  }

  abstract config(): WiringConfig;

  /** Draws and adds the synapses that need the input dimension; called once, by build(). */
  protected abstract connectInputs(inputDim: number): void;

  protected addSynapse(source: number, dest: number, polarity: number): void {
    this.adjacency[source][dest] = polarity;
  }

  protected addSensorySynapse(input: number, dest: number, polarity: number): void {
    if (this.builtSensoryAdjacency === null) throw new Error('sensory synapses need build(inputDim) first');
    this.builtSensoryAdjacency[input][dest] = polarity;
  }

  protected checkNeuron(neuron: number): void {
    if (!Number.isInteger(neuron) || neuron < 0 || neuron >= this.units) {
      throw new RangeError(`no neuron ${neuron} in a wiring of ${this.units} units`);
    }
  }
}

/** [start, end) as a list. */
export function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i);
}

/** A bad wiring constructor argument, named as in ncps; wiringFromConfig turns it into a ConfigError. */
export class WiringArgumentError extends InputError {
  override name = 'WiringArgumentError';
  constructor(
    readonly argument: string,
    readonly problem: string,
  ) {
    super(`${argument}: ${problem}`);
  }
}

/** Constructor argument checks; the error names the ncps argument. */
export function requireInteger(key: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const bound = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new WiringArgumentError(key, `must be an integer ${bound}, got ${value}`);
  }
}

/** `sparsity_level` within [min, max] or [min, max). */
export function requireSparsity(value: number, min: number, max: number, maxIncluded: boolean): void {
  const aboveMax = maxIncluded ? value > max : value >= max;
  if (!Number.isFinite(value) || value < min || aboveMax) {
    const interval = `[${min}, ${max}${maxIncluded ? ']' : ')'}`;
    throw new WiringArgumentError('sparsity_level', `must be a number in ${interval}, got ${value}`);
  }
}

function zeroMatrix(rows: number, columns: number): number[][] {
  return Array.from({ length: rows }, () => new Array<number>(columns).fill(0));
}

function countNonZero(matrix: number[][]): number {
  let count = 0;
  for (const row of matrix) for (const cell of row) if (cell !== 0) count++;
  return count;
}
