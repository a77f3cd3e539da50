/** The shipped example (trained by ncps, scripts/make_example_model.py) and the wiring diagram CLI. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../lnn_ros/cli/main';
import { flatten, maxAbsDiff, useBackend } from './helpers/tf';

const EXAMPLE = path.join(__dirname, '..', 'models', 'example_ncp_cfc');
const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

describe('shipped example model', () => {
  before(() => useBackend());

  it('predicts what ncps predicted, and fits its task', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-example-')), 'out.json');
    assert.equal(await main(['predict', '--model', EXAMPLE, '--input', path.join(EXAMPLE, 'example_input.json'), '--output', out]), 0);
    const got = read(out);
    const want = read(path.join(EXAMPLE, 'example_expected.json'));
    assert.ok(maxAbsDiff(flatten(got.output), flatten(want.output)) < 1e-5);
    assert.ok(maxAbsDiff(flatten(got.final_state), flatten(want.final_state)) < 1e-5);
    const prediction = flatten(got.output);
    const target = flatten(want.target);
    const mse = prediction.reduce((s, p, i) => s + (p - target[i]) ** 2, 0) / target.length;
    const variance = target.reduce((s, t) => s + t * t, 0) / target.length;
    assert.ok(mse < 0.2 * variance, `mse ${mse} vs signal power ${variance}`);
  });

  it('draws its wiring as SVG and DOT', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-wiring-'));
    assert.equal(await main(['wiring', '--model', EXAMPLE, '--output', path.join(dir, 'w.svg')]), 0);
    assert.equal(await main(['wiring', '--model', EXAMPLE, '--output', path.join(dir, 'w.dot')]), 0);
    assert.match(fs.readFileSync(path.join(dir, 'w.svg'), 'utf8'), /<svg[^]*<\/svg>\s*$/);
    assert.match(fs.readFileSync(path.join(dir, 'w.dot'), 'utf8'), /digraph/);
    assert.equal(await main(['wiring', '--model', EXAMPLE, '--output', path.join(dir, 'w.png')]), 2);
  });
});
