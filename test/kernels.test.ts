/**
 * Streaming kernels: every ncps fixture stepped row by row through KernelStreamingPolicy, the
 * kernels against the tfjs graph on random weights, the policy contract (state layout, reset,
 * refused input, reused output buffer) and, in a child `node --expose-gc`, a flat heap.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createStreamingPolicy, KernelStreamingPolicy } from '../lnn_ros/kernels/kernel_policy';
import { ACTIVATIONS } from '../lnn_ros/model/activations';
import { loadModelDir } from '../lnn_ros/model/model_dir';
import { parseModelConfig } from '../lnn_ros/model/model_config';
import { SequenceModel } from '../lnn_ros/model/sequence_model';
import { TfjsStreamingPolicy } from '../lnn_ros/model/streaming';
import { maxAbsDiff, useBackend } from './helpers/tf';

const FIXTURES = path.join(__dirname, 'fixtures', 'ncps');
const TOLERANCE = 1e-5;

type Rows = number[][];
interface FixtureInput {
  x: number[][][];
  timespans?: number[] | Rows;
  hx?: Rows;
  cx?: Rows;
}
interface FixtureExpected {
  output: number[][][] | Rows;
  final_state: Rows;
  final_cell_state?: Rows;
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

/** Elapsed time before step t of row b: shared (T), per-sample (B, T) — fixtures are batch-major — or 1.0. */
function timespan(input: FixtureInput, b: number, t: number): number {
  const ts = input.timespans;
  if (ts === undefined) return 1;
  return Array.isArray(ts[0]) ? (ts as Rows)[b][t] : (ts as number[])[t];
}

/** Max |kernel − ncps| over one fixture, each batch row streamed alone from its hx / cx. */
function fixtureDiff(dir: string): number {
  const model = loadModelDir(dir);
  try {
    const input = readJson<FixtureInput>(path.join(dir, 'input.json'));
    const want = readJson<FixtureExpected>(path.join(dir, 'expected.json'));
    const policy = new KernelStreamingPolicy(model);
    let worst = 0;
    const check = (got: ArrayLike<number>, expected: number[], what: string) => {
      const diff = maxAbsDiff(got, expected);
      assert.ok(diff <= TOLERANCE, `${path.basename(dir)} ${what}: max |diff| ${diff.toExponential(2)} > ${TOLERANCE}`);
      worst = Math.max(worst, diff);
    };
    input.x.forEach((row, b) => {
      policy.setState(input.hx?.[b] ?? new Float32Array(model.stateSize), input.cx?.[b]);
      row.forEach((x, t) => {
        const y = policy.step(x, timespan(input, b, t));
        if (model.config.return_sequences) check(y, (want.output as number[][][])[b][t], `output[${b}][${t}]`);
        else if (t === row.length - 1) check(y, (want.output as Rows)[b], `output[${b}]`);
      });
      check(policy.state(), want.final_state[b], `final_state[${b}]`);
      if (want.final_cell_state) check(policy.cellState()!, want.final_cell_state[b], `final_cell_state[${b}]`);
    });
    return worst;
  } finally {
    model.dispose();
  }
}

function randomModel(config: Record<string, unknown>): SequenceModel {
  return new SequenceModel(parseModelConfig({ format: 'ncps', input_size: 5, ...config }));
}

/** A deterministic observation stream with dt between 0.01 and ~2 s. */
function stream(inputSize: number, steps: number): Array<{ x: number[]; dt: number }> {
  return Array.from({ length: steps }, (_, t) => ({
    x: Array.from({ length: inputSize }, (_, i) => 1.5 * Math.sin(0.7 * t + 1.3 * i) + 0.3 * Math.cos(2.1 * t * (i + 1))),
    dt: 0.01 + ((t * 37) % 11) / 5.5,
  }));
}

