/** Model directories: round trips, and rejection of bad checkpoints and configs with named keys. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { predictJson } from '../lnn_ros/cli/predict';
import { ConfigError } from '../lnn_ros/errors';
import { parseModelConfig } from '../lnn_ros/model/model_config';
import { CONFIG_FILE, loadModelDir, saveModelDir, WEIGHTS_FILE } from '../lnn_ros/model/model_dir';
import { encodeSafetensors, readSafetensors } from '../lnn_ros/io/safetensors';
import { SequenceModel } from '../lnn_ros/model/sequence_model';
import { useBackend } from './helpers/tf';

const FIXTURE = path.join(__dirname, 'fixtures', 'ncps', 'wired_cfc_mixed_memory_proj');
const input = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'input.json'), 'utf8'));

function tmpCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-model-'));
  for (const f of [CONFIG_FILE, WEIGHTS_FILE]) fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  return dir;
}

function editWeights(dir: string, edit: (t: ReturnType<typeof readSafetensors>) => void): void {
  const tensors = readSafetensors(path.join(dir, WEIGHTS_FILE));
  edit(tensors);
  fs.writeFileSync(path.join(dir, WEIGHTS_FILE), encodeSafetensors(tensors));
}

function editConfig(dir: string, edit: (c: Record<string, unknown>) => void): void {
  const file = path.join(dir, CONFIG_FILE);
  const config = YAML.parse(fs.readFileSync(file, 'utf8'));
  edit(config);
  fs.writeFileSync(file, YAML.stringify(config));
}

function rejects(dir: string, pattern: RegExp): void {
  assert.throws(() => loadModelDir(dir), (e: Error) => {
    assert.match(e.message, pattern);
    return true;
  });
}

describe('model directory', () => {
  before(() => useBackend());

  it('saves what it loads: same tensors, same predictions, no temp left behind', () => {
    const model = loadModelDir(FIXTURE);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-save-'));
    const target = path.join(out, 'model');
    saveModelDir(target, model);
    saveModelDir(target, model); // replacing an existing directory
    assert.deepEqual(fs.readdirSync(out), ['model']);
    const original = readSafetensors(path.join(FIXTURE, WEIGHTS_FILE));
    const saved = readSafetensors(path.join(target, WEIGHTS_FILE));
    assert.deepEqual([...saved.keys()].sort(), [...original.keys()].sort());
    for (const [name, t] of original) assert.deepEqual(saved.get(name), t, name);
    const reloaded = loadModelDir(target);
    assert.deepEqual(predictJson(reloaded, input, 'in'), predictJson(model, input, 'in'));
    model.dispose();
    reloaded.dispose();
  });

  it('keeps the old directory when writing the new one fails', () => {
    const model = loadModelDir(FIXTURE);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-save-'));
    const target = path.join(out, 'model');
    saveModelDir(target, model);
    const before = fs.readFileSync(path.join(target, WEIGHTS_FILE));
    const tensor = model.namedTensors()[0].variable;
    const originalDataSync = tensor.dataSync.bind(tensor);
    tensor.dataSync = () => {
      throw new Error('disk full');
    };
    assert.throws(() => saveModelDir(target, model), /disk full/);
    tensor.dataSync = originalDataSync;
    assert.deepEqual(fs.readdirSync(out), ['model']);
    assert.deepEqual(fs.readFileSync(path.join(target, WEIGHTS_FILE)), before);
    model.dispose();
  });

  it('names a missing key', () => {
    const dir = tmpCopy();
    editWeights(dir, (t) => t.delete('rnn_cell.layer_1.ff2.weight'));
    rejects(dir, /weights\.safetensors: rnn_cell\.layer_1\.ff2\.weight: missing key \(expected a float32 tensor of shape \[4,10\]\)/);
  });

  it('names an unexpected key', () => {
    const dir = tmpCopy();
    editWeights(dir, (t) => t.set('rnn_cell.layer_3.ff1.weight', { shape: [1], data: new Float32Array(1) }));
    rejects(dir, /rnn_cell\.layer_3\.ff1\.weight: unexpected key/);
  });

  it('names a tensor of the wrong shape', () => {
    const dir = tmpCopy();
    editWeights(dir, (t) => t.set('fc.weight', { shape: [2, 2], data: new Float32Array(4) }));
    rejects(dir, /fc\.weight: shape \[2,2\] does not match the model's \[3,2\]/);
  });

  it('names a tensor holding NaN', () => {
    const dir = tmpCopy();
    editWeights(dir, (t) => {
      t.get('lstm.input_map.bias')!.data[5] = NaN;
    });
    rejects(dir, /lstm\.input_map\.bias: non-finite value NaN at flat index 5/);
  });

  it('rejects truncated and corrupt safetensors files', () => {
    const dir = tmpCopy();
    const file = path.join(dir, WEIGHTS_FILE);
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 10));
    rejects(dir, /not a valid safetensors file: .*data_offsets/);
    fs.writeFileSync(file, bytes.subarray(0, 5));
    rejects(dir, /shorter than the 8-byte header length/);
    const garbled = Buffer.from(bytes);
    garbled.write("!!", 8);
    fs.writeFileSync(file, garbled);
    rejects(dir, /header is not JSON/);
    fs.rmSync(file);
    rejects(dir, /weights\.safetensors: cannot read/);
  });

  it('reads float64 and float16 tensors as float32', () => {
    const f64 = Buffer.alloc(16);
    f64.writeDoubleLE(1.5, 0);
    f64.writeDoubleLE(-2.25, 8);
    const header = JSON.stringify({ a: { dtype: 'F64', shape: [2], data_offsets: [0, 16] }, b: { dtype: 'F16', shape: [1], data_offsets: [16, 18] } });
    const head = Buffer.alloc(8);
    head.writeBigUInt64LE(BigInt(header.length));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-st-')), 'x.safetensors');
    fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header), f64, Buffer.from([0x00, 0x3c])]));
    const t = readSafetensors(file);
    assert.deepEqual(Array.from(t.get('a')!.data), [1.5, -2.25]);
    assert.deepEqual(Array.from(t.get('b')!.data), [1]);
  });

  it('names unknown, misplaced and ill-typed config keys with the file', () => {
    const dir = tmpCopy();
    const file = path.join(dir, CONFIG_FILE);
    editConfig(dir, (c) => (c.unitz = 3));
    rejects(dir, new RegExp(`${file.replace(/[.]/g, '\\.')}: unitz: unknown key`));
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ode_unfolds: 6 }, /ode_unfolds: 'ode_unfolds' is an argument of ncps LTC, not of CfC/],
      [{ mode: 'fast' }, /mode: 'fast' is not one of: default, pure, no_gate/],
      [{ input_size: 2.5 }, /input_size: expected an integer, got 2\.5/],
      [{ backbone_units: 64 }, /backbone_units: must be omitted or null when units is a wiring/],
      [{ format: 'keras' }, /format: 'keras' is not a supported model format/],
      [{ units: { wiring: 'AutoNCP', units: 12, output_size: 2, sparsity_level: 2 } }, /units\.sparsity_level/],
    ];
    for (const [patch, pattern] of cases) {
      const d = tmpCopy();
      editConfig(d, (c) => Object.assign(c, patch));
      rejects(d, pattern);
    }
  });

  it('applies the ncps defaults to omitted keys', () => {
    const cfc = parseModelConfig({ format: 'ncps', class: 'CfC', input_size: 3, units: 8 });
    assert.deepEqual(cfc, {
      format: 'ncps', class: 'CfC', input_size: 3, units: 8, return_sequences: true, batch_first: true, mixed_memory: false,
      proj_size: null, mode: 'default', activation: 'lecun_tanh', backbone_units: 128, backbone_layers: 1, backbone_dropout: 0,
    });
    const ltc = parseModelConfig({ format: 'ncps', class: 'LTC', input_size: 3, units: 8 });
    assert.equal(ltc.class === 'LTC' && ltc.implicit_param_constraints, true); // the wrapper's default, not the cell's
    assert.throws(() => parseModelConfig({ format: 'ncps', class: 'LTC', input_size: 3, units: 8, proj_size: 2 }, 'm.yaml'),
      (e: Error) => e instanceof ConfigError && /m\.yaml: proj_size: 'proj_size' is an argument of ncps CfC, not of LTC/.test(e.message));
  });

  it('carries the feed-forward baseline: no state, saved and reloaded, its keys validated', () => {
    const config = parseModelConfig({ format: 'ncps', class: 'FeedForward', input_size: 3, units: 5, layers: 2, proj_size: 2 });
    assert.deepEqual(config, {
      format: 'ncps', class: 'FeedForward', input_size: 3, units: 5, return_sequences: true, batch_first: true, mixed_memory: false,
      proj_size: 2, layers: 2, activation: 'lecun_tanh',
    });
    const model = new SequenceModel(config);
    assert.equal(model.stateSize, 0);
    assert.deepEqual(model.namedTensors().map((e) => e.name), ['rnn_cell.0.weight', 'rnn_cell.0.bias', 'rnn_cell.1.weight', 'rnn_cell.1.bias', 'fc.weight', 'fc.bias']);
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-ff-')), 'model');
    saveModelDir(dir, model);
    const steps = { x: [[[0.5, -1, 2], [0, 0.25, -0.75]]] };
    const reloaded = loadModelDir(dir);
    assert.deepEqual(predictJson(reloaded, steps, 'in.json'), predictJson(model, steps, 'in.json'));
    model.dispose();
    reloaded.dispose();
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ mixed_memory: true }, /m\.yaml: mixed_memory: a feed-forward model has no mixed memory/],
      [{ units: { wiring: 'AutoNCP', units: 8, output_size: 2 } }, /m\.yaml: units: a feed-forward model takes an integer number of units/],
      [{ layers: 0 }, /m\.yaml: layers/],
      [{ mode: 'pure' }, /m\.yaml: mode: unknown key/],
    ];
    for (const [patch, pattern] of bad) {
      assert.throws(() => parseModelConfig({ format: 'ncps', class: 'FeedForward', input_size: 3, units: 5, ...patch }, 'm.yaml'), (e: Error) => e instanceof ConfigError && pattern.test(e.message));
    }
    assert.throws(() => parseModelConfig({ format: 'ncps', class: 'LSTM', input_size: 3, units: 5, layers: 2 }, 'm.yaml'), /m\.yaml: layers: unknown key/);
  });

  it('registers tensors under the ncps state_dict names', () => {
    const model = new SequenceModel(parseModelConfig({ format: 'ncps', class: 'CfC', input_size: 2, units: 4, backbone_layers: 3, backbone_dropout: 0.1, mode: 'pure', proj_size: 1 }));
    assert.deepEqual(model.namedTensors().map((e) => e.name), [
      'rnn_cell.w_tau', 'rnn_cell.A',
      'rnn_cell.backbone.0.weight', 'rnn_cell.backbone.0.bias', 'rnn_cell.backbone.2.weight', 'rnn_cell.backbone.2.bias',
      'rnn_cell.backbone.5.weight', 'rnn_cell.backbone.5.bias',
      'rnn_cell.ff1.weight', 'rnn_cell.ff1.bias', 'fc.weight', 'fc.bias',
    ]);
    model.dispose();
  });
});
