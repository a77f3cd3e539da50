/**
 * RIHS01 type description hashes: checked against what rosbag2 recorded in real bags, against
 * Jazzy hashes published elsewhere, against the Python `rosbags` typestore, and in the bags
 * McapBagWriter writes.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { McapBagWriter } from '../lnn_ros/bag/mcap_writer';
import { openBag } from '../lnn_ros/bag/open';
import { InputError } from '../lnn_ros/errors';
import { MessageRegistry } from '../lnn_ros/msg/registry';
import { typeDescription, typeDescriptionHash } from '../lnn_ros/msg/type_hash';
import { BAGS_DIR, tempDir } from './bag_helpers';
import { requirePython, runPython } from './python_peer';

const standard = MessageRegistry.standard();

/** What rosbag2 (Jazzy) wrote as `type_description_hash` into the metadata.yaml of the real bags. */
const REAL_BAG_HASHES: Record<string, string> = {
  'test_msgs/msg/Strings': 'RIHS01_eee55533636293ac7c94c62432eedb5777eb849847d2a17b4dcead8c4a20ab32',
  'rosbag2_interfaces/msg/WriteSplitEvent': 'RIHS01_5ef58f7106a5cff8f5a794028c18117ee21015850ddcc567df449f41932960f8',
  'test_msgs/srv/BasicTypes_Event': 'RIHS01_5b9988a4805a06ae22dff12903a774ccda710e9514926b826ffc884e3a9a982e',
};

const IMU_HASH = 'RIHS01_7d9a00ff131080897a5ec7e26e315954b8eae3353c3f995c55faf71574000b5b';
const STRING_HASH = 'RIHS01_df668c740482bbd48fb39d76a70dfd4bd59db1288021743503259e948f6b1a18';

/** Jazzy hashes published by others; where each comes from is next to it. */
const PUBLISHED: Record<string, string> = {
  // ros2/rmw_zenoh docs/design.md: key expressions of demo_nodes_cpp's talker on `chatter`.
  'std_msgs/msg/String': STRING_HASH,
  // ros2/ros2_documentation, Tutorials/Beginner-CLI-Tools/Understanding-ROS2-Topics:
  // `ros2 topic info /turtle1/cmd_vel --verbose`, "Topic type hash" line.
  'geometry_msgs/msg/Twist': 'RIHS01_9c45bf16fe0983d80e3cfe750d6835843d265a9a6c46bd2e609fcddde6fb8d2a',
  // ros-perception/image_pipeline image_pipeline/doc/tutorials.rst ("Using QoS Overrides"):
  // `ros2 topic info /camera/image_raw -v`.
  'sensor_msgs/msg/Image': 'RIHS01_d31d41a9a4c4bc8eae9be757b0beed306564f7526c88ea6a4588fb9582527d47',
  // ZettaScaleLabs/ros-z crates/ros-z-codegen/tests/hash_regression.rs (Jazzy definitions, checked
  // there against rmw_zenoh_cpp): Imu, Header, TwistStamped, PoseStamped, Odometry.
  'sensor_msgs/msg/Imu': IMU_HASH,
  'std_msgs/msg/Header': 'RIHS01_f49fb3ae2cf070f793645ff749683ac6b06203e41c891e17701b1cb597ce6a01',
  'geometry_msgs/msg/TwistStamped': 'RIHS01_5f0fcd4f81d5d06ad9b4c4c63e3ea51b82d6ae4d0558f1d475229b1121db6f64',
  'geometry_msgs/msg/PoseStamped': 'RIHS01_10f3786d7d40fd2b54367835614bff85d4ad3b5dab62bf8bca0cc232d73b4cd8',
  'nav_msgs/msg/Odometry': 'RIHS01_3cc97dc7fb7502f8714462c526d369e35b603cfc34d946e3f2eda2766dfec6e0',
  // rosbags' own test suite (test_rihs01): a `byte` field, from the common definitions' .msg text.
  'std_msgs/msg/Byte': 'RIHS01_41e1a3345f73fe93ede006da826a6ee274af23dd4653976ff249b0f44e3e798f',
};

/**
 * Types with a `char` field, which rosbags describes as FIELD_TYPE_CHAR while rosidl (and so
 * ROS 2) makes a .msg `char` a uint8: the real BasicTypes_Event hash, whose request and response
 * have a `char` field, agrees with rosidl.
 */
