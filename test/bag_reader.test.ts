import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compress as zstdCompress, isLoaded as zstdLoaded } from '@foxglove/wasm-zstd';
import { openBag } from '../lnn_ros/bag/open';
import type { BagMessage } from '../lnn_ros/bag/types';
import { InputError } from '../lnn_ros/errors';
import { MessageRegistry } from '../lnn_ros/msg/registry';
import { BAGS_DIR, collect, lz4StoredFrame, realBags, tempDir, writeMcap, writeSqliteBag } from './bag_helpers';
import type { TestMessage, TestTopic } from './bag_helpers';

const registry = MessageRegistry.standard();
const quiet = { warn: (): void => undefined };

function listTree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

function assertLogTimeOrder(messages: BagMessage[]): void {
  for (let i = 1; i < messages.length; i++) {
    assert.ok((messages[i - 1] as BagMessage).logTimeNs <= (messages[i] as BagMessage).logTimeNs, `message ${i} is out of log-time order`);
  }
}

/** String messages on two topics at times 1000·i (+1 on /b): what the synthetic bags hold. */
function stringMessages(count: number): { topics: TestTopic[]; messages: TestMessage[] } {
  const topics = [
    { name: '/a', type: 'std_msgs/msg/String', definition: 'string data\n' },
    { name: '/b', type: 'std_msgs/msg/String', definition: 'string data\n' },
  ];
  const messages = Array.from({ length: count }, (_, i) => ({
    topic: i % 2 === 0 ? '/a' : '/b',
    logTimeNs: BigInt(1000 * i + (i % 2)),
    data: registry.encode('std_msgs/msg/String', { data: `message ${i}` }),
  }));
  return { topics, messages };
}

const texts = (messages: BagMessage[]): string[] => messages.map((m) => (m.decoded() as { data: string }).data);

describe('openBag on the real bags', () => {
  const before = listTree(BAGS_DIR);

  for (const bag of realBags()) {
    it(`${bag.name}: counts and times match the messages, in log-time order, all decoded`, async () => {
      const reader = await openBag(bag.path, quiet);
      try {
        const summary = reader.summary();
        assert.equal(summary.problems, undefined);
        const messages = await collect(reader);
        assert.equal(messages.length, summary.messageCount);
        assert.ok(messages.length > 0);
        for (const topic of summary.topics) {
          assert.match(topic.type, /^[\w]+\/(msg|srv)\/\w+$/, 'normalised type name');
          assert.equal(topic.decodable, true, `${topic.name} ${topic.type}`);
          assert.equal(messages.filter((m) => m.topic === topic.name).length, topic.messageCount, topic.name);
        }
        assertLogTimeOrder(messages);
        assert.equal(messages[0]?.logTimeNs, summary.startNs);
        assert.equal(messages[messages.length - 1]?.logTimeNs, summary.endNs);
        for (const m of messages) assert.equal(typeof m.decoded(), 'object');
      } finally {
        reader.close();
      }
    });
  }

  it('reads the 2019 schema-0 bag with old type names normalised', async () => {
    const reader = await openBag(path.join(BAGS_DIR, 'klintan_rosbag2js_sample', 'sample.db3'), quiet);
    const types = Object.fromEntries(reader.topics().map((t) => [t.name, t.type]));
    assert.equal(types['/image'], 'sensor_msgs/msg/Image');
    const [image] = await collect(reader, { topics: ['/image'] });
    const decoded = image?.decoded() as { width: number; height: number; encoding: string; data: Uint8Array };
    assert.deepEqual([decoded.width, decoded.height, decoded.encoding, decoded.data.byteLength], [640, 480, 'bgr8', 640 * 480 * 3]);
    const [fix] = await collect(reader, { topics: ['/fix'] });
    assert.ok(Number.isNaN((fix?.decoded() as { latitude: number }).latitude));
    reader.close();
  });

  it('decodes service events with the layout rosidl generates (rosbag2 stores only the .srv text)', async () => {
    for (const name of ['bag_with_topics_and_service_events_sqlite3', 'bag_with_topics_and_service_events_mcap']) {
      const reader = await openBag(path.join(BAGS_DIR, 'ros2_rosbag2', name), quiet);
      const events = await collect(reader, { topics: ['/test_service1/_service_event', '/test_service2/_service_event'] });
      reader.close();
      assert.equal(events.length, 8);
      for (const e of events) {
        const { info, request, response } = e.decoded() as { info: { event_type: number; sequence_number: bigint }; request: unknown[]; response: unknown[] };
        // Request events (sent/received) carry the request, response events the response.
        assert.deepEqual([request.length, response.length], info.event_type < 2 ? [1, 0] : [0, 1], `${name} ${e.topic}`);
        assert.equal(info.sequence_number > 0n, true);
      }
      // The recording client saw REQUEST_SENT (0) and RESPONSE_RECEIVED (3) events.
      assert.deepEqual([...new Set(events.map((e) => (e.decoded() as { info: { event_type: number } }).info.event_type))].sort(), [0, 3]);
    }
  });

  it('filters by topic and by time range (start inclusive, end exclusive)', async () => {
    for (const name of ['talker_sqlite3', 'talker_mcap']) {
      const reader = await openBag(path.join(BAGS_DIR, 'ros2_rosbag2', name), quiet);
      const all = await collect(reader);
      const topic = await collect(reader, { topics: ['/topic'] });
      assert.equal(topic.length, 10);
      assert.ok(topic.every((m) => m.topic === '/topic' && m.type === 'std_msgs/msg/String'));
      const startNs = (all[3] as BagMessage).logTimeNs;
      const endNs = (all[8] as BagMessage).logTimeNs;
      const window = await collect(reader, { startNs, endNs });
      assert.deepEqual(window.map((m) => m.logTimeNs), all.slice(3, 8).map((m) => m.logTimeNs), name);
      await assert.rejects(collect(reader, { topics: ['/nope'] }), (err: Error) => err instanceof InputError && /no topic '\/nope'/.test(err.message));
      // Two reads at once (e.g. one per topic) do not disturb each other.
      const [rosout, again] = await Promise.all([collect(reader, { topics: ['/rosout'] }), collect(reader)]);
      assert.deepEqual([rosout.length, again.length], [10, 20]);
      reader.close();
    }
  });

  it('writes nothing next to the input', () => {
    assert.deepEqual(listTree(BAGS_DIR), before);
  });
});

