/**
 * No command deletes or overwrites what it did not write, checks that before any work, and
 * publishes its output whole (io/output.ts): the helper itself, then each command's use of it.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { main } from '../lnn_ros/cli/main';
import { InputError } from '../lnn_ros/errors';
import { tempSibling, writeFileAtomic } from '../lnn_ros/io/atomic';
import { directoryKind, Output } from '../lnn_ros/io/output';
import { writeImuCommandBag } from './helpers/imu_bag';
import { useBackend } from './helpers/tf';

const KIND = directoryKind('a thing', ['thing.json']);
/** A pid no process has (Linux pids stay below 2^22). */
const DEAD_PID = 4_194_999;

const tempDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `lnn-out-${prefix}-`));

/** Runs main with console.error captured; returns the exit code and what it printed. */
async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  const error = console.error;
  console.error = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    return { code: await main(argv), stderr: lines.join('\n') };
  } finally {
    console.error = error;
  }
}

describe('publishing outputs', () => {
  describe('Output', () => {
    it('refuses a file, an unrelated folder and its own kind without replace, naming the target', () => {
      const dir = tempDir('claim');
      const file = path.join(dir, 'drive.yaml');
      fs.writeFileSync(file, 'keep: me\n');
      assert.throws(() => Output.claim(file, KIND, { replace: true }), /drive\.yaml: exists and is a file, not a thing; refusing to replace it/);
      const unrelated = path.join(dir, 'photos');
      fs.mkdirSync(unrelated);
      fs.writeFileSync(path.join(unrelated, 'cat.jpg'), 'x');
      assert.throws(() => Output.claim(unrelated, KIND, { replace: true }), /photos: exists and is not a thing \(no thing\.json; it holds cat\.jpg\); refusing to overwrite/);
      const own = path.join(dir, 'own');
      fs.mkdirSync(own);
      fs.writeFileSync(path.join(own, 'thing.json'), '{}');
      assert.throws(() => Output.claim(own, KIND), /own: already holds a thing; pass --overwrite to replace it/);
      assert.equal(Output.claim(own, KIND, { replace: true }).previous, true);
      assert.equal(Output.claim(path.join(dir, 'new'), KIND).previous, false);
      assert.throws(() => Output.claim(dir, KIND, { inputs: [file] }), /holds the input .*drive\.yaml; refusing to write over it/);
      assert.equal(fs.readFileSync(file, 'utf8'), 'keep: me\n');
      assert.deepEqual(fs.readdirSync(unrelated), ['cat.jpg']);
    });

    it('publishes whole: the old state stays until the new one is complete', async () => {
      const dir = tempDir('publish');
      const target = path.join(dir, 'out');
      const output = Output.claim(target, KIND);
      await output.publish((staged) => fs.writeFileSync(path.join(staged, 'thing.json'), '1'));
      await assert.rejects(
        output.publish((staged) => {
          fs.writeFileSync(path.join(staged, 'thing.json'), '2');
          throw new Error('disk full');
        }),
        /disk full/,
      );
      assert.equal(fs.readFileSync(path.join(target, 'thing.json'), 'utf8'), '1');
      await output.publish((staged) => fs.writeFileSync(path.join(staged, 'thing.json'), '3'));
      assert.equal(fs.readFileSync(path.join(target, 'thing.json'), 'utf8'), '3');
      assert.deepEqual(fs.readdirSync(dir), ['out']);
    });

    it("clears what killed runs left beside the target (and only that), restoring a version moved aside", () => {
      const dir = tempDir('stale');
      const target = path.join(dir, 'out');
      fs.mkdirSync(path.join(dir, `.out.tmp-${DEAD_PID}-1`));
      fs.writeFileSync(path.join(dir, `.out.tmp-${process.ppid}-2`), 'a live process is still writing this');
      fs.mkdirSync(path.join(dir, `.out.old-${DEAD_PID}-3`));
      fs.writeFileSync(path.join(dir, `.out.old-${DEAD_PID}-3`, 'thing.json'), 'moved aside by a swap that was killed');
      fs.writeFileSync(path.join(dir, '.other.tmp-1-1'), 'not ours');
      fs.writeFileSync(path.join(dir, 'out.tmp-notes'), 'not ours either');
      const output = Output.claim(target, KIND, { replace: true });
      assert.equal(output.previous, true, 'the version moved aside is back');
      assert.deepEqual(output.cleared.sort(), [`.out.old-${DEAD_PID}-3`, `.out.tmp-${DEAD_PID}-1`]);
      assert.deepEqual(fs.readdirSync(dir).sort(), [`.out.tmp-${process.ppid}-2`, '.other.tmp-1-1', 'out', 'out.tmp-notes'].sort());
    });

    it('names its temporary files so that the cleaner finds them', () => {
      const dir = tempDir('names');
      const file = path.join(dir, 'metrics.json');
      writeFileAtomic(file, '{}');
      assert.match(path.basename(tempSibling(file)), new RegExp(`^\\.metrics\\.json\\.tmp-${process.pid}-\\d+$`));
      assert.match(path.basename(tempSibling(path.join(dir, 'a.mcap'), true)), new RegExp(`^\\.a\\.tmp-${process.pid}-\\d+\\.mcap$`));
    });
  });

  describe('commands', function () {
    this.timeout(120_000);
    let bag: string;
    before(async () => {
      await useBackend();
      bag = await writeImuCommandBag(20);
      process.env.XDG_CACHE_HOME = tempDir('cache');
    });

    const trainArgs = (out: string, ...more: string[]) => ['train', '--bag', bag, '--inputs', '/imu', '--target', '/cmd_vel', '--out', out, '--epochs', '1', ...more];

    it('train refuses a plain file, an unrelated folder and the bag it trains on, before any work', async () => {
      const dir = tempDir('train');
      const yaml = path.join(dir, 'drive.yaml');
      fs.writeFileSync(yaml, 'drive_node: {}\n');
      await assert.rejects(main(trainArgs(yaml, '--overwrite')), /drive\.yaml: exists and is a file, not a policy directory/);
      assert.equal(fs.readFileSync(yaml, 'utf8'), 'drive_node: {}\n');
      const notes = path.join(dir, 'notes');
      fs.mkdirSync(notes);
      fs.writeFileSync(path.join(notes, 'todo.txt'), 'x');
      await assert.rejects(main(trainArgs(notes, '--overwrite')), /notes: exists and is not a policy directory \(no policy\.yaml; it holds todo\.txt\)/);
      assert.deepEqual(fs.readdirSync(notes), ['todo.txt']);
      await assert.rejects(main(trainArgs(bag, '--overwrite')), /run: is an input of this command/);
      assert.ok(fs.existsSync(path.join(bag, 'metadata.yaml')));
      // Checked before the dataset is built: with bags that do not exist, the output is what is named.
      const job = path.join(dir, 'job.yaml');
      fs.writeFileSync(job, YAML.stringify({ dataset: { bags: ['missing_bag'], inputs: [{ topic: '/imu' }], target: { topic: '/cmd_vel' } }, output: 'notes' }));
      await assert.rejects(main(['train', '--config', job]), (e) => e instanceof InputError && /notes: exists and is not a policy directory/.test(e.message));
    });

    it('train --overwrite replaces only its own policy directory, whole', async () => {
      const out = path.join(tempDir('train-own'), 'policy');
      assert.equal(await main(trainArgs(out)), 0);
      await assert.rejects(main(trainArgs(out)), /policy: already holds a policy directory; pass --overwrite to replace it/);
      assert.equal(await main(trainArgs(out, '--overwrite')), 0);
      assert.deepEqual(fs.readdirSync(out).sort(), ['learning_curves.svg', 'metrics.json', 'policy.yaml', 'rnn']);
      assert.deepEqual(fs.readdirSync(path.dirname(out)), ['policy']);
    });

    it('fit refuses an existing file as --output before training', async () => {
      const dir = tempDir('fit');
      const taken = path.join(dir, 'taken');
      fs.writeFileSync(taken, 'x');
      const config = path.join(dir, 'fit.yaml');
      // The data folder does not exist: an error about the output proves it was checked first.
      fs.writeFileSync(config, YAML.stringify({ data: { folder: 'nowhere', split: { train: '0:1', val: '1:2', test: '2:3' }, window: 4, stride: 2 }, model: { class: 'CfC', units: 4 }, training: { epochs: 1 }, output: 'taken' }));
      await assert.rejects(main(['fit', '--config', config]), /taken: exists and is a file, not a fit output/);
      assert.equal(fs.readFileSync(taken, 'utf8'), 'x');
    });

    it('predict refuses a directory as --output and an existing file it did not write', async () => {
      const dir = tempDir('predict');
      const model = path.join(__dirname, 'fixtures', 'ncps', 'ltc_mixed_memory');
      const input = path.join(model, 'input.json');
      await assert.rejects(main(['predict', '--model', model, '--input', input, '--output', dir]), /is a directory; the output is a file/);
      const notes = path.join(dir, 'notes.json');
      fs.writeFileSync(notes, '{"mine": true}');
      await assert.rejects(main(['predict', '--model', model, '--input', input, '--output', notes, '--overwrite']), /notes\.json: exists and is not a prediction/);
      const out = path.join(dir, 'out.json');
      assert.equal(await main(['predict', '--model', model, '--input', input, '--output', out]), 0);
      await assert.rejects(main(['predict', '--model', model, '--input', input, '--output', out]), /out\.json: already holds a prediction; pass --overwrite/);
      assert.equal(await main(['predict', '--model', model, '--input', input, '--output', out, '--overwrite']), 0);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['notes.json', 'out.json']);
    });

    it('bag convert, bag export, eval and wiring refuse what they did not write', async () => {
      const dir = tempDir('others');
      const stranger = path.join(dir, 'stranger');
      fs.mkdirSync(stranger);
      fs.writeFileSync(path.join(stranger, 'a.txt'), 'x');
      const refusal = /stranger: exists and is not/;
      const convert = await run(['bag', 'convert', bag, stranger, '--overwrite']);
      assert.equal(convert.code, 1);
      assert.match(convert.stderr, refusal);
      await assert.rejects(main(['eval', '--model', bag, '--bag', bag, '--output', stranger, '--overwrite']), refusal);
      const drawing = path.join(dir, 'drawing.svg');
      fs.writeFileSync(drawing, '<svg xmlns="http://www.w3.org/2000/svg"/>');
      await assert.rejects(main(['wiring', '--model', path.join(__dirname, '..', 'models', 'example_ncp_cfc'), '--output', drawing, '--overwrite']), /drawing\.svg: exists and is not a wiring diagram/);
      assert.equal(fs.readFileSync(drawing, 'utf8'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
      const dataset = path.join(dir, 'dataset.yaml');
      fs.writeFileSync(dataset, YAML.stringify({ bags: [bag], inputs: [{ topic: '/imu' }], target: { topic: '/cmd_vel' } }));
      assert.match((await run(['bag', 'export', dataset, stranger, '--overwrite'])).stderr, refusal);
      assert.deepEqual(fs.readdirSync(stranger), ['a.txt']);
      // A converted bag is its own kind: replaced with --overwrite, and only then.
      const converted = path.join(dir, 'converted');
      assert.equal((await run(['bag', 'convert', bag, converted])).code, 0);
      const again = await run(['bag', 'convert', bag, converted]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /converted: already holds a rosbag2 bag; pass --overwrite to replace it/);
      assert.equal((await run(['bag', 'convert', bag, converted, '--overwrite'])).code, 0);
      assert.deepEqual(fs.readdirSync(converted).sort(), ['converted_0.mcap', 'metadata.yaml']);
    });
  });
});