const RANDOM_CONFIGS: Array<[string, Record<string, unknown>]> = [
  ...ACTIVATIONS.map((a): [string, Record<string, unknown>] => [
    `CfC default, 2 backbone layers, ${a}`,
    { class: 'CfC', units: 7, backbone_units: 9, backbone_layers: 2, activation: a },
  ]),
  ['CfC pure, 2 backbone layers, gelu', { class: 'CfC', units: 6, mode: 'pure', backbone_units: 8, backbone_layers: 2, activation: 'gelu' }],
  ['CfC no_gate, 3 backbone layers with dropout, silu', { class: 'CfC', units: 6, mode: 'no_gate', backbone_units: 8, backbone_layers: 3, backbone_dropout: 0.3, activation: 'silu' }],
  ['CfC no backbone, mixed memory, proj', { class: 'CfC', units: 6, backbone_layers: 0, mixed_memory: true, proj_size: 2 }],
  [
    'wired CfC pure, NCP, mixed memory',
    { class: 'CfC', mode: 'pure', mixed_memory: true, units: { wiring: 'NCP', inter_neurons: 6, command_neurons: 4, motor_neurons: 2, sensory_fanout: 3, inter_fanout: 2, recurrent_command_synapses: 3, motor_fanin: 2 } },
  ],
  ['wired CfC no_gate, AutoNCP, proj', { class: 'CfC', mode: 'no_gate', proj_size: 3, units: { wiring: 'AutoNCP', units: 10, output_size: 2 } }],
  ['LTC fully connected, 3 unfolds, no softplus', { class: 'LTC', units: 5, ode_unfolds: 3, implicit_param_constraints: false }],
  ['LSTM baseline cell, proj', { class: 'LSTM', units: 6, proj_size: 2 }],
  ['feed-forward baseline, 2 layers, relu, proj', { class: 'FeedForward', units: 7, layers: 2, activation: 'relu', proj_size: 2 }],
  ['LTC NCP, mixed memory, linear mappings', { class: 'LTC', mixed_memory: true, input_mapping: 'linear', output_mapping: 'none', units: { wiring: 'AutoNCP', units: 9, output_size: 2 } }],
];