describe('openBag on synthetic bags', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('bag-reader');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('merges the files of a split bag in log-time order', async () => {
    const { topics, messages } = stringMessages(40);
    // Interleaved files (every other message), so the merge has to alternate between them.
    writeSqliteBag(path.join(dir, 'split_0.db3'), topics, messages.filter((_, i) => i % 4 < 2));
    writeSqliteBag(path.join(dir, 'split_1.db3'), topics, messages.filter((_, i) => i % 4 >= 2));
    fs.writeFileSync(path.join(dir, 'metadata.yaml'), 'rosbag2_bagfile_information:\n  version: 5\n  storage_identifier: sqlite3\n  relative_file_paths:\n    - split_0.db3\n    - split_1.db3\n');
    const reader = await openBag(dir, quiet);
    assert.equal(reader.summary().files.length, 2);
    assert.equal(reader.summary().messageCount, 40);
    assert.deepEqual(texts(await collect(reader)), messages.map((_, i) => `message ${i}`));
    assert.deepEqual(texts(await collect(reader, { topics: ['/b'], startNs: 10_000n, endNs: 20_000n })), [11, 13, 15, 17, 19].map((i) => `message ${i}`));
    reader.close();
  });

  it('reads a directory without metadata.yaml, with a warning', async () => {
    const { topics, messages } = stringMessages(6);
    await writeMcap(path.join(dir, 'only.mcap'), topics, messages);
    const warnings: string[] = [];
    const reader = await openBag(dir, { warn: (m) => warnings.push(m) });
    assert.equal((await collect(reader)).length, 6);
    assert.match(warnings.join('\n'), /no metadata\.yaml/);
    reader.close();
  });

  it('reads MCAP chunked (none, lz4) or not, with or without summary and index', async () => {
    const { topics, messages } = stringMessages(300);
    const layouts = {
      unchunked: { useChunks: false },
      lz4: { chunkSize: 1024, compressChunk: (data: Uint8Array) => ({ compression: 'lz4', compressedData: lz4StoredFrame(data) }) },
      'no summary': { chunkSize: 1024, useSummaryOffsets: false, useStatistics: false, useChunkIndex: false, useMessageIndex: false, repeatSchemas: false, repeatChannels: false },
      'no statistics': { chunkSize: 1024, useStatistics: false },
    };
    for (const [name, options] of Object.entries(layouts)) {
      const file = path.join(dir, `${name.replace(' ', '_')}.mcap`);
      await writeMcap(file, topics, messages, options);
      const reader = await openBag(file, quiet);
      assert.equal(reader.summary().messageCount, 300, name);
      assert.equal(reader.summary().endNs, 299_001n, name);
      assert.deepEqual(texts(await collect(reader)), messages.map((_, i) => `message ${i}`), name);
      assert.equal((await collect(reader, { topics: ['/a'], startNs: 100_000n })).length, 100, name);
      reader.close();
    }
  });

  it('reads up to the damage of a truncated MCAP file, then names the file and the problem', async () => {
    const { topics, messages } = stringMessages(300);
    const whole = path.join(dir, 'whole.mcap');
    await writeMcap(whole, topics, messages, { chunkSize: 2048 });
    const bytes = fs.readFileSync(whole);
    const cut = path.join(dir, 'cut.mcap');
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.byteLength * 0.6)));
    const reader = await openBag(cut, quiet);
    const [problem] = reader.summary().problems ?? [];
    assert.match(problem ?? '', /cut\.mcap: record at byte \d+ .*claims \d+ bytes, but only \d+ follow/);
    const read: BagMessage[] = [];
    await assert.rejects(
      (async () => {
        for await (const m of reader.messages()) read.push(m);
      })(),
      (err: Error) => err instanceof InputError && err.message.includes('cut.mcap'),
    );
    assert.ok(read.length > 100 && read.length < 300, `${read.length} messages before the damage`);
    assert.equal(read.length, reader.summary().messageCount);
    assert.deepEqual(texts(read), messages.slice(0, read.length).map((_, i) => `message ${i}`));
    reader.close();
  });

  it('names the file and the compression when a chunk uses an unknown one', async () => {
    const { topics, messages } = stringMessages(10);
    const file = path.join(dir, 'odd.mcap');
    await writeMcap(file, topics, messages, { compressChunk: (data) => ({ compression: 'brotli', compressedData: data }) });
    const reader = await openBag(file, quiet);
    await assert.rejects(collect(reader), (err: Error) => err instanceof InputError && /odd\.mcap.*Unsupported compression brotli/.test(err.message));
    reader.close();
  });

  it('lists topics of unknown types and skips them with a warning', async () => {
    const { topics, messages } = stringMessages(4);
    const odd = { topic: '/odd', logTimeNs: 1500n, data: Uint8Array.from([0, 1, 0, 0, 42]) };
    writeSqliteBag(path.join(dir, 'odd.db3'), [...topics, { name: '/odd', type: 'foo_msgs/Bar' }], [...messages, odd]);
    const warnings: string[] = [];
    const reader = await openBag(path.join(dir, 'odd.db3'), { warn: (m) => warnings.push(m) });
    const odds = reader.topics().find((t) => t.name === '/odd');
    assert.deepEqual([odds?.type, odds?.decodable, odds?.messageCount], ['foo_msgs/msg/Bar', false, 1]);
    assert.equal((await collect(reader)).length, 4);
    assert.match(warnings.join('\n'), /\/odd: no definition of foo_msgs\/msg\/Bar.*skipping its 1 messages/);
    const raw = await collect(reader, { topics: ['/odd'], includeUndecodable: true });
    assert.deepEqual([...(raw[0]?.data ?? [])], [...odd.data]);
    assert.throws(() => raw[0]?.decoded(), (err: Error) => err instanceof InputError && /\/odd at 1500 ns/.test(err.message));
    reader.close();
  });

  it('opens WAL-mode files without creating -wal or -shm files', async () => {
    const { topics, messages } = stringMessages(8);
    const file = path.join(dir, 'wal.db3');
    writeSqliteBag(file, topics, messages, 'wal');
    assert.equal(fs.readFileSync(file)[18], 2, 'the file is in WAL mode');
    const reader = await openBag(file, quiet);
    assert.equal((await collect(reader)).length, 8);
    reader.close();
    assert.deepEqual(fs.readdirSync(dir), ['wal.db3']);
    // With SQLite URIs off (better-sqlite3 loaded elsewhere first), a private copy is read.
    const script = `require('./lnn_ros/bag/open').openBag(${JSON.stringify(file)}).then(async (r) => {
      let n = 0; for await (const m of r.messages()) n++; r.close(); console.log(n); })`;
    const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: path.join(__dirname, '..'), encoding: 'utf8', env: { ...process.env, SQLITE_USE_URI: '0', TMPDIR: dir },
    });
    assert.equal(child.stdout.trim(), '8', child.stderr);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => /-(wal|shm)$|^lnn-ros-db3-/.test(f)), [], 'no side files, and the copy is removed');
  });

  it('reads bags recorded with per-message zstd compression', async () => {
    await zstdLoaded;
    const { topics, messages } = stringMessages(12);
    writeSqliteBag(path.join(dir, 'z_0.db3'), topics, messages.map((m) => ({ ...m, data: zstdCompress(m.data) })));
    fs.writeFileSync(
      path.join(dir, 'metadata.yaml'),
      'rosbag2_bagfile_information:\n  version: 8\n  storage_identifier: sqlite3\n  relative_file_paths: [z_0.db3]\n  compression_format: zstd\n  compression_mode: MESSAGE\n',
    );
    const reader = await openBag(dir, quiet);
    assert.deepEqual(texts(await collect(reader)), messages.map((_, i) => `message ${i}`));
    reader.close();
  });

  it('rejects a missing storage file, an unknown compression and a non-bag file, naming them', async () => {
    fs.writeFileSync(path.join(dir, 'metadata.yaml'), 'rosbag2_bagfile_information:\n  version: 5\n  storage_identifier: sqlite3\n  relative_file_paths: [gone_0.db3]\n');
    await assert.rejects(openBag(dir, quiet), /metadata\.yaml: storage file 'gone_0\.db3' listed in relative_file_paths does not exist/);
    writeSqliteBag(path.join(dir, 'gone_0.db3'), [], []);
    fs.appendFileSync(path.join(dir, 'metadata.yaml'), '  compression_mode: MESSAGE\n  compression_format: lz5\n');
    await assert.rejects(openBag(dir, quiet), /metadata\.yaml: compression_format 'lz5' is unknown/);
    fs.writeFileSync(path.join(dir, 'notes.db3'), 'just text');
    await assert.rejects(openBag(path.join(dir, 'notes.db3'), quiet), /notes\.db3: neither a SQLite nor an MCAP file/);
    await assert.rejects(openBag(path.join(dir, 'nothing_here'), quiet), /nothing_here: no such file or directory/);
    fs.writeFileSync(path.join(dir, 'metadata.yaml'), 'rosbag2_bagfile_information: [1, 2]\n');
    await assert.rejects(openBag(dir, quiet), (err: Error) => err instanceof InputError && /metadata\.yaml: rosbag2_bagfile_information: missing or not a mapping/.test(err.message));
  });

  it('streams 100 MB+ bags (sqlite3 and MCAP) without holding them in memory', async function () {
    this.timeout(120_000);
    const payload = new Uint8Array(1 << 20).fill(7);
    const image = registry.encode('sensor_msgs/msg/Image', {
      header: { stamp: { sec: 0, nanosec: 0 }, frame_id: 'cam' }, height: 512, width: 2048, encoding: 'mono8', is_bigendian: 0, step: 2048, data: payload,
    });
    const topics = [{ name: '/cam', type: 'sensor_msgs/msg/Image' }];
    const messages = Array.from({ length: 160 }, (_, i) => ({ topic: '/cam', logTimeNs: BigInt(i) * 50_000_000n, data: image }));
    writeSqliteBag(path.join(dir, 'big.db3'), topics, messages);
    await writeMcap(path.join(dir, 'big.mcap'), topics, messages);
    for (const file of ['big.db3', 'big.mcap']) {
      const size = fs.statSync(path.join(dir, file)).size;
      assert.ok(size > 160e6, `${file} is ${size} bytes`);
      const baseline = process.memoryUsage().rss;
      let peak = 0;
      let count = 0;
      const reader = await openBag(path.join(dir, file), quiet);
      for await (const m of reader.messages()) {
        assert.equal((m.decoded() as { data: Uint8Array }).data.byteLength, 1 << 20);
        peak = Math.max(peak, process.memoryUsage().rss - baseline);
        count++;
      }
      reader.close();
      assert.equal(count, 160);
      assert.ok(peak < size / 2, `${file}: resident memory grew by ${(peak / 1e6).toFixed(0)} MB while reading ${(size / 1e6).toFixed(0)} MB`);
    }
  });
});

