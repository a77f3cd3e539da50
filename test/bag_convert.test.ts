import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { openBag } from '../lnn_ros/bag/open';
import { normaliseQosText } from '../lnn_ros/bag/qos';
import { McapBagWriter } from '../lnn_ros/bag/mcap_writer';
import { main } from '../lnn_ros/cli/main';

/** `lnn-ros bag convert …` through the real dispatcher (InputError: exit code 1; UsageError: 2). */
const run = (argv: string[]) => main(['bag', 'convert', ...argv]);
import { BAGS_DIR, realBags } from './bag_helpers';
import { requirePython, runPython } from './python_peer';

/** Every real bag: the rosbag2 test bags (directories) and the 2019 SQLite file without metadata.yaml. */
const INPUTS = realBags().map((b) => b.path);

/**
 * Reads input and output with Python only: input rows straight from SQLite (immutable) or through
 * the `mcap` reader; output through `mcap` and through `rosbags` (which also parses metadata.yaml).
 * Messages become "topic|log time|sha1 of the payload".
 */
const PY_COMPARE = String.raw`
import glob, hashlib, json, os, sqlite3, sys
from mcap.reader import make_reader
from rosbags.rosbag2 import Reader

def row(topic, t, data): return f'{topic}|{t}|{hashlib.sha1(bytes(data)).hexdigest()}'

def storage_files(path):
    if os.path.isfile(path): return [path]
    return sorted(glob.glob(os.path.join(path, '*.db3')) + glob.glob(os.path.join(path, '*.mcap')))

def read_input(path):
    rows, defs = [], {}
    for f in storage_files(path):
        if f.endswith('.db3'):
            c = sqlite3.connect(f'file:{f}?immutable=1', uri=True)
            rows += [row(n, t, d) for n, t, d in c.execute('SELECT topics.name, timestamp, data FROM messages JOIN topics ON topics.id = topic_id')]
            if c.execute("SELECT count(*) FROM sqlite_master WHERE name='message_definitions'").fetchone()[0]:
                defs.update({t: d for t, d in c.execute('SELECT topic_type, encoded_message_definition FROM message_definitions')})
        else:
            with open(f, 'rb') as fh:
                rd = make_reader(fh)
                rows += [row(ch.topic, m.log_time, m.data) for _, ch, m in rd.iter_messages()]
                defs.update({s.name: s.data.decode() for s in rd.get_summary().schemas.values()})
    return sorted(rows), defs

out = []
for src, dst in zip(sys.argv[1::2], sys.argv[2::2]):
    rows, defs = read_input(src)
    mcap_file = storage_files(dst)[0]
    with open(mcap_file, 'rb') as fh:
        rd = make_reader(fh)
        s = rd.get_summary()
        out_rows = sorted(row(ch.topic, m.log_time, m.data) for _, ch, m in rd.iter_messages())
        # SQLite bags file a service event's definition under the service type (no _Event).
        schemas = {x.name: [x.encoding, x.data.decode() == defs.get(x.name, defs.get(x.name.removesuffix('_Event')))] for x in s.schemas.values()}
        compression = sorted({c.compression for c in s.chunk_indexes})
        profile = rd.get_header().profile
    with Reader(dst) as r:
        rosbags_rows = sorted(row(c.topic, t, raw) for c, t, raw in r.messages())
        types = {c.topic: c.msgtype for c in r.connections}
    out.append({'src': src, 'in': rows, 'mcap': out_rows, 'rosbags': rosbags_rows, 'schemas': schemas, 'types': types, 'compression': compression, 'profile': profile})
print(json.dumps(out))
`;

interface Compared {
  src: string;
  in: string[];
  mcap: string[];
  rosbags: string[];
  schemas: Record<string, [string, boolean]>;
  types: Record<string, string>;
  compression: string[];
  profile: string;
}

