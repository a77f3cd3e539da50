import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { McapBagWriter } from '../lnn_ros/bag/mcap_writer';
import { openBag } from '../lnn_ros/bag/open';
import { normaliseQosText, parseQosProfiles, SENSOR_DATA_QOS, serializeQosProfiles } from '../lnn_ros/bag/qos';
import { InputError } from '../lnn_ros/errors';
import { MessageRegistry } from '../lnn_ros/msg/registry';
import { BAGS_DIR } from './bag_helpers';
import { requirePython, runPython } from './python_peer';

const REAL_BAGS = path.join(BAGS_DIR, 'ros2_rosbag2');

/** A std_msgs/String payload built by hand, to check bytes pass through untouched. */
function rawString(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + bytes.length + 1);
  out.set([0, 1, 0, 0]);
  new DataView(out.buffer).setUint32(4, bytes.length + 1, true);
  out.set(bytes, 8);
  return out;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Key paths of a YAML document in order ("a.b", "a.c[0].d"), to compare layouts. */
function keyPaths(v: unknown, prefix = ''): string[] {
  if (Array.isArray(v)) return v.length === 0 ? [prefix + '[]'] : keyPaths(v[0], `${prefix}[0]`);
  if (v !== null && typeof v === 'object') {
    return Object.entries(v).flatMap(([k, child]) => [prefix + k, ...keyPaths(child, `${prefix}${k}.`)]);
  }
  return [];
}

const PY_READ = String.raw`
import json, sys
from rosbags.rosbag2 import Reader
from rosbags.typesys import Stores, get_typestore
from mcap.reader import make_reader
from mcap_ros2.decoder import DecoderFactory
bag, mcap_file = sys.argv[1], sys.argv[2]
store = get_typestore(Stores.ROS2_JAZZY)
out = {}
with Reader(bag) as r:
    out['rosbags'] = {
        'message_count': r.message_count, 'start': r.start_time,
        'connections': [{'topic': c.topic, 'type': c.msgtype, 'count': c.msgcount, 'qos': [q.reliability.value for q in c.ext.offered_qos_profiles]} for c in r.connections],
        'messages': [],
    }
    for c, t, raw in r.messages():
        m = {'topic': c.topic, 't': t, 'raw': raw.hex()}
        msg = store.deserialize_cdr(raw, c.msgtype)
        if c.msgtype == 'std_msgs/msg/String': m['data'] = msg.data
        if c.msgtype == 'sensor_msgs/msg/Imu': m['data'] = [msg.header.stamp.sec, msg.header.frame_id, msg.angular_velocity.z, msg.linear_acceleration.x]
        out['rosbags']['messages'].append(m)
with open(mcap_file, 'rb') as f:
    rd = make_reader(f, decoder_factories=[DecoderFactory()])
    s = rd.get_summary()
    out['mcap'] = {
        'profile': rd.get_header().profile,
        'schemas': [[x.name, x.encoding] for x in s.schemas.values()],
        'channels': [[c.topic, c.message_encoding, sorted(c.metadata.keys())] for c in s.channels.values()],
        'stats': [s.statistics.message_count, s.statistics.chunk_count, s.statistics.channel_count],
        'compression': sorted({c.compression for c in s.chunk_indexes}),
        'metadata': [m.name for m in rd.iter_metadata()],
        'decoded': [],
    }
    for schema, channel, message, decoded in rd.iter_decoded_messages():
        if channel.topic == '/imu': out['mcap']['decoded'].append([decoded.header.frame_id, decoded.angular_velocity.z])
print(json.dumps(out))
`;