const ROSBAGS_CHAR_DEVIATIONS = ['service_msgs/msg/ServiceEventInfo', 'std_msgs/msg/Char'];

/** The hash of `text` as the definition of `type`, in a child registry of its own. */
function demoHash(text: string, type = 'demo_msgs/msg/T'): string {
  const registry = standard.extend();
  registry.addFromText(type, text);
  return typeDescriptionHash(registry, type);
}

describe('type description hash (RIHS01)', () => {
  it('matches what rosbag2 recorded in the real bags, from the definitions they carry', async () => {
    const checked = new Set<string>();
    for (const dir of ['bag_with_topics_and_service_events_mcap', 'bag_with_topics_and_service_events_sqlite3']) {
      const bag = await openBag(path.join(BAGS_DIR, 'ros2_rosbag2', dir), { warn: () => undefined });
      try {
        for (const t of bag.topics()) {
          const registry = standard.extend();
          registry.addFromText(t.type, t.definition ?? '');
          assert.equal(t.typeDescriptionHash, REAL_BAG_HASHES[t.type], `${dir} ${t.name}: recorded hash`);
          assert.equal(typeDescriptionHash(registry, t.type), REAL_BAG_HASHES[t.type], `${dir} ${t.name}`);
          checked.add(t.type);
        }
      } finally {
        bag.close();
      }
    }
    assert.deepEqual([...checked].sort(), Object.keys(REAL_BAG_HASHES).sort());
  });

  it('matches published Jazzy hashes of common types', () => {
    for (const [type, hash] of Object.entries(PUBLISHED)) assert.equal(typeDescriptionHash(standard, type), hash, type);
    assert.equal(typeDescriptionHash(standard, 'sensor_msgs/Imu'), IMU_HASH, 'ROS 1 style name');
  });

  it('describes fields with the FieldType ids and capacities of rosidl', () => {
    const registry = standard.extend();
    registry.addFromText('demo_msgs/msg/Outer', 'string<=5 s\nstring<=5[3] a\nint32[<=4] b\nInner[] c\nwstring w\nfloat64[2] d\nbuiltin_interfaces/Time t\n');
    registry.addFromText('demo_msgs/msg/Inner', 'bool x\n');
    const d = typeDescription(registry, 'demo_msgs/msg/Outer');
    assert.deepEqual(
      d.type_description.fields.map((f) => [f.name, f.type.type_id, f.type.capacity, f.type.string_capacity, f.type.nested_type_name]),
      [['s', 21, 0, 5, ''], ['a', 69, 3, 5, ''], ['b', 102, 4, 0, ''], ['c', 145, 0, 0, 'demo_msgs/msg/Inner'], ['w', 18, 0, 0, ''], ['d', 59, 2, 0, ''], ['t', 1, 0, 0, 'builtin_interfaces/msg/Time']],
    );
    assert.deepEqual(d.referenced_type_descriptions.map((r) => r.type_name), ['builtin_interfaces/msg/Time', 'demo_msgs/msg/Inner'], 'sorted by name');
  });

  it('tells byte from uint8, makes char a uint8, ignores constants and defaults, and fills empty structs', () => {
    assert.notEqual(demoHash('byte data\n'), demoHash('uint8 data\n'));
    assert.equal(demoHash('byte[] data\n'), demoHash('byte[] data # comment\n'));
    assert.equal(demoHash('char data\n'), demoHash('uint8 data\n'));
    assert.equal(demoHash('byte LEVEL=1\nuint8 data 7\n'), demoHash('uint8 data\n'));
    assert.equal(demoHash('uint8 ONLY=1\n'), demoHash('uint8 structure_needs_at_least_one_member\n'));
    assert.notEqual(demoHash('string<=5 s\n'), demoHash('string s\n'));
  });

  it('names the missing type in an InputError', () => {
    const registry = standard.extend();
    registry.addFromText('demo_msgs/msg/Dangling', 'Middle m\n');
    registry.addFromText('demo_msgs/msg/Middle', 'Missing x\n');
    assert.throws(() => typeDescriptionHash(registry, 'demo_msgs/msg/Dangling'), (e: unknown) => e instanceof InputError && /demo_msgs\/msg\/Missing .*needed by demo_msgs\/msg\/Middle/.test(e.message));
    assert.throws(() => typeDescriptionHash(registry, 'foo_msgs/msg/Bar'), (e: unknown) => e instanceof InputError && /foo_msgs\/msg\/Bar/.test(e.message));
  });

  it('agrees with the rosbags typestore (Python peer) on the common Jazzy types', function () {
    requirePython(this, ['rosbags']);
    const types = standard.types();
    const peer = runPython<Record<string, string>>(
      String.raw`
import json, sys
from rosbags.typesys import Stores, get_typestore
store = get_typestore(Stores.ROS2_JAZZY)
print(json.dumps({t: store.hash_rihs01(t) for t in sys.argv[1:] if t in store.fielddefs}))
`,
      types,
    );
    const compared = types.filter((t) => peer[t] !== undefined && !ROSBAGS_CHAR_DEVIATIONS.includes(t));
    assert.ok(compared.length >= 140, `compared ${compared.length} types`);
    for (const t of compared) assert.equal(typeDescriptionHash(standard, t), peer[t], t);
  });

  describe('in the bags McapBagWriter writes', function () {
    let tmp: string;
    let bag: string;
    const custom = 'byte level\nstring<=8 name\n';

    before(async () => {
      tmp = tempDir('type-hash');
      bag = path.join(tmp, 'rec');
      const w = await McapBagWriter.open(bag, { codec: standard });
      await w.addTopic({ name: '/imu', type: 'sensor_msgs/msg/Imu' });
      await w.addTopic({ name: '/chatter', type: 'std_msgs/String' });
      await w.addTopic({ name: '/custom', type: 'demo_msgs/msg/Custom', definition: custom });
      await w.addTopic({ name: '/given', type: 'std_msgs/msg/String', typeDescriptionHash: '' });
      await w.write('/chatter', 1n, standard.encode('std_msgs/msg/String', { data: 'hi' }));
      await w.close();
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    const expected = (): Record<string, string> => ({ '/imu': IMU_HASH, '/chatter': STRING_HASH, '/custom': demoHash(custom, 'demo_msgs/msg/Custom'), '/given': '' });

    it('puts the hash into metadata.yaml and the MCAP channel metadata', async () => {
      const meta = parse(fs.readFileSync(path.join(bag, 'metadata.yaml'), 'utf8')).rosbag2_bagfile_information;
      const inYaml = Object.fromEntries(meta.topics_with_message_count.map((t: { topic_metadata: Record<string, string> }) => [t.topic_metadata.name, t.topic_metadata.type_description_hash]));
      assert.deepEqual(inYaml, expected());
      const reader = await openBag(path.join(bag, 'rec_0.mcap'));
      try {
        assert.deepEqual(Object.fromEntries(reader.topics().map((t) => [t.name, t.typeDescriptionHash ?? ''])), expected());
      } finally {
        reader.close();
      }
    });

    it('is read back by Python mcap (channel metadata) and rosbags (metadata.yaml)', function () {
      requirePython(this, ['rosbags', 'mcap']);
      const out = runPython<{ mcap: Record<string, string>; rosbags: Record<string, string> }>(
        String.raw`
import json, sys
from mcap.reader import make_reader
from rosbags.rosbag2 import Reader
with open(sys.argv[2], 'rb') as f:
    channels = {c.topic: c.metadata.get('topic_type_hash') for c in make_reader(f).get_summary().channels.values()}
with Reader(sys.argv[1]) as r:
    digests = {c.topic: c.digest for c in r.connections}
print(json.dumps({'mcap': channels, 'rosbags': digests}))
`,
        [bag, path.join(bag, 'rec_0.mcap')],
      );
      assert.deepEqual(out.mcap, expected());
      assert.deepEqual(out.rosbags, expected());
    });

    it('writes "" for a type the registry cannot describe', async () => {
      const file = path.join(tmp, 'unknown.mcap');
      const w = await McapBagWriter.open(file, { codec: standard, warn: () => undefined });
      await w.addTopic({ name: '/unknown', type: 'foo_msgs/msg/Bar' });
      await w.addTopic({ name: '/dangling', type: 'demo_msgs/msg/Dangling', definition: 'foo_msgs/Bar b\n' });
      const meta = await w.close();
      assert.deepEqual(meta.topics.map((t) => [t.name, t.typeDescriptionHash]), [['/unknown', ''], ['/dangling', '']]);
    });
  });
});
