/** `lnn-ros bag info|echo` end to end, in a child process (see helpers/cli.ts). */

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openBag } from '../lnn_ros/bag/open';
import { MessageRegistry } from '../lnn_ros/msg/registry';
import { BAGS_DIR, realBags, tempDir, writeMcap } from './bag_helpers';
import { lnnRos } from './helpers/cli';

const talker = (storage: string): string => path.join(BAGS_DIR, 'ros2_rosbag2', `talker_${storage}`);
const jsonLines = (stdout: string): Record<string, unknown>[] => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('lnn-ros bag info', function () {
  this.timeout(60_000);

  it('prints what ros2 bag info shows', () => {
    const { status, stdout } = lnnRos('bag', 'info', talker('sqlite3'));
    assert.equal(status, 0);
    assert.match(stdout, /^Files: {13}\S+talker\.db3$/m);
    assert.match(stdout, /^Bag size: {10}28\.0 KiB$/m);
    assert.match(stdout, /^Storage id: {8}sqlite3$/m);
    assert.match(stdout, /^Duration: {10}4\.531096768s$/m);
    assert.match(stdout, /^Start: {13}2020-04-02 22:23:55\.112411371 UTC \(1585866235\.112411371\)$/m);
    assert.match(stdout, /^Messages: {10}20$/m);
    assert.match(stdout, /^Topic information: Topic: \/rosout \| Type: rcl_interfaces\/msg\/Log \| Count: 10 \| Serialization Format: cdr$/m);
    assert.match(stdout, /^ {19}Topic: \/parameter_events \| Type: rcl_interfaces\/msg\/ParameterEvent \| Count: 0 \| Serialization Format: cdr$/m);
  });

  it('--json agrees with the reader on every real bag, with exact nanosecond times', async () => {
    for (const bag of realBags()) {
      const { status, stdout } = lnnRos('bag', 'info', bag.path, '--json');
      assert.equal(status, 0, bag.name);
      const info = JSON.parse(stdout) as { storage: string; duration_s: number; message_count: number; topics: { name: string; type: string; count: number }[] };
      const reader = await openBag(bag.path, { warn: () => undefined });
      const summary = reader.summary();
      reader.close();
      assert.equal(info.storage, summary.storage);
      assert.equal(info.message_count, summary.messageCount);
      assert.deepEqual(info.topics, summary.topics.map((t) => ({ name: t.name, type: t.type, count: t.messageCount })));
      assert.match(stdout, new RegExp(`"start_ns":${summary.startNs},"end_ns":${summary.endNs},`));
      assert.equal(info.duration_s, Number(summary.endNs - summary.startNs) / 1e9);
    }
  });
});