describe('McapBagWriter', function () {
  let tmp: string;
  const registry = MessageRegistry.standard();

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-bagw-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function writeSample(output: string): Promise<{ raw: Uint8Array[] }> {
    const w = await McapBagWriter.open(output, { compression: 'zstd', chunkSize: 1024, codec: registry });
    await w.addTopic({ name: '/chatter', type: 'std_msgs/msg/String' });
    await w.addTopic({ name: '/imu', type: 'sensor_msgs/msg/Imu', offeredQos: [SENSOR_DATA_QOS] });
    await w.addTopic({ name: '/silent', type: 'std_msgs/msg/String' });
    const raw: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const t = 1_700_000_000_000_000_000n + BigInt(i) * 10_000_000n;
      if (i % 4 === 0) {
        raw.push(rawString(`raw ${i}`));
        await w.write('/chatter', t, raw[raw.length - 1]);
      }
      await w.writeObject('/imu', t, {
        header: { stamp: { sec: 100 + i, nanosec: 5 }, frame_id: 'imu_link' },
        orientation: { x: 0, y: 0, z: 0, w: 1 },
        orientation_covariance: new Array(9).fill(0),
        angular_velocity: { x: 0, y: 0, z: i / 8 },
        angular_velocity_covariance: new Array(9).fill(0),
        linear_acceleration: { x: 9.81, y: 0, z: 0 },
        linear_acceleration_covariance: new Array(9).fill(0),
      });
    }
    await w.close();
    return { raw };
  }

  it('writes a bag directory that rosbags and mcap (with its ros2msg decoder) read', async function () {
    requirePython(this, ['rosbags', 'mcap', 'mcap_ros2']);
    const bag = path.join(tmp, 'rec');
    const { raw } = await writeSample(bag);
    assert.deepEqual(fs.readdirSync(bag).sort(), ['metadata.yaml', 'rec_0.mcap']);
    type Out = {
      rosbags: { message_count: number; start: number; connections: { topic: string; type: string; count: number; qos: number[] }[]; messages: { topic: string; t: number; raw: string; data: unknown }[] };
      mcap: { profile: string; schemas: string[][]; channels: [string, string, string[]][]; stats: number[]; compression: string[]; metadata: string[]; decoded: [string, number][] };
    };
    const out = runPython<Out>(PY_READ, [bag, path.join(bag, 'rec_0.mcap')]);

    assert.equal(out.rosbags.message_count, 50);
    assert.deepEqual(
      out.rosbags.connections.map((c) => [c.topic, c.type, c.count, c.qos]),
      [['/chatter', 'std_msgs/msg/String', 10, [1]], ['/imu', 'sensor_msgs/msg/Imu', 40, [2]], ['/silent', 'std_msgs/msg/String', 0, [1]]],
    );
    const chatter = out.rosbags.messages.filter((m) => m.topic === '/chatter');
    assert.deepEqual(chatter.map((m) => m.raw), raw.map(hex), 'raw payloads byte for byte');
    assert.deepEqual(chatter.map((m) => m.data), raw.map((_, k) => `raw ${4 * k}`));
    const imu = out.rosbags.messages.filter((m) => m.topic === '/imu');
    assert.deepEqual(imu[3].data, [103, 'imu_link', 3 / 8, 9.81]);
    assert.equal(imu[3].t, 1_700_000_000_030_000_000);

    assert.equal(out.mcap.profile, 'ros2');
    assert.deepEqual(out.mcap.schemas, [['std_msgs/msg/String', 'ros2msg'], ['sensor_msgs/msg/Imu', 'ros2msg']]);
    for (const [, encoding, keys] of out.mcap.channels) {
      assert.equal(encoding, 'cdr');
      assert.deepEqual(keys, ['offered_qos_profiles', 'topic_type_hash']);
    }
    assert.equal(out.mcap.stats[0], 50);
    assert.ok(out.mcap.stats[1] > 3, `several chunks (got ${out.mcap.stats[1]})`);
    assert.deepEqual(out.mcap.compression, ['zstd']);
    assert.deepEqual(out.mcap.metadata, ['rosbag2']);
    // Decoded with the definition text stored in the file, by an independent ros2msg parser.
    assert.deepEqual(out.mcap.decoded[5], ['imu_link', 5 / 8]);
  });

  it('writes metadata.yaml with the key layout of a real rosbag2 (v8) bag', async () => {
    const bag = path.join(tmp, 'rec');
    await writeSample(bag);
    const ours = parse(fs.readFileSync(path.join(bag, 'metadata.yaml'), 'utf8'));
    const real = parse(fs.readFileSync(path.join(REAL_BAGS, 'bag_with_topics_and_service_events_mcap/metadata.yaml'), 'utf8'));
    assert.deepEqual(keyPaths(ours), keyPaths(real));
    const info = ours.rosbag2_bagfile_information;
    assert.equal(info.version, 8);
    assert.equal(info.storage_identifier, 'mcap');
    assert.equal(info.message_count, 50);
    assert.equal(info.duration.nanoseconds, 390_000_000);
    assert.equal(String(info.starting_time.nanoseconds_since_epoch), '1700000000000000000');
    assert.deepEqual(info.relative_file_paths, ['rec_0.mcap']);
    assert.equal(info.files[0].message_count, 50);
    assert.deepEqual(parseQosProfiles(info.topics_with_message_count[1].topic_metadata.offered_qos_profiles), [SENSOR_DATA_QOS]);
  });

  it('serialises offered QoS exactly as rosbag2 does, and reads the v9 list form', () => {
    let strings = 0;
    for (const dir of fs.readdirSync(REAL_BAGS)) {
      const file = path.join(REAL_BAGS, dir, 'metadata.yaml');
      if (!fs.existsSync(file)) continue;
      for (const t of parse(fs.readFileSync(file, 'utf8')).rosbag2_bagfile_information.topics_with_message_count) {
        const text: string = t.topic_metadata.offered_qos_profiles;
        assert.equal(serializeQosProfiles(parseQosProfiles(text)), text, `${dir} ${t.topic_metadata.name}`);
        strings++;
      }
    }
    assert.ok(strings >= 15, `checked ${strings} real QoS strings`);
    const v9 = '- history: keep_last\n  depth: 5\n  reliability: best_effort\n  durability: volatile\n  deadline: {sec: 9223372036, nsec: 854775807}\n  lifespan: {sec: 9223372036, nsec: 854775807}\n  liveliness: automatic\n  liveliness_lease_duration: {sec: 9223372036, nsec: 854775807}\n  avoid_ros_namespace_conventions: false';
    assert.equal(normaliseQosText(v9), serializeQosProfiles([SENSOR_DATA_QOS]));
  });

  it('writes a lone .mcap file when the output ends in .mcap, and never overwrites', async function () {
    const file = path.join(tmp, 'single.mcap');
    await writeSample(file);
    assert.deepEqual(fs.readdirSync(tmp), ['single.mcap']);
    await assert.rejects(McapBagWriter.open(file), /already exists/);
    fs.mkdirSync(path.join(tmp, 'full'));
    fs.writeFileSync(path.join(tmp, 'full', 'x'), '');
    await assert.rejects(McapBagWriter.open(path.join(tmp, 'full')), /not empty/);
    const reader = await openBag(file);
    try {
      assert.equal(reader.summary().messageCount, 50);
    } finally {
      reader.close();
    }
  });

  it('leaves a readable file up to the last complete chunk when the recorder is killed', async function () {
    this.timeout(30_000);
    const child = path.join(tmp, 'recorder.ts');
    const out = path.join(tmp, 'killed');
    fs.writeFileSync(
      child,
      `import { McapBagWriter } from ${JSON.stringify(path.resolve(__dirname, '../lnn_ros/bag/mcap_writer'))};
(async () => {
  const w = await McapBagWriter.open(process.argv[2], { compression: 'zstd', chunkSize: 4096 });
  await w.addTopic({ name: '/n', type: 'std_msgs/msg/UInt32', definition: 'uint32 data\\n' });
  const payload = (i: number) => { const b = new Uint8Array(208); b.set([0, 1, 0, 0]); new DataView(b.buffer).setUint32(4, i, true); return b; };
  let flushes = 0, safe = 0, i = 0;
  while (flushes < 5) {
    const before = w.bytesWritten;
    await w.write('/n', BigInt(i) * 1000000n, payload(i++));
    if (w.bytesWritten !== before) { flushes++; safe = i; }
  }
  for (let k = 0; k < 3; k++) await w.write('/n', BigInt(i) * 1000000n, payload(i++));
  process.stdout.write('safe ' + safe + '\\n');
  setInterval(() => undefined, 1000);
})();
`,
    );
    const proc = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', child, out], {
      cwd: path.resolve(__dirname, '..'),
      env: { ...process.env, TS_NODE_PROJECT: path.resolve(__dirname, '../tsconfig.json') },
    });
    const safe = await new Promise<number>((resolve, reject) => {
      let text = '';
      proc.stdout.on('data', (d) => {
        text += d;
        const m = /safe (\d+)/.exec(text);
        if (m) resolve(Number(m[1]));
      });
      proc.on('exit', (code) => reject(new Error(`recorder exited early (${code})`)));
    });
    proc.kill('SIGKILL');
    await new Promise((r) => proc.once('exit', r));
    const file = path.join(out, 'killed_0.mcap');
    assert.ok(!fs.existsSync(path.join(out, 'metadata.yaml')), 'no metadata.yaml: the recording never closed');

    // Our reader streams the footer-less file, then names the damage where it starts.
    const reader = await openBag(file);
    const ours: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const m of reader.messages()) ours.push(new DataView(m.data.buffer, m.data.byteOffset).getUint32(4, true));
      })(),
      (e: unknown) => e instanceof InputError && /truncated/.test(e.message),
    );
    reader.close();
    assert.deepEqual(ours, [...Array(safe).keys()]);

    requirePython(this, ['mcap']);
    const py = runPython<number[]>(
      String.raw`
import json, struct, sys
from mcap.stream_reader import StreamReader
from mcap.records import Message
from mcap.exceptions import EndOfFile
seen = []
try:
    with open(sys.argv[1], 'rb') as f:
        for r in StreamReader(f).records:
            if isinstance(r, Message): seen.append(struct.unpack_from('<I', r.data, 4)[0])
except EndOfFile:
    pass
print(json.dumps(seen))
`,
      [file],
    );
    assert.deepEqual(py, [...Array(safe).keys()]);
  });
});