describe('streaming kernels', () => {
  before(() => useBackend());

  describe('parity with ncps (every fixture, each batch row streamed at batch 1)', () => {
    let worst = 0;
    after(() => console.log(`      max |kernel − ncps| over all fixtures: ${worst.toExponential(2)}`));
    for (const name of fs.readdirSync(FIXTURES).sort()) {
      it(name, () => {
        worst = Math.max(worst, fixtureDiff(path.join(FIXTURES, name)));
      });
    }
  });

  describe('parity with the tfjs graph on random weights', () => {
    let worst = 0;
    after(() => console.log(`      max |kernel − tfjs| over random models: ${worst.toExponential(2)}`));
    for (const [name, config] of RANDOM_CONFIGS) {
      it(name, () => {
        const model = randomModel(config);
        const kernel = new KernelStreamingPolicy(model);
        const graph = new TfjsStreamingPolicy(model);
        for (const { x, dt } of stream(model.inputSize, 25)) {
          const diff = maxAbsDiff(kernel.step(x, dt), graph.step(x, dt));
          assert.ok(diff <= TOLERANCE, `output differs by ${diff.toExponential(2)} at dt ${dt}`);
          worst = Math.max(worst, diff);
        }
        const diff = maxAbsDiff(kernel.state(), graph.state());
        assert.ok(diff <= TOLERANCE, `state differs by ${diff.toExponential(2)}`);
        worst = Math.max(worst, diff);
        model.dispose();
      });
    }
  });

  describe('the streaming contract', () => {
    const ncp = { wiring: 'NCP', inter_neurons: 5, command_neurons: 3, motor_neurons: 2, sensory_fanout: 2, inter_fanout: 2, recurrent_command_synapses: 2, motor_fanin: 2 };

    it('state() is the ncps layout: wired CfC [inter | command | motor] with the motor output last, LTC by neuron id with motors first', () => {
      const cfc = randomModel({ class: 'CfC', units: ncp });
      const ltc = randomModel({ class: 'LTC', units: ncp, output_mapping: 'none' });
      for (const [model, motors] of [[cfc, [8, 10]], [ltc, [0, 2]]] as const) {
        const policy = new KernelStreamingPolicy(model);
        const y = Array.from(policy.step([0.3, -0.2, 0.9, 0.1, -1], 0.2));
        assert.deepEqual(Array.from(policy.state().subarray(...motors)), y);
        assert.equal(policy.state().length, 10);
        model.dispose();
      }
    });

    it('step returns its own buffer, overwritten by the next step; state() and cellState() are copies', () => {
      const model = randomModel({ class: 'CfC', units: 4, backbone_units: 4, mixed_memory: true });
      const policy = new KernelStreamingPolicy(model);
      const first = policy.step([1, 2, 3, 4, 5], 0.1);
      const kept = first.slice();
      const second = policy.step([5, 4, 3, 2, 1], 0.1);
      assert.equal(second, first);
      assert.notDeepEqual(Array.from(second), Array.from(kept));
      policy.state().fill(9);
      policy.cellState()!.fill(9);
      assert.ok(policy.state().every((v) => v !== 9) && policy.cellState()!.every((v) => v !== 9));
      model.dispose();
    });

    it('reset() returns to the zero state (h and the LSTM c) and replays the first output', () => {
      const model = randomModel({ class: 'LTC', units: ncp, mixed_memory: true });
      const policy = new KernelStreamingPolicy(model);
      const inputs = stream(5, 4);
      const first = policy.step(inputs[0].x, inputs[0].dt).slice();
      for (const { x, dt } of inputs.slice(1)) policy.step(x, dt);
      policy.reset();
      assert.ok(policy.state().every((v) => v === 0) && policy.cellState()!.every((v) => v === 0));
      assert.deepEqual(policy.step(inputs[0].x, inputs[0].dt), first);
      model.dispose();
    });

    it('refuses wrong sizes, non-finite features and bad dt without touching state or output', () => {
      const model = loadModelDir(path.join(FIXTURES, 'wired_cfc_mixed_memory_proj'));
      const policy = new KernelStreamingPolicy(model);
      const output = policy.step([0.1, 0.2, 0.3], 0.1);
      const [state, cell, kept] = [policy.state(), policy.cellState(), output.slice()];
      assert.throws(() => policy.step([1, 2], 0.1), /expected 3 input features, got 2/);
      assert.throws(() => policy.step([1, NaN, 2], 0.1), /input feature 1 is NaN/);
      assert.throws(() => policy.step([1, 2, Infinity], 0.1), /input feature 2 is Infinity/);
      for (const dt of [0, -0.5, NaN, Infinity]) assert.throws(() => policy.step([1, 2, 3], dt), /dt must be a finite number of seconds > 0/);
      assert.throws(() => policy.setState(new Float32Array(11)), /h has 11 values, expected 12/);
      assert.throws(() => policy.setState(new Float32Array(12), [1, NaN]), /c has 2 values/);
      assert.deepEqual([policy.state(), policy.cellState(), output], [state, cell, kept]);
      model.dispose();
    });

    it('createStreamingPolicy defaults to the kernels; tfjs on request; unknown engines refused', () => {
      const model = randomModel({ class: 'CfC', units: 3, backbone_units: 4 });
      assert.ok(createStreamingPolicy(model) instanceof KernelStreamingPolicy);
      assert.ok(createStreamingPolicy(model, { engine: 'tfjs' }) instanceof TfjsStreamingPolicy);
      assert.throws(() => createStreamingPolicy(model, { engine: 'gpu' as 'tfjs' }), /streaming engine 'gpu' is unknown/);
      model.dispose();
    });
  });

  it('allocates nothing per step: 2×10^5 steps of each kernel path without a GC and with a flat heap (child node --expose-gc)', function () {
    this.timeout(120000);
    const script = `
      const { allocationCheck } = require(${JSON.stringify(path.join(__dirname, '..', 'bench', 'stream_memory'))});
      allocationCheck(200000).then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });`;
    const stdout = execFileSync(process.execPath, ['--expose-gc', '-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: path.join(__dirname, '..'),
      encoding: 'utf8',
    });
    const results = JSON.parse(stdout.trim().split('\n').pop()!) as Array<{ name: string; steps: number; gcs: number; heapGrowthBytes: number }>;
    assert.ok(results.length >= 5);
    for (const r of results) {
      // One boxed number per step would be 16 bytes × 2×10^5 = 3.2 MB: scavenges, or a heap that
      // grows by megabytes. What remains (< 256 KB) is V8 finishing optimised code for the loop.
      assert.equal(r.gcs, 0, `${r.name}: ${r.gcs} garbage collections during ${r.steps} steps`);
      assert.ok(r.heapGrowthBytes < 256 * 1024, `${r.name}: heap grew by ${r.heapGrowthBytes} bytes over ${r.steps} steps`);
    }
  });
});