describe('compared with Python rosbags (independent reader)', function () {
  const python = process.env['LNN_ROS_PYTHON'] ?? 'python3';
  const dump = path.join(__dirname, 'rosbags_dump.py');

  before(function () {
    if (spawnSync(python, ['-c', 'import rosbags']).status !== 0) {
      console.warn(`      skipped: '${python}' cannot import rosbags (bash scripts/setup.sh installs it; LNN_ROS_PYTHON selects another interpreter)`);
      this.skip();
    }
  });

  for (const bag of realBags()) {
    it(`${bag.name}: same topics, counts, times, payloads and decoded values`, async function () {
      this.timeout(60_000);
      const reader = await openBag(bag.path, quiet);
      const summary = reader.summary();
      const theirs = execFileSync(python, [dump, ...summary.files], { maxBuffer: 256 << 20 })
        .toString()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { topic: string; type: string; t: string; raw: string; msg: unknown });
      const ours = await collect(reader, { includeUndecodable: true });
      reader.close();
      const key = (topic: string, t: string, raw: string): string => `${t.padStart(20, '0')} ${topic} ${raw}`;
      const ourKeys = ours.map((m) => key(m.topic, m.logTimeNs.toString(), Buffer.from(m.data).toString('base64')));
      assert.deepEqual([...ourKeys].sort(), theirs.map((m) => key(m.topic, m.t, m.raw)).sort(), 'topics, times and payloads');
      for (const topic of summary.topics) assert.equal(theirs.filter((m) => m.topic === topic.name).length, topic.messageCount, topic.name);
      let compared = 0;
      for (const their of theirs) {
        const our = ours[ourKeys.indexOf(key(their.topic, their.t, their.raw))] as BagMessage;
        assert.equal(our.type, their.type);
        if (their.msg === null) continue; // rosbags cannot decode it (service events)
        const diffs: string[] = [];
        compareTagged(our.decoded(), their.msg, `${their.topic}@${their.t}`, diffs);
        assert.deepEqual(diffs, []);
        compared++;
      }
      assert.ok(compared > 0, `${compared} of ${theirs.length} messages decoded by both`);
    });
  }
});

