/** The recorder on the simulator: every published message lands in the bag, in order, on sim time, readable by us and by Python. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openBag } from '../lnn_ros/bag/open';
import { main } from '../lnn_ros/cli/main';
import { MessageRegistry } from '../lnn_ros/msg/registry';
import { typeDescriptionHash } from '../lnn_ros/msg/type_hash';
import { Recorder } from '../lnn_ros/nodes/recorder';
import { Condition } from '../lnn_ros/sim/conditions';
import { ImageMsg, TYPES } from '../lnn_ros/sim/messages';
import { SimNode } from '../lnn_ros/sim/sim_node';
import { InProcessTransport } from '../lnn_ros/transport/in_process';
import { SENSOR_DATA } from '../lnn_ros/transport/qos';
import { fromRosTime } from '../lnn_ros/transport/types';
import { requirePython, runPython } from './python_peer';

const TOPICS = [
  { topic: '/clock', type: TYPES.clock },
  { topic: '/camera/image_raw', type: TYPES.image, offeredQos: SENSOR_DATA },
  { topic: '/imu/data', type: TYPES.imu, offeredQos: SENSOR_DATA },
  { topic: '/ground_truth/odom', type: TYPES.odometry },
  { topic: '/expert/cmd_vel', type: TYPES.twist },
];

describe('recorder', function () {
  this.timeout(120000);
  let bagDir: string;
  const published = new Map<string, number>();

  before(async () => {
    bagDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-rec-')), 'expert');
    const transport = new InProcessTransport({ log: () => {} });
    const sim = await SimNode.create(transport, { seed: 7, condition: Condition.named('summer'), driver: 'expert', steeringNoise: { std: 0.05, timeConstant: 0.5 } });
    // An independent count of what was published, to compare the bag with.
    const probe = await transport.createNode('probe');
    for (const t of TOPICS) {
      published.set(t.topic, 0);
      probe.createSubscription(t.type, t.topic, { ...SENSOR_DATA, history: 'keep_all' }, () => published.set(t.topic, published.get(t.topic)! + 1));
    }
    const node = await transport.createNode('recorder', { useSimTime: true });
    const recorder = await Recorder.start(node, bagDir, TOPICS);
    await sim.run(10);
    const metadata = await recorder.close();
    assert.equal(metadata.messageCount, [...published.values()].reduce((a, b) => a + b, 0));
    sim.destroy();
  });

  it('writes every published message, in order, with sim-time log times; frames decode', async () => {
    assert.equal(published.get('/camera/image_raw'), 200);
    assert.equal(published.get('/imu/data'), 1000);
    const bag = await openBag(bagDir);
    const summary = bag.summary();
    assert.equal(summary.storage, 'mcap');
    assert.deepEqual(Object.fromEntries(summary.topics.map((t) => [t.name, t.messageCount])), Object.fromEntries(published));
    assert.match(summary.topics.find((t) => t.name === '/imu/data')!.offeredQosProfiles!, /reliability: 2/);
    // Every recorded type is described, as rosbag2 (Iron and later) does it (see type_hash.test.ts).
    for (const t of summary.topics) assert.equal(t.typeDescriptionHash, typeDescriptionHash(MessageRegistry.standard(), t.type), t.name);
    let last = -1n;
    let frames = 0;
    for await (const m of bag.messages()) {
      assert.ok(m.logTimeNs >= last, 'log times never go back');
      last = m.logTimeNs;
      if (m.topic !== '/camera/image_raw') continue;
      const image = m.decoded() as ImageMsg;
      // Recorded when published: the log time is the frame's own sim-time stamp.
      assert.equal(fromRosTime(image.header.stamp), m.logTimeNs);
      assert.deepEqual([image.width, image.height, image.encoding, image.data.length], [200, 78, 'rgb8', 200 * 78 * 3]);
      frames++;
    }
    assert.equal(frames, 200);
    assert.ok(last <= 10_000_000_000n && last >= 9_990_000_000n, `last log time ${last}`);
    bag.close();
  });

  it('is read by Python (mcap + mcap_ros2) with the same counts', function () {
    requirePython(this, ['mcap', 'mcap_ros2']);
    const file = fs.readdirSync(bagDir).find((f) => f.endsWith('.mcap'))!;
    const counts = runPython<Record<string, number>>(
      `import sys, json, collections
from mcap.reader import make_reader
from mcap_ros2.decoder import DecoderFactory
counts = collections.Counter()
with open(sys.argv[1], 'rb') as f:
    for schema, channel, message, decoded in make_reader(f, decoder_factories=[DecoderFactory()]).iter_decoded_messages():
        if channel.topic == '/camera/image_raw':
            assert decoded.width * decoded.height * 3 == len(decoded.data)
        counts[channel.topic] += 1
print(json.dumps(counts))`,
      [path.join(bagDir, file)],
    );
    assert.deepEqual(counts, Object.fromEntries(published));
  });

  it('is read by Python rosbags as a rosbag2 bag directory (metadata.yaml + MCAP)', function () {
    requirePython(this, ['rosbags']);
    const counts = runPython<Record<string, number>>(
      `import sys, json, collections
from pathlib import Path
from rosbags.highlevel import AnyReader
counts = collections.Counter()
with AnyReader([Path(sys.argv[1])]) as reader:
    for connection, timestamp, raw in reader.messages():
        msg = reader.deserialize(raw, connection.msgtype)
        if connection.topic == '/camera/image_raw':
            assert msg.width * msg.height * 3 == len(msg.data)
        counts[connection.topic] += 1
print(json.dumps(counts))`,
      [bagDir],
    );
    assert.deepEqual(counts, Object.fromEntries(published));
  });

  it('lnn-ros record --sim records the simulator for a duration', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-rec-cli-')), 'sim');
    const code = await main(['record', '--sim', '--seed', '3', '--out', out, '--duration', '2', '--topic', '/imu/data:sensor_msgs/msg/Imu', '--topic', '/expert/cmd_vel:geometry_msgs/msg/Twist']);
    assert.equal(code, 0);
    const bag = await openBag(out);
    assert.deepEqual(Object.fromEntries(bag.topics().map((t) => [t.name, t.messageCount])), { '/imu/data': 200, '/expert/cmd_vel': 100 });
    bag.close();
  });

  it('record names what is missing', async () => {
    delete process.env.AMENT_PREFIX_PATH;
    await assert.rejects(main(['record', '--out', '/tmp/x', '--topic', '/a:std_msgs/msg/String']), /without a sourced ROS 2.*--sim/s);
    assert.equal(await main(['record', '--sim', '--out', '/tmp/x', '--topic', '/a']), 2);
  });
});
