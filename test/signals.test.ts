/**
 * Every long command stops promptly on a real SIGINT / SIGTERM, leaves whole output, says what it
 * kept and exits 130 / 143; a SIGKILL leaves the previous complete state or the new one, and the
 * next run clears what the killed one left. Each case runs `lnn-ros` in a child process.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { McapBagWriter } from '../lnn_ros/bag/mcap_writer';
import { openBag } from '../lnn_ros/bag/open';
import { Interrupt } from '../lnn_ros/cli/interrupt';
import { main } from '../lnn_ros/cli/main';
import { LnnRosChild, lnnRos } from './helpers/cli';
import { sineFolder, writeFitConfig } from './helpers/fit_data';
import { writeImuCommandBag } from './helpers/imu_bag';
import { requirePython, runPython } from './python_peer';

const tempDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `lnn-sig-${prefix}-`));
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
/** Entries left by a killed writer (`.NAME.tmp-PID-N`, `.NAME.old-PID-N`). */
const leftovers = (dir: string) => fs.readdirSync(dir).filter((n) => /\.(tmp|old)-\d+-\d+/.test(n));

/** Messages per topic as the Python rosbags reader (metadata.yaml + MCAP) sees a bag directory. */
const ROSBAGS_COUNTS = String.raw`
import json, sys
from rosbags.rosbag2 import Reader
with Reader(sys.argv[1]) as r:
    counts = {}
    for c, _, _ in r.messages():
        counts[c.topic] = counts.get(c.topic, 0) + 1
    print(json.dumps({'counts': counts, 'metadata_count': r.message_count}))
`;

/** What the Python mcap reader finds in the file: messages and whether it has a summary (a finished file). */
const MCAP_SUMMARY = String.raw`
import json, sys
from mcap.reader import make_reader
with open(sys.argv[1], 'rb') as f:
    reader = make_reader(f)
    summary = reader.get_summary()
    print(json.dumps({'summary': summary is not None, 'messages': sum(1 for _ in reader.iter_messages())}))
`;

