/** `lnn-ros predict` end to end through the CLI entry, and its input validation. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../lnn_ros/cli/main';
import { flatten, maxAbsDiff, useBackend } from './helpers/tf';

const FIXTURE = path.join(__dirname, 'fixtures', 'ncps', 'ltc_mixed_memory');

function write(doc: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-in-')), 'in.json');
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
}

async function predict(input: string): Promise<Record<string, unknown>> {
  const output = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-out-')), 'nested', 'out.json');
  const code = await main(['predict', '--model', FIXTURE, '--input', input, '--output', output]);
  assert.equal(code, 0);
  return JSON.parse(fs.readFileSync(output, 'utf8'));
}

describe('lnn-ros predict', () => {
  before(() => useBackend());

  it('writes ncps outputs, final state and cell state', async () => {
    const got = await predict(path.join(FIXTURE, 'input.json'));
    const want = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'expected.json'), 'utf8'));
    for (const key of ['output', 'final_state', 'final_cell_state']) {
      assert.ok(maxAbsDiff(flatten(got[key]), flatten(want[key])) < 1e-5, key);
    }
    assert.equal((got.output as number[][][])[0].length, 4, '[batch][time][out]');
  });

  it('defaults timespans to 1.0 and states to zero', async () => {
    const x = [[[0.1, 0.2, 0.3], [0.3, 0.2, 0.1]]];
    const implicit = await predict(write({ x }));
    const explicit = await predict(write({ x, timespans: [1, 1], hx: [[0, 0, 0, 0, 0, 0]], cx: [[0, 0, 0, 0, 0, 0]] }));
    assert.deepEqual(implicit, explicit);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['no x', { timespans: [1] }, /x: missing \(expected \[batch\]\[time\]\[features\]\)/],
    ['ragged time', { x: [[[1, 2, 3]], [[1, 2, 3], [1, 2, 3]]] }, /x\[1\]: has 2 entries, expected 1 like the first row/],
    ['wrong features', { x: [[[1, 2]]] }, /x\[0\]\[0\]: has 2 entries, expected 3 \(input_size\) \(expected shape n × n × 3 \(input_size\)\)/],
    ['a string', { x: [[[1, 'a', 3]]] }, /x\[0\]\[0\]\[1\]: expected a finite number, got "a"/],
    ['null for NaN', { x: [[[1, null, 3]]] }, /x\[0\]\[0\]\[1\]: expected a finite number, got null/],
    ['short timespans', { x: [[[1, 2, 3], [1, 2, 3]]], timespans: [1] }, /timespans: has 1 entries, expected 2 \(time\)/],
    ['per-sample timespans of the wrong batch', { x: [[[1, 2, 3]]], timespans: [[1], [1]] }, /timespans: has 2 entries, expected 1 \(batch\)/],
    ['hx of the wrong size', { x: [[[1, 2, 3]]], hx: [[0, 0]] }, /hx\[0\]: has 2 entries, expected 6 \(state size\)/],
    ['an unknown key', { x: [[[1, 2, 3]]], h0: [] }, /h0: unknown key/],
  ];
  for (const [what, doc, pattern] of bad) {
    it(`names the field for ${what}`, async () => {
      await assert.rejects(predict(write(doc)), pattern);
    });
  }

  it('refuses input beyond float32 and a non-finite result, naming the input, and writes nothing', async () => {
    await assert.rejects(predict(write({ x: [[[1e39, 0, 0]]] })), /in\.json: x\[0\]\[0\]\[0\]: 1e\+39 is beyond the float32 range/);
    // 3e38 is a float32, but a ReLU backbone over such a state overflows.
    const hx = [new Array(8).fill(3e38)];
    const input = write({ x: [[[1, 1, 1]]], hx });
    const output = path.join(path.dirname(input), 'out.json');
    await assert.rejects(
      main(['predict', '--model', path.join(__dirname, 'fixtures', 'ncps', 'cfc_default_relu'), '--input', input, '--output', output]),
      /in\.json: the model's output\[0\]\[0\]\[0\] is NaN for this input/,
    );
    assert.equal(fs.existsSync(output), false);
  });

  it('rejects a missing model directory with the file name', async () => {
    const input = write({ x: [[[1, 2, 3]]] });
    await assert.rejects(main(['predict', '--model', '/nonexistent/model', '--input', input, '--output', input + '.out']), /\/nonexistent\/model\/config\.yaml: cannot read/);
  });

  it('requires its options', async () => {
    assert.equal(await main(['predict', '--model', FIXTURE]), 2);
  });
});
