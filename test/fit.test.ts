/** `lnn-ros fit`: data loading, windows with true elapsed time, training, interruption and resume. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { main } from '../lnn_ros/cli/main';
import { readNpy } from '../lnn_ros/io/npy';
import { loadModelDir } from '../lnn_ros/model/model_dir';
import { fit, Interrupted } from '../lnn_ros/train/fit';
import { parseFitConfig } from '../lnn_ros/train/fit_config';
import { Random } from '../lnn_ros/train/random';
import { readSequenceFile } from '../lnn_ros/train/sequence_files';
import { buildWindows, planColumns } from '../lnn_ros/train/windows';
import { sineFolder, writeFitConfig as writeConfig } from './helpers/fit_data';
import { useBackend } from './helpers/tf';
import { DATA_DIR } from './helpers/shared_data';

const CHEETAH = path.join(DATA_DIR, 'halfcheetah');

const parse = (file: string) => parseFitConfig(YAML.parse(fs.readFileSync(file, 'utf8')), file);

describe('lnn-ros fit', () => {
  before(() => useBackend());

  it('reads the real Half-Cheetah .npy traces', () => {
    const a = readNpy(path.join(CHEETAH, 'trace_0000.npy'));
    assert.deepEqual(a.shape, [1000, 17]);
    assert.ok(a.data.every(Number.isFinite));
  });

  it('cuts next-step windows with the paper protocol counts', () => {
    const seqs = [readSequenceFile(path.join(CHEETAH, 'trace_0000.npy'))];
    const config = parse(path.join(__dirname, '..', 'configs', 'halfcheetah', 'cfc.yaml'));
    const plan = planColumns(config.data, seqs[0]);
    const w = buildWindows(seqs, plan, config.data, new Random(1));
    assert.equal(w.count, Math.floor((999 - 32) / 10) + 1);
    assert.equal(w.inputSize, 17);
    // Window 1 starts at row 10; its first target is row 11's features.
    assert.equal(w.x[32 * 17], seqs[0].data[10 * 17]);
    assert.equal(w.y[32 * 17], seqs[0].data[11 * 17]);
    assert.ok(w.timespans.every((t) => t === 1));
  });

  it('keeps the true elapsed time when steps are dropped', () => {
    const dir = sineFolder();
    const config = parse(writeConfig(dir, path.join(dir, 'out'), { class: 'CfC', units: 4 }, 1));
    const seq = readSequenceFile(path.join(dir, 'seq_0.csv'));
    const plan = planColumns({ ...config.data, dropSteps: 0.5 }, seq);
    const all = buildWindows([seq], plan, config.data, new Random(1));
    const dropped = buildWindows([seq], plan, { ...config.data, dropSteps: 0.5 }, new Random(1));
    assert.ok(dropped.count < all.count);
    const total = (ts: Float32Array) => ts.reduce((a, b) => a + b, 0);
    assert.ok(Math.max(...dropped.timespans) > Math.max(...all.timespans), 'gaps appear as longer timespans');
    assert.ok(total(dropped.timespans.subarray(0, 10)) > total(all.timespans.subarray(0, 10)));
  });

  for (const model of [{ class: 'CfC', units: 6, backbone_units: 8 }, { class: 'LTC', units: 5, ode_unfolds: 2 }, { class: 'LSTM', units: 6 }, { class: 'FeedForward', units: 8 }]) {
    it(`trains a ${model.class} and writes model, metrics and learning curves`, async () => {
      const dir = sineFolder();
      const out = path.join(dir, 'out');
      const result = await fit(parse(writeConfig(dir, out, model, 4)), { progress: null });
      assert.equal(result.epochs.length, 4);
      assert.ok(result.epochs[3].train_mse < result.epochs[0].train_mse, JSON.stringify(result.epochs.map((e) => e.train_mse)));
      const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
      assert.equal(metrics.test_mse_at_best_val, metrics.epochs[metrics.best_epoch - 1].test_mse);
      assert.match(fs.readFileSync(path.join(out, 'learning_curves.svg'), 'utf8'), /<polyline/);
      const saved = loadModelDir(path.join(out, 'model'));
      assert.equal(saved.outputSize, 1);
      saved.dispose();
    });
  }

  it('stops cleanly when interrupted and resumes to the same result', async () => {
    const dir = sineFolder();
    const model = { class: 'CfC', units: 4, backbone_units: 6 };
    const straight = await fit(parse(writeConfig(dir, path.join(dir, 'straight'), model, 3)), { progress: null });

    const out = path.join(dir, 'resumed');
    const config = parse(writeConfig(dir, out, model, 3));
    let batches = 0;
    // Stop during the second epoch (11 windows per file × 3 files = 33 windows = 9 batches of 4).
    await assert.rejects(fit(config, { progress: null, shouldStop: () => ++batches > 12 }), (e) => e instanceof Interrupted && e.epochs === 1);
    assert.deepEqual(fs.readdirSync(out).filter((n) => n.includes('.tmp')), [], 'no temporary directory left behind');
    const partial = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    assert.equal(partial.complete, false);
    const resumed = await fit(config, { progress: null, resume: true });
    assert.equal(resumed.epochs.length, 3);
    for (let e = 0; e < 3; e++) assert.ok(Math.abs(resumed.epochs[e].val_mse - straight.epochs[e].val_mse) < 1e-6, `epoch ${e + 1}`);
  });

  it('refuses to resume with other settings, naming what differs, or from an unreadable checkpoint, naming it', async () => {
    const dir = sineFolder();
    const out = path.join(dir, 'out');
    await fit(parse(writeConfig(dir, out, { class: 'CfC', units: 32, backbone_units: 8 }, 1)), { progress: null });
    await assert.rejects(fit(parse(writeConfig(dir, out, { class: 'CfC', units: 8, backbone_units: 8 }, 2)), { progress: null, resume: true }), /model\.units: 32 in the checkpoint, 8 now/);
    const state = path.join(out, '.resume', 'state.json');
    fs.writeFileSync(state, fs.readFileSync(state, 'utf8').replace('"history"', '"hist\u0001ory"'));
    await assert.rejects(fit(parse(writeConfig(dir, out, { class: 'CfC', units: 32, backbone_units: 8 }, 2)), { progress: null, resume: true }), (e) =>
      e instanceof Error && e.message.startsWith(`${state}: not a readable resume checkpoint (Bad control character`),
    );
  });

  it('names bad config keys and bad data', async () => {
    const dir = sineFolder();
    const file = writeConfig(dir, path.join(dir, 'o'), { class: 'CfC', units: 4 }, 1);
    const doc = YAML.parse(fs.readFileSync(file, 'utf8'));
    const variants: Array<[(d: any) => void, RegExp]> = [
      [(d) => (d.training.optimiser = 'adam'), /training\.optimiser: unknown key/],
      [(d) => (d.training.weight_decay = 0.1), /training\.weight_decay: decoupled weight decay needs optimizer: adamw/],
      [(d) => (d.data.split.train = 'all'), /data\.split\.train: expected a 'start:end' index range/],
      [(d) => (d.model.input_size = 3), /model\.input_size: is derived from the data/],
      [(d) => (d.data.inputs = ['speed']), /data\.inputs: no column "speed" \(columns: time, u, y\)/],
      [(d) => (d.data.window = 1000), /the train split yields no window of 1000 steps/],
    ];
    for (const [edit, pattern] of variants) {
      const d = structuredClone(doc);
      edit(d);
      fs.writeFileSync(file, YAML.stringify(d));
      await assert.rejects(main(['fit', '--config', file]), pattern);
    }
    fs.appendFileSync(path.join(dir, 'seq_1.csv'), '\n9,NaN,1');
    fs.writeFileSync(file, YAML.stringify(doc));
    await assert.rejects(main(['fit', '--config', file]), /seq_1\.csv:62: column 'u' is not a finite number: 'NaN'/);
  });
});