describe('signals and interruptions', function () {
  this.timeout(180_000);

  describe('fit', () => {
    const data = sineFolder();
    const model = { class: 'CfC', units: 4, backbone_units: 6 };

    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      it(`stops after the current batch on ${signal}, keeps its complete epochs and exits ${code}`, async () => {
        const out = path.join(tempDir('fit'), 'out');
        const child = new LnnRosChild(['fit', '--config', writeFitConfig(data, out, model, 500)]);
        await child.until(() => /epoch 1\/500/.test(child.stderr), 'the first epoch');
        child.kill(signal);
        const { status, stderr } = await child.ended();
        assert.equal(status, code, stderr);
        assert.match(stderr, new RegExp(`lnn-ros fit: stopped by ${signal}; kept .*out after \\d+ complete epoch\\(s\\) .*--resume`));
        const metrics = readJson(path.join(out, 'metrics.json'));
        assert.equal(metrics.complete, false);
        assert.ok(metrics.epochs.length >= 1 && metrics.epochs.length < 500, `${metrics.epochs.length} epochs`);
        assert.ok(fs.existsSync(path.join(out, 'model', 'weights.safetensors')));
      });
    }

    it('killed over an earlier output, leaves that or the new one whole, and --resume goes on from it', async () => {
      const out = path.join(tempDir('fit-kill'), 'out');
      assert.equal(lnnRos('fit', '--config', writeFitConfig(data, out, { ...model, units: 6 }, 2)).status, 0);
      const child = new LnnRosChild(['fit', '--config', writeFitConfig(data, out, model, 500), '--overwrite']);
      await child.until(() => /epoch 2\/500/.test(child.stderr), 'the second epoch');
      child.kill('SIGKILL');
      await child.ended();
      const metrics = readJson(path.join(out, 'metrics.json'));
      const units = YAML.parse(fs.readFileSync(path.join(out, 'model', 'config.yaml'), 'utf8')).units;
      // The old run (6 units, complete after 2 epochs) or the new one (4 units, incomplete): never a mix.
      if (units === 6) assert.deepEqual([metrics.complete, metrics.epochs.length], [true, 2]);
      else assert.deepEqual([units, metrics.complete], [4, false]);
      const resumed = lnnRos('fit', '--config', writeFitConfig(data, out, model, metrics.epochs.length + 1), units === 6 ? '--overwrite' : '--resume');
      assert.equal(resumed.status, 0, resumed.stderr);
      assert.equal(readJson(path.join(out, 'metrics.json')).complete, true);
      assert.deepEqual(leftovers(path.dirname(out)), [], 'what the killed run left is cleared');
    });
  });

  describe('train', () => {
    let bag: string;
    let cache: string;
    before(async () => {
      bag = await writeImuCommandBag(30);
      cache = tempDir('cache');
    });
    const train = (out: string, ...more: string[]) =>
      new LnnRosChild(['train', '--bag', bag, '--inputs', '/imu', '--target', '/cmd_vel', '--out', out, '--epochs', '500', ...more], { XDG_CACHE_HOME: cache });

    it('stops on SIGTERM, keeping its best epoch with metrics and curves, and exits 143', async () => {
      const out = path.join(tempDir('train'), 'policy');
      const child = train(out);
      await child.until(() => /epoch 1\/500/.test(child.stderr), 'the first epoch');
      child.kill('SIGTERM');
      const { status, stderr } = await child.ended();
      assert.equal(status, 143, stderr);
      assert.match(stderr, /lnn-ros train: stopped by SIGTERM; kept .*policy: the policy of epoch \d+, the best of \d+ complete epoch\(s\)/);
      assert.deepEqual(fs.readdirSync(out).sort(), ['learning_curves.svg', 'metrics.json', 'policy.yaml', 'rnn']);
      assert.equal(readJson(path.join(out, 'metrics.json')).complete, false);
    });

    it('killed after an epoch, leaves the policy with its metrics and curves', async () => {
      const out = path.join(tempDir('train-kill'), 'policy');
      const child = train(out);
      await child.until(() => /epoch 2\/500/.test(child.stderr), 'the second epoch');
      child.kill('SIGKILL');
      await child.ended();
      assert.deepEqual(fs.readdirSync(out).sort(), ['learning_curves.svg', 'metrics.json', 'policy.yaml', 'rnn']);
      const metrics = readJson(path.join(out, 'metrics.json'));
      assert.ok(metrics.epochs.some((e: { epoch: number }) => e.epoch === metrics.best_epoch));
    });
  });

  describe('bags', () => {
    let input: string;
    let total: number;
    before(async () => {
      // Large enough that converting it takes a while (~1 s): small chunks show progress early.
      input = path.join(tempDir('big'), 'big.mcap');
      const w = await McapBagWriter.open(input, { chunkSize: 64 * 1024 });
      await w.addTopic({ name: '/blob', type: 'std_msgs/msg/String', definition: 'string data\n' });
      total = 60_000;
      const payload = new Uint8Array(1024);
      for (let i = 0; i < total; i++) await w.write('/blob', 1_000_000_000n + BigInt(i) * 1_000_000n, payload);
      await w.close();
    });

    /** Whether the MCAP file for OUT (written wherever the command writes it) holds some chunks. */
    const converting = (out: string) => () => {
      const name = `${path.basename(out)}_0.mcap`;
      const file = fs.readdirSync(path.dirname(out), { recursive: true, encoding: 'utf8' }).find((f) => path.basename(f) === name);
      return file !== undefined && (fs.statSync(path.join(path.dirname(out), file), { throwIfNoEntry: false })?.size ?? 0) > 256 * 1024;
    };

    it('bag convert on SIGINT closes a complete, readable bag of what it converted and exits 130; a rerun replaces it only with --overwrite', async function () {
      const out = path.join(tempDir('convert'), 'out');
      const child = new LnnRosChild(['bag', 'convert', input, out, '--chunk-size', '65536']);
      await child.until(converting(out), 'the first chunks');
      child.kill('SIGINT');
      const { status, stderr } = await child.ended();
      assert.equal(status, 130, stderr);
      assert.match(stderr, /lnn-ros bag convert: stopped by SIGINT; kept .*out: a complete bag of the first \d+ messages/);
      const kept = Number(/the first (\d+) messages/.exec(stderr)![1]);
      assert.ok(kept > 0 && kept < total, `${kept} of ${total}`);
      assert.deepEqual(fs.readdirSync(out).sort(), ['metadata.yaml', 'out_0.mcap']);
      assert.deepEqual(leftovers(path.dirname(out)), []);
      const again = lnnRos('bag', 'convert', input, out);
      assert.equal(again.status, 1);
      assert.match(again.stderr, /out: already holds a rosbag2 bag; pass --overwrite to replace it/);
      assert.equal(lnnRos('bag', 'convert', input, out, '--overwrite').status, 0);
      const bag = await openBag(out);
      assert.equal(bag.summary().messageCount, total);
      bag.close();
      requirePython(this, ['rosbags', 'mcap']);
      const stopped = path.join(tempDir('convert-peer'), 'out');
      const second = new LnnRosChild(['bag', 'convert', input, stopped, '--chunk-size', '65536']);
      await second.until(converting(stopped), 'the first chunks');
      second.kill('SIGTERM');
      const ended = await second.ended();
      assert.equal(ended.status, 143, ended.stderr);
      const count = Number(/the first (\d+) messages/.exec(ended.stderr)![1]);
      assert.deepEqual(runPython(ROSBAGS_COUNTS, [stopped]), { counts: { '/blob': count }, metadata_count: count });
      assert.deepEqual(runPython(MCAP_SUMMARY, [path.join(stopped, 'out_0.mcap')]), { summary: true, messages: count });
    });

    it('bag convert killed leaves no output, and the rerun clears what it left', async () => {
      const out = path.join(tempDir('convert-kill'), 'out');
      const child = new LnnRosChild(['bag', 'convert', input, out, '--chunk-size', '65536']);
      await child.until(converting(out), 'the first chunks');
      child.kill('SIGKILL');
      await child.ended();
      assert.equal(fs.existsSync(out), false);
      assert.equal(leftovers(path.dirname(out)).length, 1);
      assert.equal(lnnRos('bag', 'convert', input, out).status, 0);
      assert.deepEqual(fs.readdirSync(path.dirname(out)), ['out']);
    });

    it('bag export stopped (as by a signal) exits 130 and publishes nothing', async () => {
      const dir = tempDir('export');
      const dataset = path.join(dir, 'dataset.yaml');
      fs.writeFileSync(dataset, YAML.stringify({ bags: [await writeImuCommandBag(10)], inputs: [{ topic: '/imu' }], target: { topic: '/cmd_vel' }, cache: { dir: path.join(dir, 'cache') } }));
      Interrupt.watch(() => undefined).request('SIGINT');
      assert.equal(await main(['bag', 'export', dataset, path.join(dir, 'out')]), 130);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['cache', 'dataset.yaml']);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'cache')), [], 'no cache entry either');
    });

    it('record closes the bag on SIGTERM as rosbag2 does: 143 when cut short, 0 when the signal is how it ends', async function () {
      const dir = tempDir('record');
      const cut = new LnnRosChild(['record', '--sim', '--out', path.join(dir, 'cut'), '--duration', '1000', '--topic', '/imu/data:sensor_msgs/msg/Imu']);
      await cut.until(() => fs.existsSync(path.join(dir, 'cut', 'cut_0.mcap')), 'the recording');
      await new Promise((resolve) => setTimeout(resolve, 500));
      cut.kill('SIGTERM');
      const ended = await cut.ended();
      assert.equal(ended.status, 143, ended.stderr);
      assert.match(ended.stderr, /lnn-ros record: stopped by SIGTERM; kept a complete bag of the first (\d+) messages/);
      const open = new LnnRosChild(['record', '--sim', '--out', path.join(dir, 'open'), '--topic', '/imu/data:sensor_msgs/msg/Imu']);
      await open.until(() => fs.existsSync(path.join(dir, 'open', 'open_0.mcap')), 'the recording');
      open.kill('SIGINT');
      const done = await open.ended();
      assert.equal(done.status, 0, done.stderr);
      for (const name of ['cut', 'open']) {
        const bag = await openBag(path.join(dir, name));
        const summary = bag.summary();
        bag.close();
        assert.ok(summary.messageCount > 0 && summary.problems === undefined, `${name}: ${JSON.stringify(summary.problems)}`);
      }
      requirePython(this, ['rosbags']);
      const count = Number(/first (\d+) messages/.exec(ended.stderr)![1]);
      assert.deepEqual(runPython(ROSBAGS_COUNTS, [path.join(dir, 'cut')]), { counts: { '/imu/data': count }, metadata_count: count });
    });
  });

  it('demo stops on SIGINT, keeping the complete bags it recorded, and exits 130', async function () {
    const out = path.join(tempDir('demo'), 'demo');
    const child = new LnnRosChild(['demo', '--out', out, '--train-seeds', '1,2,3', '--record-seconds', '60', '--epochs', '1', '--test-seeds', '101']);
    await child.until(() => /\[a\] recorded the expert on road 1/.test(child.stdout), 'the first recording');
    child.kill('SIGINT');
    const { status, stderr } = await child.ended();
    assert.equal(status, 130, stderr);
    assert.match(stderr, /lnn-ros demo: stopped by SIGINT; kept .*demo with what was complete \(bags;/);
    assert.deepEqual(fs.readdirSync(out), ['bags']);
    assert.deepEqual(leftovers(path.dirname(out)), []);
    for (const seed of fs.readdirSync(path.join(out, 'bags')).filter((n) => n.startsWith('seed_'))) {
      const bag = await openBag(path.join(out, 'bags', seed));
      assert.equal(bag.summary().problems, undefined, seed);
      bag.close();
    }
  });
});