/** Compares a decoded message with rosbags_dump.py's tagged JSON; collects differences. */
function compareTagged(ours: unknown, theirs: unknown, at: string, diffs: string[]): void {
  const differ = (): void => {
    diffs.push(`${at}: ours ${String(ours)} vs rosbags ${JSON.stringify(theirs)}`);
  };
  if (theirs === null || typeof theirs !== 'object') {
    if (ours !== theirs) differ();
    return;
  }
  if (Array.isArray(theirs)) {
    const items = ours as ArrayLike<unknown> | undefined;
    if (!items || items.length !== theirs.length) return differ();
    theirs.forEach((t, i) => compareTagged(items[i], t, `${at}[${i}]`, diffs));
    return;
  }
  const tagged = theirs as Record<string, unknown>;
  if ('$int' in tagged || '$float' in tagged) {
    if (String(ours) !== (tagged['$int'] ?? tagged['$float'])) differ();
    return;
  }
  if ('$bytes' in tagged) {
    const view = ours as ArrayBufferView;
    if (!ArrayBuffer.isView(ours) || Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64') !== tagged['$bytes']) differ();
    return;
  }
  const fields = ours as Record<string, unknown>;
  if (typeof ours !== 'object' || ours === null || Object.keys(fields).join() !== Object.keys(tagged).join()) return differ();
  for (const k of Object.keys(tagged)) compareTagged(fields[k], tagged[k], `${at}.${k}`, diffs);
}
