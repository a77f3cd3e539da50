/**
 * The wirings layer against the real ncps 1.0.1: test/fixtures/wirings/wirings.json is made by
 * scripts/fixtures/make_wiring_fixtures.py (rerun it with /work/venv-ncps/py/bin/python).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, InputError } from '../lnn_ros/errors';
import { LegacyRandomState } from '../lnn_ros/model/rng/mt19937';
import { Pcg64Generator, seedSequenceUint64Words } from '../lnn_ros/model/rng/pcg64';
import {
  AutoNcpWiring,
  FullyConnectedWiring,
  LANE_KEEPING_NCP,
  NcpWiring,
  RandomWiring,
  Wiring,
  WiringArgumentError,
  wiringFromConfig,
  wiringToDot,
  wiringToSvg,
} from '../lnn_ros/model/wirings';

interface FixtureCase {
  config: Record<string, unknown>;
  input_dim: number;
  units: number;
  output_dim: number;
  adjacency: string[];
  sensory_adjacency: string[];
  layers: number[][];
  neuron_types: string;
  synapse_count: number;
  sensory_synapse_count: number;
}

interface RngReference {
  random_state_22222_uint32: number[];
  random_state_22222_choice_of_7: number[];
  random_state_1_choice_of_1_then_uint32: [number, number];
  random_state_1_first_uint32: number;
  random_state_22222_permutation_10_then_3_of_7: [number[], number[]];
  default_rng_1111_uint64: string[];
  default_rng_1111_choice_of_3: number[];
  default_rng_1111_samples_10_of_50_100_of_20000_500_of_20000: [number[], number[], number[]];
  seed_sequence_2pow40plus5_uint64x4: string[];
}

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'wirings', 'wirings.json'), 'utf8')) as {
  rng: RngReference;
  cases: FixtureCase[];
};

const CELL: Record<number, string> = { 1: '+', [-1]: '-', 0: '.' };
const encode = (matrix: number[][]): string[] => matrix.map((row) => row.map((cell) => CELL[cell]).join(''));
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function caseName(c: FixtureCase): string {
  const { wiring, ...args } = c.config;
  return `${String(wiring)}(${Object.entries(args).map(([k, v]) => `${k}=${String(v)}`).join(', ')}) on ${c.input_dim} inputs`;
}

function built(wiring: Wiring, inputDim: number): Wiring {
  wiring.build(inputDim);
  return wiring;
}

const laneKeepingNcp = (): NcpWiring => new NcpWiring(LANE_KEEPING_NCP);
const LANE_KEEPING_CONFIG = { wiring: 'NCP', ...LANE_KEEPING_NCP };

describe('wirings', () => {
  describe('match ncps 1.0.1 exactly', () => {
    it('covers every wiring kind, the lane-keeping NCP and both numpy sampling paths', () => {
      const kinds = new Set(fixture.cases.map((c) => c.config.wiring));
      assert.deepEqual([...kinds].sort(), ['AutoNCP', 'FullyConnected', 'NCP', 'Random']);
      assert.ok(fixture.cases.length >= 400, `only ${fixture.cases.length} cases`);
      assert.ok(fixture.cases.some((c) => c.config.wiring === 'NCP' && c.units === 19 && c.input_dim === 32));
      assert.ok(fixture.cases.some((c) => c.config.wiring === 'Random' && c.units * c.units > 10000));
    });

    for (const c of fixture.cases) {
      it(caseName(c), () => {
        const wiring = wiringFromConfig(c.config, 'wirings.json');
        assert.equal(wiring.isBuilt(), false);
        wiring.build(c.input_dim);
        assert.equal(wiring.units, c.units);
        assert.equal(wiring.outputDim, c.output_dim);
        assert.equal(wiring.inputDim, c.input_dim);
        assert.deepEqual(encode(wiring.adjacency), c.adjacency);
        assert.deepEqual(encode(wiring.sensoryAdjacency!), c.sensory_adjacency);
        assert.deepEqual(range(wiring.numLayers).map((l) => wiring.neuronsOfLayer(l)), c.layers);
        assert.equal(range(wiring.units).map((n) => wiring.typeOfNeuron(n)[0]).join(''), c.neuron_types);
        assert.equal(wiring.synapseCount, c.synapse_count);
        assert.equal(wiring.sensorySynapseCount, c.sensory_synapse_count);
      });
    }

    it('AutoNCP(12, 2) on 3 inputs has the 21 + 9 synapses of the reference notes', () => {
      const wiring = built(new AutoNcpWiring({ units: 12, output_size: 2 }), 3);
      assert.equal(wiring.synapseCount, 21);
      assert.equal(wiring.sensorySynapseCount, 9);
      assert.deepEqual(wiring.neuronsOfLayer(2), [0, 1]);
    });
  });

  describe('numpy RNG replicas', () => {
    const rng = fixture.rng;

    it('RandomState(22222) gives numpy MT19937 uint32 draws', () => {
      const state = new LegacyRandomState(22222);
      assert.deepEqual(range(5).map(() => state.nextUint32()), rng.random_state_22222_uint32);
    });

    it('RandomState.choice uses masked rejection and spends no draw on a single item', () => {
      const state = new LegacyRandomState(22222);
      assert.deepEqual(range(10).map(() => state.choice(range(7))), rng.random_state_22222_choice_of_7);
      const single = new LegacyRandomState(1);
      const [item, next] = rng.random_state_1_choice_of_1_then_uint32;
      assert.equal(single.choice([5]), item);
      assert.equal(single.nextUint32(), next);
      assert.equal(next, rng.random_state_1_first_uint32);
    });

    it('RandomState permutation and choice(replace=False) follow the legacy shuffle', () => {
      const state = new LegacyRandomState(22222);
      const [permutation, sample] = rng.random_state_22222_permutation_10_then_3_of_7;
      assert.deepEqual(state.permutation(10), permutation);
      assert.deepEqual(state.choiceWithoutReplacement(range(7), 3), sample);
    });

    it('SeedSequence words for a seed wider than 32 bits', () => {
      assert.deepEqual(seedSequenceUint64Words(2 ** 40 + 5, 4).map(String), rng.seed_sequence_2pow40plus5_uint64x4);
    });

    it('default_rng(1111) gives numpy PCG64 raw outputs', () => {
      const generator = new Pcg64Generator(1111);
      assert.deepEqual(range(5).map(() => String(generator.nextUint64())), rng.default_rng_1111_uint64);
    });

    it('Generator.choice of 3 uses Lemire draws on buffered 32-bit halves', () => {
      const generator = new Pcg64Generator(1111);
      assert.deepEqual(range(20).map(() => generator.choice(range(3))), rng.default_rng_1111_choice_of_3);
    });

    it('Generator.choice(replace=False): Floyd for small samples, tail shuffle for large ones', () => {
      const generator = new Pcg64Generator(1111);
      const [small, floydFromLarge, tailShuffle] = rng.default_rng_1111_samples_10_of_50_100_of_20000_500_of_20000;
      assert.deepEqual(generator.choiceWithoutReplacement(range(50), 10), small);
      assert.deepEqual(generator.choiceWithoutReplacement(range(20000), 100), floydFromLarge);
      assert.deepEqual(generator.choiceWithoutReplacement(range(20000), 500), tailShuffle);
    });

    it('rejects seeds numpy would reject', () => {
      assert.throws(() => new LegacyRandomState(2 ** 32), RangeError);
      assert.throws(() => new LegacyRandomState(-1), RangeError);
      assert.throws(() => new Pcg64Generator(-1), RangeError);
    });
  });

  describe('build', () => {
    const makers: Array<[string, () => Wiring]> = [
      ['AutoNCP', () => new AutoNcpWiring({ units: 12, output_size: 2 })],
      ['NCP', laneKeepingNcp],
      ['FullyConnected', () => new FullyConnectedWiring({ units: 5 })],
      ['Random', () => new RandomWiring({ units: 6, sparsity_level: 0.5 })],
    ];
    for (const [name, make] of makers) {
      it(`${name}: a second build with the same dim adds nothing (ncps would add or re-roll synapses)`, () => {
        const wiring = make();
        wiring.build(3);
        const adjacency = encode(wiring.adjacency);
        const sensory = encode(wiring.sensoryAdjacency!);
        wiring.build(3);
        assert.deepEqual(encode(wiring.adjacency), adjacency);
        assert.deepEqual(encode(wiring.sensoryAdjacency!), sensory);
      });

      it(`${name}: a second build with another dim is an error`, () => {
        const wiring = built(make(), 3);
        assert.throws(() => wiring.build(4), (error: unknown) => error instanceof InputError && /built for 3 inputs/.test(error.message));
        assert.equal(wiring.inputDim, 3);
      });
    }

    it('is null / 0 before build and rejects a bad input dim', () => {
      const wiring = new AutoNcpWiring({ units: 12, output_size: 2 });
      assert.equal(wiring.inputDim, null);
      assert.equal(wiring.sensoryAdjacency, null);
      assert.equal(wiring.sensorySynapseCount, 0);
      assert.equal(wiring.synapseCount, 0);
      assert.throws(() => wiring.build(0), InputError);
      assert.throws(() => wiring.build(2.5), InputError);
      assert.equal(wiring.isBuilt(), false);
    });

    it('rejects unknown layers and neurons', () => {
      const ncp = laneKeepingNcp();
      assert.throws(() => ncp.neuronsOfLayer(3), RangeError);
      assert.throws(() => ncp.typeOfNeuron(19), RangeError);
      const dense = new FullyConnectedWiring({ units: 4, output_dim: 1 });
      assert.equal(dense.numLayers, 1);
      assert.deepEqual(dense.neuronsOfLayer(0), [0, 1, 2, 3]);
      assert.throws(() => dense.neuronsOfLayer(1), RangeError);
      assert.deepEqual([0, 1].map((n) => dense.typeOfNeuron(n)), ['motor', 'inter']);
    });
  });

  describe('config', () => {
    it('fills ncps defaults for omitted keys', () => {
      assert.deepEqual(wiringFromConfig({ wiring: 'AutoNCP', units: 12, output_size: 2 }).config(), {
        wiring: 'AutoNCP',
        units: 12,
        output_size: 2,
        sparsity_level: 0.5,
        seed: 22222,
      });
      assert.deepEqual(wiringFromConfig({ wiring: 'FullyConnected', units: 6 }).config(), {
        wiring: 'FullyConnected',
        units: 6,
        output_dim: 6,
        erev_init_seed: 1111,
        self_connections: true,
      });
      assert.deepEqual(wiringFromConfig({ wiring: 'Random', units: 6 }).config(), {
        wiring: 'Random',
        units: 6,
        output_dim: 6,
        sparsity_level: 0,
        random_seed: 1111,
      });
      assert.equal((wiringFromConfig({ ...LANE_KEEPING_CONFIG, seed: undefined }) as NcpWiring).seed, 22222);
    });

    it('round-trips config() through wiringFromConfig for every fixture case', () => {
      for (const c of fixture.cases) {
        const original = built(wiringFromConfig(c.config), c.input_dim);
        const copy = built(wiringFromConfig(original.config()), c.input_dim);
        assert.deepEqual(copy.config(), original.config(), caseName(c));
        assert.deepEqual(encode(copy.adjacency), encode(original.adjacency), caseName(c));
        assert.deepEqual(encode(copy.sensoryAdjacency!), encode(original.sensoryAdjacency!), caseName(c));
      }
    });

    it('reads the form a model config.yaml holds under units:', () => {
      const yaml = parseYaml('units:\n  wiring: AutoNCP\n  units: 12\n  output_size: 2\n  sparsity_level: 0.5\n  seed: 22222\n') as {
        units: unknown;
      };
      const wiring = built(wiringFromConfig(yaml.units, 'config.yaml'), 3);
      assert.equal(wiring.synapseCount, 21);
    });

    const badConfigs: Array<[string, unknown, string]> = [
      ['not a mapping', 12, 'units'],
      ['no wiring kind', { units: 12, output_size: 2 }, 'units.wiring'],
      ['unknown wiring kind', { wiring: 'LSTM', units: 12 }, 'units.wiring'],
      ['unknown key', { wiring: 'AutoNCP', units: 12, output_size: 2, sparsity: 0.5 }, 'units.sparsity'],
      ['key of another wiring', { wiring: 'FullyConnected', units: 6, seed: 1 }, 'units.seed'],
      ['wrong type', { wiring: 'AutoNCP', units: '12', output_size: 2 }, 'units.units'],
      ['missing required key', { wiring: 'AutoNCP', units: 12 }, 'units.output_size'],
      ['AutoNCP sparsity too low', { wiring: 'AutoNCP', units: 12, output_size: 2, sparsity_level: 0.05 }, 'units.sparsity_level'],
      ['AutoNCP sparsity too high', { wiring: 'AutoNCP', units: 12, output_size: 2, sparsity_level: 1.5 }, 'units.sparsity_level'],
      ['AutoNCP output too large', { wiring: 'AutoNCP', units: 12, output_size: 10 }, 'units.output_size'],
      ['AutoNCP fractional units', { wiring: 'AutoNCP', units: 12.5, output_size: 2 }, 'units.units'],
      ['AutoNCP seed beyond 32 bits', { wiring: 'AutoNCP', units: 12, output_size: 2, seed: 2 ** 32 }, 'units.seed'],
      ['NCP motor fan-in', { ...LANE_KEEPING_CONFIG, motor_fanin: 7 }, 'units.motor_fanin'],
      ['NCP sensory fan-out', { ...LANE_KEEPING_CONFIG, sensory_fanout: 13 }, 'units.sensory_fanout'],
      ['NCP inter fan-out', { ...LANE_KEEPING_CONFIG, inter_fanout: 7 }, 'units.inter_fanout'],
      ['NCP negative recurrence', { ...LANE_KEEPING_CONFIG, recurrent_command_synapses: -1 }, 'units.recurrent_command_synapses'],
      ['NCP no command neurons', { ...LANE_KEEPING_CONFIG, command_neurons: 0 }, 'units.command_neurons'],
      ['NCP missing key', { wiring: 'NCP', inter_neurons: 3 }, 'units.command_neurons'],
      ['FullyConnected output_dim above units', { wiring: 'FullyConnected', units: 6, output_dim: 7 }, 'units.output_dim'],
      ['FullyConnected self_connections not boolean', { wiring: 'FullyConnected', units: 6, self_connections: 'yes' }, 'units.self_connections'],
      ['FullyConnected negative seed', { wiring: 'FullyConnected', units: 6, erev_init_seed: -1 }, 'units.erev_init_seed'],
      ['Random sparsity 1', { wiring: 'Random', units: 6, sparsity_level: 1 }, 'units.sparsity_level'],
      ['Random fractional seed', { wiring: 'Random', units: 6, random_seed: 1.5 }, 'units.random_seed'],
    ];
    for (const [what, config, key] of badConfigs) {
      it(`names ${key} for: ${what}`, () => {
        assert.throws(
          () => wiringFromConfig(config, 'models/m/config.yaml'),
          (error: unknown) =>
            error instanceof ConfigError &&
            error.key === key &&
            error.file === 'models/m/config.yaml' &&
            error.message.startsWith(`models/m/config.yaml: ${key}: `),
        );
      });
    }

    it('constructors name the ncps argument', () => {
      assert.throws(
        () => new AutoNcpWiring({ units: 12, output_size: 2, sparsity_level: 0 }),
        (error: unknown) => error instanceof WiringArgumentError && error.argument === 'sparsity_level',
      );
      assert.throws(
        () => new NcpWiring({ ...LANE_KEEPING_NCP, motor_fanin: 9 }),
        (error: unknown) => error instanceof WiringArgumentError && /only 6 command neurons/.test(error.message),
      );
    });
  });

  describe('diagram export', () => {
    const diagramCases: Array<[string, () => Wiring, number]> = [
      ['lane-keeping NCP', laneKeepingNcp, 32],
      ['AutoNCP(12, 2)', () => new AutoNcpWiring({ units: 12, output_size: 2 }), 3],
      ['FullyConnected without self connections', () => new FullyConnectedWiring({ units: 4, output_dim: 2, self_connections: false }), 2],
      ['Random', () => new RandomWiring({ units: 7, output_dim: 2, sparsity_level: 0.6 }), 3],
    ];

    /** Every synapse as `from->to:polarity`, in the diagrams' node names. */
    function synapseList(wiring: Wiring): string[] {
      const list: string[] = [];
      const add = (matrix: number[][], prefix: string) =>
        matrix.forEach((row, source) =>
          row.forEach((cell, dest) => {
            if (cell !== 0) list.push(`${prefix}_${source}->neuron_${dest}:${cell > 0 ? 'excitatory' : 'inhibitory'}`);
          }),
        );
      add(wiring.sensoryAdjacency!, 'sensory');
      add(wiring.adjacency, 'neuron');
      return list;
    }

    /** Tags balance and nest (a small well-formedness check; no XML parser in the dependencies). */
    function assertWellFormedXml(text: string): void {
      const stack: string[] = [];
      const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
      const stripped = text.replace(/^<\?xml[^>]*\?>\s*/, '');
      let match: RegExpExecArray | null;
      let consumed = 0;
      while ((match = tag.exec(stripped)) !== null) {
        assert.doesNotMatch(stripped.slice(consumed, match.index), /[<>]/, 'stray angle bracket');
        consumed = tag.lastIndex;
        const [, closing, name, , selfClosing] = match;
        if (closing) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
        else if (!selfClosing) stack.push(name);
      }
      assert.doesNotMatch(stripped.slice(consumed), /[<>]/);
      assert.deepEqual(stack, [], 'unclosed elements');
    }

    for (const [name, make, inputDim] of diagramCases) {
      it(`${name}: DOT has every neuron and synapse`, () => {
        const wiring = built(make(), inputDim);
        const dot = wiringToDot(wiring);
        assert.match(dot, /^\/\/ .*\n(\/\/.*\n)*digraph wiring \{\n/);
        assert.equal((dot.match(/\{/g) ?? []).length, (dot.match(/\}/g) ?? []).length);
        const edges = dot.split('\n').filter((line) => line.includes(' -> '));
        const expected = synapseList(wiring);
        assert.equal(edges.length, wiring.synapseCount + wiring.sensorySynapseCount);
        assert.equal(edges.length, expected.length);
        for (const synapse of expected) {
          const [link, polarity] = synapse.split(':');
          const [from, to] = link.split('->');
          const colour = polarity === 'excitatory' ? '#2ca02c' : '#d62728';
          assert.ok(edges.some((line) => line.startsWith(`  ${from} -> ${to} [color="${colour}"`)), synapse);
        }
        for (let n = 0; n < wiring.units; n++) assert.match(dot, new RegExp(`^    neuron_${n} \\[`, 'm'));
        for (let s = 0; s < inputDim; s++) assert.match(dot, new RegExp(`^    sensory_${s} \\[`, 'm'));
      });

      it(`${name}: SVG is well-formed and draws every neuron and synapse`, () => {
        const wiring = built(make(), inputDim);
        const svg = wiringToSvg(wiring);
        assert.match(svg, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
        assertWellFormedXml(svg);
        const drawn = [...svg.matchAll(/<path class="synapse (\w+)" data-from="(\w+)" data-to="(\w+)"/g)].map(
          ([, polarity, from, to]) => `${from}->${to}:${polarity}`,
        );
        assert.deepEqual(drawn.sort(), synapseList(wiring).sort());
        assert.equal((svg.match(/<g class="neuron /g) ?? []).length, wiring.units + inputDim);
        assert.match(svg, /class="legend"/);
        assert.match(svg, /excitatory \(\d+\)/);
        assert.match(svg, /inhibitory \(\d+\)/);
      });
    }

    it('refuses an unbuilt wiring', () => {
      assert.throws(() => wiringToSvg(new AutoNcpWiring({ units: 12, output_size: 2 })), /build/);
      assert.throws(() => wiringToDot(new AutoNcpWiring({ units: 12, output_size: 2 })), /build/);
    });
  });
});
