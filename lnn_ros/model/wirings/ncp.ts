import { LegacyRandomState } from '../rng/mt19937';
import { NcpConfig, NeuronType, range, requireInteger, Wiring, WiringArgumentError, WiringConfig } from './wiring';

export type NcpArguments = Omit<NcpConfig, 'wiring' | 'seed'> & { seed?: number };

const POLARITIES: readonly number[] = [-1, 1];

/**
 * ncps `NCP(inter_neurons, command_neurons, motor_neurons, sensory_fanout, inter_fanout,
 * recurrent_command_synapses, motor_fanin, seed=22222)`: sensory -> inter -> command -> motor
 * with recurrent command synapses. Neuron ids are motor first, then command, then inter; layers
 * are 0 = inter, 1 = command, 2 = motor. Every synapse is drawn in build() from
 * `RandomState(seed)`, in ncps's order, so the same arguments give ncps's exact wiring.
 */
/** The lane-keeping NCP of the NCP paper: 12 inter, 6 command, 1 motor neuron (on 32 inputs). */
export const LANE_KEEPING_NCP: NcpArguments = {
  inter_neurons: 12,
  command_neurons: 6,
  motor_neurons: 1,
  sensory_fanout: 6,
  inter_fanout: 4,
  recurrent_command_synapses: 6,
  motor_fanin: 6,
};

export class NcpWiring extends Wiring {
  readonly sensoryFanout: number;
  readonly interFanout: number;
  readonly recurrentCommandSynapses: number;
  readonly motorFanin: number;
  readonly seed: number;
  private readonly motorNeurons: number[];
  private readonly commandNeurons: number[];
  private readonly interNeurons: number[];
  private readonly rng: LegacyRandomState;

  constructor(args: NcpArguments) {
    const { inter_neurons, command_neurons, motor_neurons, seed = 22222 } = args;
    requireInteger('inter_neurons', inter_neurons, 1);
    requireInteger('command_neurons', command_neurons, 1);
    requireInteger('motor_neurons', motor_neurons, 1);
    requireInteger('sensory_fanout', args.sensory_fanout, 0);
    requireInteger('inter_fanout', args.inter_fanout, 0);
    requireInteger('recurrent_command_synapses', args.recurrent_command_synapses, 0);
    requireInteger('motor_fanin', args.motor_fanin, 0);
    requireInteger('seed', seed, 0, 0xffffffff);
    // ncps's own checks, in its order.
    requireAtMost('motor_fanin', args.motor_fanin, command_neurons, 'command neurons');
    requireAtMost('sensory_fanout', args.sensory_fanout, inter_neurons, 'inter neurons');
    requireAtMost('inter_fanout', args.inter_fanout, command_neurons, 'command neurons');
    super(inter_neurons + command_neurons + motor_neurons, motor_neurons);
    this.sensoryFanout = args.sensory_fanout;
    this.interFanout = args.inter_fanout;
    this.recurrentCommandSynapses = args.recurrent_command_synapses;
    this.motorFanin = args.motor_fanin;
    this.seed = seed;
    this.motorNeurons = range(0, motor_neurons);
    this.commandNeurons = range(motor_neurons, motor_neurons + command_neurons);
    this.interNeurons = range(motor_neurons + command_neurons, this.units);
    this.rng = new LegacyRandomState(seed);
  }

  override get numLayers(): number {
    return 3;
  }

  override neuronsOfLayer(layer: number): number[] {
    if (layer === 0) return [...this.interNeurons];
    if (layer === 1) return [...this.commandNeurons];
    if (layer === 2) return [...this.motorNeurons];
    throw new RangeError(`NCP wiring has layers 0 (inter), 1 (command), 2 (motor), no layer ${layer}`);
  }

  override typeOfNeuron(neuron: number): NeuronType {
    this.checkNeuron(neuron);
    if (neuron < this.motorNeurons.length) return 'motor';
    return neuron < this.motorNeurons.length + this.commandNeurons.length ? 'command' : 'inter';
  }

  config(): WiringConfig {
    return {
      wiring: 'NCP',
      inter_neurons: this.interNeurons.length,
      command_neurons: this.commandNeurons.length,
      motor_neurons: this.motorNeurons.length,
      sensory_fanout: this.sensoryFanout,
      inter_fanout: this.interFanout,
      recurrent_command_synapses: this.recurrentCommandSynapses,
      motor_fanin: this.motorFanin,
      seed: this.seed,
    };
  }

  protected connectInputs(inputDim: number): void {
    const sensory = range(0, inputDim);
    const inter = this.interNeurons;
    const command = this.commandNeurons;
    const motor = this.motorNeurons;

    // 1. Each input feeds sensory_fanout inter neurons; inter neurons left out get some inputs.
    this.connectCovering(sensory, inter, this.sensoryFanout, sensory.length, (input, dest, polarity) =>
      this.addSensorySynapse(input, dest, polarity),
    );
    // 2. Each inter neuron feeds inter_fanout command neurons. ncps caps the fallback fan-in at
    //    the number of command neurons (not inter neurons); kept as is.
    this.connectCovering(inter, command, this.interFanout, command.length, (source, dest, polarity) =>
      this.addSynapse(source, dest, polarity),
    );
    // 3. Recurrent command synapses; repeats and self-loops are allowed.
    for (let i = 0; i < this.recurrentCommandSynapses; i++) {
      const source = this.rng.choice(command);
      const dest = this.rng.choice(command);
      this.addSynapse(source, dest, this.rng.choice(POLARITIES));
    }
    // 4. Each motor neuron listens to motor_fanin command neurons; unused command neurons get motor targets.
    this.connectCovering(motor, command, this.motorFanin, motor.length, (motorNeuron, commandNeuron, polarity) =>
      this.addSynapse(commandNeuron, motorNeuron, polarity),
    );
  }

  /**
   * Every picker picks `picksEach` distinct candidates. Candidates nobody picked then pick
   * clip(int(pickers * picksEach / candidates), 1, fallbackCap) distinct pickers. Each link
   * draws its polarity right after its pick list is drawn, as ncps does.
   */
  private connectCovering(
    pickers: readonly number[],
    candidates: readonly number[],
    picksEach: number,
    fallbackCap: number,
    connect: (picker: number, candidate: number, polarity: number) => void,
  ): void {
    const unpicked = new Set(candidates);
    for (const picker of pickers) {
      for (const candidate of this.rng.choiceWithoutReplacement(candidates, picksEach)) {
        unpicked.delete(candidate);
        connect(picker, candidate, this.rng.choice(POLARITIES));
      }
    }
    const meanPicks = Math.trunc((pickers.length * picksEach) / candidates.length);
    const fallbackPicks = Math.min(Math.max(meanPicks, 1), fallbackCap);
    for (const candidate of candidates.filter((c) => unpicked.has(c))) {
      for (const picker of this.rng.choiceWithoutReplacement(pickers, fallbackPicks)) {
        connect(picker, candidate, this.rng.choice(POLARITIES));
      }
    }
  }
}

function requireAtMost(key: string, value: number, available: number, what: string): void {
  if (value > available) {
    throw new WiringArgumentError(key, `is ${value} but there are only ${available} ${what}`);
  }
}