describe('lnn-ros bag echo', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = tempDir('bag-cli');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--json prints one object per message, in log-time order', () => {
    const { status, stdout } = lnnRos('bag', 'echo', talker('mcap'), '--topic', '/topic', '--json');
    assert.equal(status, 0);
    const lines = jsonLines(stdout);
    assert.deepEqual(lines.map((l) => (l['message'] as { data: string }).data), Array.from({ length: 10 }, (_, i) => `Hello, world! ${i}`));
    assert.ok(lines.every((l) => l['topic'] === '/topic'));
    const times = [...stdout.matchAll(/"log_time_ns":(\d+)/g)].map((m) => BigInt(m[1] as string));
    assert.ok(times.every((t, i) => i === 0 || (times[i - 1] as bigint) < t));
    assert.equal(times[0], 1585866235112609068n);
  });

  it('writes exact 64-bit integers, base64 byte arrays, NaN as a string, times as {sec, nanosec}', () => {
    const arrays = lnnRos('bag', 'echo', path.join(BAGS_DIR, 'ros2_rosbag2', 'cdr_test_sqlite3'), '-t', '/array_topic', '--json', '--limit', '1');
    assert.equal(arrays.status, 0);
    assert.match(arrays.stdout, /"uint64_values_default":\[0,1,18446744073709551615\]/);
    assert.match(arrays.stdout, /"int64_values_default":\[0,9223372036854775807,-9223372036854775808\]/);
    assert.match(arrays.stdout, /"uint8_values_default":"AAH\/"/);
    const fix = lnnRos('bag', 'echo', path.join(BAGS_DIR, 'klintan_rosbag2js_sample', 'sample.db3'), '--topic', '/fix', '--json');
    const message = jsonLines(fix.stdout)[0]?.['message'] as { latitude: unknown; header: { stamp: unknown } };
    assert.equal(message.latitude, 'NaN');
    assert.deepEqual(message.header.stamp, { sec: 1553411564, nanosec: 167646976 });
    const image = lnnRos('bag', 'echo', path.join(BAGS_DIR, 'klintan_rosbag2js_sample', 'sample.db3'), '--topic', '/image', '--json');
    const data = (jsonLines(image.stdout)[0]?.['message'] as { data: string }).data;
    assert.equal(Buffer.from(data, 'base64').byteLength, 640 * 480 * 3);
  });

  it('prints YAML documents without --json, and stops at --limit', () => {
    const { status, stdout } = lnnRos('bag', 'echo', talker('sqlite3'), '--limit', '3');
    assert.equal(status, 0);
    assert.equal(stdout.split(/^---$/m).length - 1, 3);
    assert.match(stdout, /^topic: \/rosout\nlog_time: 1585866235\.112411371 \(2020-04-02 22:23:55\.112411371 UTC\)\nmessage:\n {2}stamp:\n {4}sec: 1585866235$/m);
  });

  it('prints what precedes the damage of a truncated file, then names the file (exit 1)', async () => {
    const registry = MessageRegistry.standard();
    const messages = Array.from({ length: 200 }, (_, i) => ({ topic: '/chatter', logTimeNs: BigInt(i) * 1000n, data: registry.encode('std_msgs/msg/String', { data: `line ${i}` }) }));
    const whole = path.join(dir, 'whole.mcap');
    await writeMcap(whole, [{ name: '/chatter', type: 'std_msgs/msg/String', definition: 'string data\n' }], messages, { chunkSize: 1024 });
    const cut = path.join(dir, 'cut.mcap');
    fs.writeFileSync(cut, fs.readFileSync(whole).subarray(0, 3000));
    const echo = lnnRos('bag', 'echo', cut, '--json');
    assert.equal(echo.status, 1);
    const printed = jsonLines(echo.stdout).map((l) => (l['message'] as { data: string }).data);
    assert.ok(printed.length > 0 && printed.length < 200);
    assert.deepEqual(printed, printed.map((_, i) => `line ${i}`));
    assert.match(echo.stderr, /cut\.mcap: record at byte \d+ .*truncated/);
    const info = lnnRos('bag', 'info', cut, '--json');
    assert.equal(info.status, 1);
    assert.equal((JSON.parse(info.stdout) as { message_count: number }).message_count, printed.length);
    assert.match(info.stderr, /cut\.mcap/);
  });

  it('names the file for a missing storage file and an unknown compression (exit 1)', async () => {
    const bag = path.join(dir, 'gone');
    fs.mkdirSync(bag);
    fs.writeFileSync(path.join(bag, 'metadata.yaml'), 'rosbag2_bagfile_information:\n  version: 5\n  storage_identifier: mcap\n  relative_file_paths: [gone_0.mcap]\n');
    const missing = lnnRos('bag', 'echo', bag);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /gone\/metadata\.yaml: storage file 'gone_0\.mcap' .* does not exist/);
    const odd = path.join(dir, 'odd.mcap');
    const data = MessageRegistry.standard().encode('std_msgs/msg/String', { data: 'x' });
    await writeMcap(odd, [{ name: '/s', type: 'std_msgs/msg/String' }], [{ topic: '/s', logTimeNs: 1n, data }], { compressChunk: (d) => ({ compression: 'snappy', compressedData: d }) });
    const unknown = lnnRos('bag', 'echo', odd);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /odd\.mcap: .*Unsupported compression snappy/);
  });

  it('rejects wrong arguments with exit code 2', () => {
    assert.equal(lnnRos('bag').status, 2);
    assert.equal(lnnRos('bag', 'frobnicate').status, 2);
    assert.equal(lnnRos('bag', 'info').status, 2);
    assert.equal(lnnRos('bag', 'echo', talker('mcap'), '--limit', 'many').status, 2);
    const unknown = lnnRos('bag', 'info', talker('mcap'), '--colour');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /--colour/);
    assert.equal(lnnRos('bag', 'echo', '--help').status, 0);
  });
});
