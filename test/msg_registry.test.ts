import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from '@foxglove/rosmsg';
import { InputError } from '../lnn_ros/errors';
import { messageToJson, messageToPlain } from '../lnn_ros/msg/json';
import { normaliseTypeName, shortTypeName } from '../lnn_ros/msg/names';
import { MessageRegistry } from '../lnn_ros/msg/registry';

const registry = MessageRegistry.standard();
const OWN_MSG_DIR = path.join(__dirname, '..', 'msg');

const header = { stamp: { sec: 1700000000, nanosec: 123456789 }, frame_id: 'base_link' };

describe('message names', () => {
  it('normalises ROS 1 style and keeps full names', () => {
    assert.equal(normaliseTypeName('sensor_msgs/Image'), 'sensor_msgs/msg/Image');
    assert.equal(normaliseTypeName('sensor_msgs/msg/Image'), 'sensor_msgs/msg/Image');
    assert.equal(normaliseTypeName('test_msgs/srv/BasicTypes_Event'), 'test_msgs/srv/BasicTypes_Event');
    assert.equal(shortTypeName('std_msgs/msg/Header'), 'std_msgs/Header');
    for (const bad of ['', 'Image', 'a/b/c/d', 'pkg/9x', 'pkg//X']) assert.throws(() => normaliseTypeName(bad), InputError, bad);
  });
});