describe('lnn-ros bag convert', function () {
  let tmp: string;
  let log: string[];
  const originalLog = console.log;
  const originalError = console.error;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-convert-'));
    log = [];
    console.log = console.error = (...a: unknown[]) => void log.push(a.join(' '));
  });
  afterEach(() => {
    console.log = originalLog;
    console.error = originalError;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('converts every real bag to MCAP with payloads byte for byte (checked by Python mcap and rosbags)', async function () {
    const pairs: string[] = [];
    for (const input of INPUTS) {
      const output = path.join(tmp, path.basename(input).replace(/\.db3$/, ''));
      assert.equal(await run([input, output, '--compression', 'zstd']), 0, `${input}: ${log.join('\n')}`);
      assert.deepEqual(fs.readdirSync(output).sort(), [`${path.basename(output)}_0.mcap`, 'metadata.yaml'].sort());
      pairs.push(input, output);
    }
    // metadata.yaml keeps each topic's offered QoS (in the v8 form) and type hash as the reader reports them.
    for (let i = 0; i < pairs.length; i += 2) {
      const reader = await openBag(pairs[i], { warn: () => undefined });
      const expected = Object.fromEntries(reader.topics().map((t) => [t.name, [normaliseQosText(t.offeredQosProfiles ?? ''), t.typeDescriptionHash ?? '', t.messageCount]]));
      reader.close();
      const written = parse(fs.readFileSync(path.join(pairs[i + 1], 'metadata.yaml'), 'utf8')).rosbag2_bagfile_information.topics_with_message_count;
      const actual = Object.fromEntries(
        written.map((t: { topic_metadata: Record<string, string>; message_count: number }) => [t.topic_metadata.name, [t.topic_metadata.offered_qos_profiles, t.topic_metadata.type_description_hash, t.message_count]]),
      );
      assert.deepEqual(actual, expected, pairs[i]);
    }
    requirePython(this, ['rosbags', 'mcap']);
    const compared = runPython<Compared[]>(PY_COMPARE, pairs);
    for (const c of compared) {
      assert.ok(c.in.length > 0, `${c.src} has messages`);
      assert.deepEqual(c.mcap, c.in, `${c.src}: MCAP payloads`);
      assert.deepEqual(c.rosbags, c.in, `${c.src}: rosbags payloads`);
      assert.equal(c.profile, 'ros2');
      assert.deepEqual(c.compression, c.in.length > 0 ? ['zstd'] : []);
      for (const [type, [encoding, sameAsInput]] of Object.entries(c.schemas)) {
        assert.equal(encoding, 'ros2msg', `${c.src}: ${type}`);
        // Definitions the input carries are copied verbatim (SQLite v4 and MCAP inputs).
        if (!c.src.endsWith('.db3')) assert.ok(sameAsInput, `${c.src}: ${type} definition`);
      }
    }
    const sample = compared.find((c) => c.src.endsWith('sample.db3'))!;
    assert.equal(sample.types['/image'], 'sensor_msgs/msg/Image', 'old type names normalised');
  });

  it('filters topics and writes a lone .mcap file', async function () {
    const input = path.join(BAGS_DIR, 'ros2_rosbag2/talker_sqlite3');
    const output = path.join(tmp, 'talker.mcap');
    assert.equal(await run([input, output, '--topics', '/topic']), 0, log.join('\n'));
    assert.deepEqual(fs.readdirSync(tmp), ['talker.mcap']);
    requirePython(this, ['mcap']);
    const topics = runPython<string[]>(
      String.raw`
import json, sys
from mcap.reader import make_reader
with open(sys.argv[1], 'rb') as f:
    print(json.dumps([c.topic for _, c, _ in make_reader(f).iter_messages()]))
`,
      [output],
    );
    assert.deepEqual(topics, new Array(10).fill('/topic'));
  });

  it('salvages a recording cut off mid-file: converts it up to the damage', async function () {
    const cut = path.join(tmp, 'cut.mcap');
    const w = await McapBagWriter.open(cut, { chunkSize: 512 });
    await w.addTopic({ name: '/n', type: 'std_msgs/msg/UInt32', definition: 'uint32 data\n' });
    for (let i = 0; i < 200; i++) await w.write('/n', BigInt(i) * 1_000_000n, new Uint8Array([0, 1, 0, 0, i, 0, 0, 0]));
    await w.close();
    fs.truncateSync(cut, Math.floor(fs.statSync(cut).size / 2));
    const output = path.join(tmp, 'fixed');
    assert.equal(await run([cut, output]), 1);
    assert.match(log.join('\n'), /the output holds the (\d+) messages before the damage/);
    const kept = Number(/holds the (\d+) messages/.exec(log.join('\n'))![1]);
    assert.ok(kept > 50 && kept < 200, `${kept} messages kept`);
    requirePython(this, ['rosbags']);
    const count = runPython<number>(
      String.raw`
import json, sys
from rosbags.rosbag2 import Reader
with Reader(sys.argv[1]) as r:
    print(json.dumps(sum(1 for _ in r.messages())))
`,
      [output],
    );
    assert.equal(count, kept);
  });

  it('reports bad arguments and inputs with an exit code and a message', async () => {
    const input = path.join(BAGS_DIR, 'ros2_rosbag2/talker_mcap');
    assert.equal(await run([input]), 2);
    assert.equal(await run([input, path.join(tmp, 'o'), '--compression', 'lz5']), 2);
    assert.equal(await run([input, path.join(tmp, 'o'), '--colour']), 2);
    assert.equal(await run([input, path.join(tmp, 'o'), '--topics', '/nope']), 1);
    assert.match(log.join('\n'), /no topic \/nope \(topics: .*\/topic/);
    assert.equal(await run([path.join(tmp, 'missing'), path.join(tmp, 'o2')]), 1);
    fs.writeFileSync(path.join(tmp, 'taken.mcap'), '');
    assert.equal(await run([input, path.join(tmp, 'taken.mcap')]), 1);
    assert.match(log.join('\n'), /taken\.mcap: exists and is not an MCAP file/);
  });
});
