/**
 * Parity with the reference ncps 1.0.1 (PyTorch): fixtures made by
 * scripts/fixtures/make_ncps_fixtures.py with the real ncps. ncps/ holds checkpoints saved by
 * ncps; ncps_from_ts/ holds checkpoints saved by this package that ncps loaded (strict) and ran.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { predictJson } from '../lnn_ros/cli/predict';
import { loadModelDir } from '../lnn_ros/model/model_dir';
import { flatten, maxAbsDiff, useBackend } from './helpers/tf';

const FIXTURES = path.join(__dirname, 'fixtures');
const TOLERANCE = 1e-5;

function caseDirs(group: string): string[] {
  const root = path.join(FIXTURES, group);
  return fs.readdirSync(root).sort().map((name) => path.join(root, name));
}

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

function checkCase(dir: string): void {
  const model = loadModelDir(dir);
  try {
    const got = predictJson(model, readJson(path.join(dir, 'input.json')), 'input.json');
    const want = readJson(path.join(dir, 'expected.json'));
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
    for (const key of Object.keys(want)) {
      const diff = maxAbsDiff(flatten(got[key]), flatten(want[key]));
      assert.ok(diff <= TOLERANCE, `${path.basename(dir)} ${key}: max |diff| ${diff.toExponential(2)} > ${TOLERANCE}`);
    }
  } finally {
    model.dispose();
  }
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`ncps parity on the ${backend} backend`, () => {
    before(() => useBackend(backend));
    after(() => useBackend());

    for (const group of ['ncps', 'ncps_from_ts']) {
      describe(group === 'ncps' ? 'checkpoints saved by ncps' : 'checkpoints saved here, run by ncps', () => {
        for (const dir of caseDirs(group)) {
          it(path.basename(dir), () => checkCase(dir));
        }
      });
    }

    it('leaks no tensors across a prediction', () => {
      const dir = path.join(FIXTURES, 'ncps', 'wired_cfc_mixed_memory_proj');
      const model = loadModelDir(dir);
      const before = tf.memory().numTensors;
      predictJson(model, readJson(path.join(dir, 'input.json')), 'input.json');
      assert.equal(tf.memory().numTensors, before);
      model.dispose();
    });
  });
}