describe('MessageRegistry', () => {
  it('knows the common ROS 2 types, ours and ackermann_msgs, under both spellings', () => {
    for (const type of ['sensor_msgs/msg/Image', 'sensor_msgs/Imu', 'geometry_msgs/msg/Twist', 'rcl_interfaces/msg/Log', 'ackermann_msgs/msg/AckermannDrive',
      'ackermann_msgs/AckermannDriveStamped', 'lnn_ros/msg/PolicyState', 'lnn_ros/msg/ModelAnnouncement', 'lnn_ros/msg/TrainingProgress', 'service_msgs/msg/ServiceEventInfo']) {
      assert.ok(registry.has(type), type);
    }
    assert.equal(registry.has('foo_msgs/msg/Bar'), false);
    assert.deepEqual(
      registry.definition('ackermann_msgs/msg/AckermannDrive').definitions.map((f) => `${f.type} ${f.name}`),
      ['float32 steering_angle', 'float32 steering_angle_velocity', 'float32 speed', 'float32 acceleration', 'float32 jerk'],
    );
    assert.deepEqual(registry.definition('ackermann_msgs/msg/AckermannDriveStamped').definitions.map((f) => f.type), ['std_msgs/msg/Header', 'ackermann_msgs/msg/AckermannDrive']);
  });

  it('round-trips the package messages through CDR', () => {
    const samples: Record<string, unknown> = {
      'lnn_ros/msg/PolicyState': {
        header, model_id: 'ncp_cfc_1', cell_type: 'cfc', step: 12345678901234n, dt: 0.125,
        neuron_states: new Float32Array([0.5, -1.25, 3]), time_constants: new Float32Array([0.1, 2]), outputs: new Float32Array([0.25]), inference_latency: 0.0012,
      },
      'lnn_ros/msg/ModelAnnouncement': { header, model_dir: '/models/run_7', model_id: 'run_7', cell_type: 'ltc', epoch: 42, validation_loss: 0.125, metrics_path: '/models/run_7/metrics.json' },
      'lnn_ros/msg/TrainingProgress': {
        header, run_id: 'run_7', status: 1, epoch: 200, total_epochs: 200, step: 40000n, train_loss: 0.5, validation_loss: NaN, learning_rate: 0.001, elapsed: 3600.5, message: '',
      },
      'ackermann_msgs/msg/AckermannDriveStamped': { header, drive: { steering_angle: 0.25, steering_angle_velocity: 0, speed: 2.5, acceleration: 0, jerk: 0 } },
    };
    for (const [type, message] of Object.entries(samples)) {
      const bytes = registry.encode(type, message);
      assert.deepEqual([bytes[0], bytes[1]], [0, 1], 'little-endian CDR header');
      const back = registry.decode(type, bytes);
      assert.equal(messageToJson(back), messageToJson(message), type);
    }
  });

  it('caches readers and writers', () => {
    assert.equal(registry.reader('sensor_msgs/Image'), registry.reader('sensor_msgs/msg/Image'));
    assert.equal(registry.writer('std_msgs/msg/String'), registry.writer('std_msgs/String'));
  });

  it('writes schemas as rosbag2_storage_mcap does, and reads them back', () => {
    const text = registry.schemaText('ackermann_msgs/msg/AckermannDriveStamped');
    const sections = text.split(/^={80}$/m);
    assert.equal(sections.length, 4);
    assert.match(text, /^std_msgs\/Header header\nAckermannDrive drive\n/m);
    assert.deepEqual(sections.slice(1).map((s) => /^\nMSG: (\S+)\n/.exec(s)?.[1]), ['std_msgs/Header', 'builtin_interfaces/Time', 'ackermann_msgs/AckermannDrive']);
    // An independent parser accepts it, and a registry without common definitions decodes with it.
    assert.equal(parse(text, { ros2: true }).length, 4);
    const bare = new MessageRegistry();
    bare.addFromText('ackermann_msgs/msg/AckermannDriveStamped', text);
    const message = { header, drive: { steering_angle: -0.5, steering_angle_velocity: 1, speed: 3, acceleration: 0.5, jerk: 0 } };
    assert.equal(messageToJson(bare.decode('ackermann_msgs/msg/AckermannDriveStamped', registry.encode('ackermann_msgs/msg/AckermannDriveStamped', message))), messageToJson(message));
    for (const type of ['sensor_msgs/msg/Image', 'lnn_ros/msg/PolicyState', 'rcl_interfaces/msg/ParameterEvent', 'visualization_msgs/msg/MarkerArray']) {
      const copy = new MessageRegistry();
      copy.addFromText(type, registry.schemaText(type));
      assert.deepEqual(JSON.parse(JSON.stringify(copy.definitions(type))), JSON.parse(JSON.stringify(registry.definitions(type))), type);
    }
  });

  it('adds concatenated bag definitions with relative names, and reports differing layouts', () => {
    const child = registry.extend();
    const added = child.addFromText('demo_msgs/msg/Outer', 'Inner[2] pair\nstring label\n\n' + `${'='.repeat(80)}\nMSG: demo_msgs/Inner\nint16 a\nfloat64 b\n`);
    assert.deepEqual(added, { added: ['demo_msgs/msg/Outer', 'demo_msgs/msg/Inner'], differing: [] });
    assert.equal(registry.has('demo_msgs/msg/Outer'), false, 'the parent is untouched');
    const message = { pair: [{ a: -3, b: 0.5 }, { a: 7, b: -1 }], label: 'x' };
    assert.deepEqual(child.decode('demo_msgs/msg/Outer', child.encode('demo_msgs/msg/Outer', message)), message);
    assert.deepEqual(child.addFromText('std_msgs/msg/String', 'uint8 level\n'), { added: [], differing: ['std_msgs/msg/String'] });
    assert.deepEqual(child.definition('std_msgs/msg/String').definitions.map((f) => f.name), ['data'], 'the known layout is kept');
  });

  it('builds service event types from .srv text, as rosbag2 stores them', () => {
    const child = registry.extend();
    child.addFromText('demo_msgs/srv/AddTwo_Event', 'int64 a\nint64 b\n---\nint64 sum\n');
    const event = {
      info: { event_type: 2, stamp: { sec: 5, nanosec: 6 }, client_gid: new Uint8Array(16).fill(7), sequence_number: 3n },
      request: [],
      response: [{ sum: 42n }],
    };
    const back = child.decode('demo_msgs/srv/AddTwo_Event', child.encode('demo_msgs/srv/AddTwo_Event', event));
    assert.equal(messageToJson(back), messageToJson(event));
    assert.throws(() => child.addFromText('demo_msgs/msg/NotAService', 'int64 a\n---\nint64 b\n'), InputError);
  });

  it('rejects missing and recursive definitions with an InputError', () => {
    const child = registry.extend();
    child.addFromText('demo_msgs/msg/Loop', 'Loop[] children\n');
    assert.throws(() => child.reader('demo_msgs/msg/Loop'), /contains itself/);
    child.addFromText('demo_msgs/msg/Dangling', 'Missing m\n');
    assert.equal(child.has('demo_msgs/msg/Dangling'), false);
    assert.throws(() => child.decode('demo_msgs/msg/Dangling', new Uint8Array([0, 1, 0, 0])), /no definition of message type demo_msgs\/msg\/Missing/);
    assert.throws(() => child.addFromText('demo_msgs/msg/Bad', 'int32 x y z\n'), InputError);
  });

  it('turns damaged payloads into InputErrors, never reading past the message', () => {
    const bytes = registry.encode('std_msgs/msg/String', { data: 'hello' });
    assert.throws(() => registry.decode('std_msgs/msg/String', bytes.subarray(0, 3)), InputError);
    assert.throws(() => registry.decode('std_msgs/msg/String', Uint8Array.from([0, 0, ...bytes.subarray(2)])), /not a little-endian CDR kind/);
    // A string length that reaches into bytes after the message (same buffer) must fail.
    const framed = new Uint8Array(bytes.byteLength + 64).fill(0x41);
    framed.set(bytes);
    new DataView(framed.buffer).setUint32(4, 40, true);
    assert.throws(() => registry.decode('std_msgs/msg/String', framed.subarray(0, bytes.byteLength)), InputError);
    // A sequence length of 2^32-1 fails without allocating it.
    const image = registry.encode('sensor_msgs/msg/Image', { header, height: 1, width: 2, encoding: 'mono8', is_bigendian: 0, step: 2, data: new Uint8Array([1, 2]) });
    new DataView(image.buffer, image.byteOffset).setUint32(image.byteLength - 6, 0xffffffff, true);
    assert.throws(() => registry.decode('sensor_msgs/msg/Image', image), InputError);
  });

  it('ships package messages that follow rosidl naming rules', () => {
    const files = fs.readdirSync(OWN_MSG_DIR).filter((f) => f.endsWith('.msg'));
    assert.deepEqual(files.sort(), ['ModelAnnouncement.msg', 'PolicyState.msg', 'TrainingProgress.msg']);
    for (const file of files) {
      assert.match(file, /^[A-Z][A-Za-z0-9]*\.msg$/);
      for (const f of registry.definition(`lnn_ros/msg/${path.basename(file, '.msg')}`).definitions) {
        if (f.isConstant === true) assert.match(f.name, /^[A-Z][A-Z0-9_]*$/, `${file}: constant ${f.name}`);
        else assert.match(f.name, /^[a-z](?!.*__)[a-z0-9_]*[a-z0-9]$/, `${file}: field ${f.name}`);
      }
    }
    const state = registry.definition('lnn_ros/msg/PolicyState').definitions.map((f) => f.name);
    for (const name of ['header', 'neuron_states', 'time_constants', 'inference_latency']) assert.ok(state.includes(name), name);
  });
});

describe('message text output', () => {
  it('writes exact integers, base64 bytes and tagged non-finite floats in JSON', () => {
    const text = messageToJson({ a: 18446744073709551615n, b: new Uint8Array([1, 2, 255]), c: [NaN, Infinity, -Infinity, 0.5], d: new Float32Array([1.5]), e: 'x"y' });
    assert.equal(text, '{"a":18446744073709551615,"b":"AQL/","c":["NaN","Infinity","-Infinity",0.5],"d":[1.5],"e":"x\\"y"}');
    assert.deepEqual(messageToPlain({ v: new Uint8Array(5), s: 'abcdef' }, 3), { v: [0, 0, 0, '...'], s: 'abc...' });
  });
});
