/** The transport layer: in-process bus semantics, params files, and the rclnodejs adapter against a fake. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InProcessTransport } from '../lnn_ros/transport/in_process';
import { LogLevel } from '../lnn_ros/transport/logger';
import { applyOverrides, flattenParameters, loadNodeParameters, parseRosArgs } from '../lnn_ros/transport/params';
import { LATCHED, RELIABLE, SENSOR_DATA } from '../lnn_ros/transport/qos';
import { loadRclnodejs, RclnodejsApi, RclnodejsTransport } from '../lnn_ros/transport/rclnodejs_transport';
import { toRosTime } from '../lnn_ros/transport/types';

const settle = () => new Promise((r) => setImmediate(r));

function bus() {
  const logs: Array<[LogLevel, string, string]> = [];
  return { transport: new InProcessTransport({ log: (l, n, m) => logs.push([l, n, m]) }), logs };
}

describe('in-process transport', () => {
  it('delivers in order, asynchronously, to every matching subscriber', async () => {
    const { transport } = bus();
    const a = await transport.createNode('a');
    const b = await transport.createNode('b');
    const got: number[] = [];
    b.createSubscription<{ data: number }>('std_msgs/msg/Int32', '/n', RELIABLE, (m) => got.push(m.data));
    const pub = a.createPublisher<{ data: number }>('std_msgs/msg/Int32', '/n', RELIABLE);
    pub.publish({ data: 1 });
    pub.publish({ data: 2 });
    assert.deepEqual(got, [], 'not inside publish()');
    await settle();
    assert.deepEqual(got, [1, 2]);
  });

  it('keeps only the last `depth` messages of a slow keep_last reader', () => {
    const { transport } = bus();
    return (async () => {
      const n = await transport.createNode('n');
      const got: number[] = [];
      n.createSubscription<{ data: number }>('std_msgs/msg/Int32', '/s', SENSOR_DATA, (m) => got.push(m.data));
      const pub = n.createPublisher<{ data: number }>('std_msgs/msg/Int32', '/s', SENSOR_DATA);
      for (let i = 0; i < 8; i++) pub.publish({ data: i });
      transport.flush();
      assert.deepEqual(got, [3, 4, 5, 6, 7]);
    })();
  });

  it('does not connect a reliable reader to a best-effort writer, and says so', async () => {
    const { transport, logs } = bus();
    const n = await transport.createNode('n');
    const got: unknown[] = [];
    n.createPublisher('std_msgs/msg/Int32', '/q', SENSOR_DATA).publish({ data: 1 });
    n.createSubscription('std_msgs/msg/Int32', '/q', RELIABLE, (m) => got.push(m));
    n.createPublisher('std_msgs/msg/Int32', '/q', SENSOR_DATA).publish({ data: 2 });
    await settle();
    assert.deepEqual(got, []);
    assert.ok(logs.some(([l, , m]) => l === 'warn' && /\/q: requested QoS \(reliable, volatile\) is incompatible/.test(m)));
  });

  it('replays latched messages to late transient_local readers', async () => {
    const { transport } = bus();
    const n = await transport.createNode('n');
    n.createPublisher('std_msgs/msg/String', '/model', LATCHED).publish({ data: 'v1' });
    const got: unknown[] = [];
    n.createSubscription('std_msgs/msg/String', '/model', LATCHED, (m) => got.push(m));
    await settle();
    assert.deepEqual(got, [{ data: 'v1' }]);
  });

  it('rejects a second type on one topic', async () => {
    const { transport } = bus();
    const n = await transport.createNode('n');
    n.createPublisher('std_msgs/msg/String', '/t', RELIABLE);
    assert.throws(() => n.createSubscription('std_msgs/msg/Int32', '/t', RELIABLE, () => {}), /topic \/t carries std_msgs\/msg\/String, not std_msgs\/msg\/Int32/);
  });

  it('runs sim-time timers as /clock advances, in time order', async () => {
    const { transport } = bus();
    const node = await transport.createNode('n', { useSimTime: true });
    const clock = (await transport.createNode('sim')).createPublisher('rosgraph_msgs/msg/Clock', '/clock', RELIABLE);
    const fired: bigint[] = [];
    node.createTimer(0.1, () => fired.push(node.now()));
    for (let t = 50_000_000n; t <= 350_000_000n; t += 50_000_000n) clock.publish({ clock: toRosTime(t) });
    assert.deepEqual(fired, [100_000_000n, 200_000_000n, 300_000_000n]);
    assert.equal(node.now(), 350_000_000n);
    clock.publish({ clock: toRosTime(10_000_000_000n) });
    assert.deepEqual(fired.slice(3), [10_000_000_000n], 'a jump fires a late timer once');
    node.destroy();
    clock.publish({ clock: toRosTime(20_000_000_000n) });
    assert.equal(fired.length, 4, 'a destroyed node has no timers');
  });

  it('logs a throwing callback and keeps delivering', async () => {
    const { transport, logs } = bus();
    const n = await transport.createNode('n');
    const got: number[] = [];
    n.createSubscription<{ data: number }>('std_msgs/msg/Int32', '/e', RELIABLE, (m) => {
      if (m.data === 1) throw new Error('bad message');
      got.push(m.data);
    });
    const pub = n.createPublisher<{ data: number }>('std_msgs/msg/Int32', '/e', RELIABLE);
    [1, 2].forEach((data) => pub.publish({ data }));
    await settle();
    assert.deepEqual(got, [2]);
    assert.ok(logs.some(([l, , m]) => l === 'error' && /\/e callback failed: bad message/.test(m)));
  });
});

describe('ROS arguments and params files', () => {
  it('reads what ros2 launch passes', () => {
    const a = parseRosArgs(['--model', 'x', '--ros-args', '-r', '__node:=driver', '--params-file', '/p.yaml', '-p', 'use_sim_time:=true', '-p', 'limits.max_speed:=1.5']);
    assert.deepEqual(a, { paramsFiles: ['/p.yaml'], nodeName: 'driver', overrides: { use_sim_time: true, 'limits.max_speed': 1.5 }, rest: ['--model', 'x'] });
  });

  it('merges /** and the node section, and names a missing ros__parameters', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-params-')), 'p.yaml');
    fs.writeFileSync(file, '/**:\n  ros__parameters:\n    use_sim_time: true\ndrive_node:\n  ros__parameters:\n    camera: {topic: /cam}\n');
    const { params, file: source } = loadNodeParameters([file], 'drive_node');
    assert.deepEqual(params, { use_sim_time: true, camera: { topic: '/cam' } });
    assert.equal(source, file);
    assert.deepEqual(flattenParameters(applyOverrides(params, { 'camera.topic': '/other' })), [['use_sim_time', true], ['camera.topic', '/other']]);
    fs.writeFileSync(file, 'drive_node:\n  camera: {topic: /cam}\n');
    assert.throws(() => loadNodeParameters([file], 'drive_node'), /drive_node\.ros__parameters: missing/);
  });
});

/** A faithful stand-in for the part of rclnodejs the adapter calls (rclnodejs cannot load here). */
function fakeRclnodejs() {
  const calls: Array<[string, ...unknown[]]> = [];
  class QoS {
    static HistoryPolicy = { RMW_QOS_POLICY_HISTORY_SYSTEM_DEFAULT: 0, RMW_QOS_POLICY_HISTORY_KEEP_LAST: 1, RMW_QOS_POLICY_HISTORY_KEEP_ALL: 2 };
    static ReliabilityPolicy = { RMW_QOS_POLICY_RELIABILITY_SYSTEM_DEFAULT: 0, RMW_QOS_POLICY_RELIABILITY_RELIABLE: 1, RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT: 2 };
    static DurabilityPolicy = { RMW_QOS_POLICY_DURABILITY_SYSTEM_DEFAULT: 0, RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL: 1, RMW_QOS_POLICY_DURABILITY_VOLATILE: 2 };
    constructor(public history: number, public depth: number, public reliability: number, public durability: number) {}
  }
  class Parameter {
    constructor(public name: string, public type: number, public value: unknown) {}
  }
  class Node {
    constructor(public name: string) {
      calls.push(['Node', name]);
    }
    createPublisher(type: string, topic: string, options: { qos: QoS }) {
      calls.push(['createPublisher', type, topic, options.qos]);
      return { publish: (m: unknown) => calls.push(['publish', topic, m]) };
    }
    createSubscription(type: string, topic: string, options: { qos: QoS }, cb: (m: unknown) => void) {
      calls.push(['createSubscription', type, topic, options.qos]);
      return { topic, cb };
    }
    destroySubscription(s: unknown) {
      calls.push(['destroySubscription', s]);
    }
    createTimer(period: bigint) {
      if (typeof period !== 'bigint') throw new TypeError('period must be a bigint of nanoseconds');
      calls.push(['createTimer', period]);
      return { cancel: () => calls.push(['cancel']) };
    }
    now() {
      return { nanoseconds: 42n };
    }
    getLogger() {
      return { debug() {}, info() {}, warn() {}, error() {} };
    }
    declareParameter(p: Parameter) {
      calls.push(['declareParameter', p.name, p.type, p.value]);
    }
    setParameter(p: Parameter) {
      calls.push(['setParameter', p.name, p.type, p.value]);
    }
    destroy() {
      calls.push(['destroy']);
    }
  }
  const api: RclnodejsApi = {
    init: async (_ctx, argv) => void calls.push(['init', argv]),
    Node,
    QoS,
    Parameter,
    ParameterType: { PARAMETER_BOOL: 1, PARAMETER_INTEGER: 2, PARAMETER_DOUBLE: 3, PARAMETER_STRING: 4, PARAMETER_BOOL_ARRAY: 6, PARAMETER_INTEGER_ARRAY: 7, PARAMETER_DOUBLE_ARRAY: 8, PARAMETER_STRING_ARRAY: 9 },
    spin: (n) => void calls.push(['spin', (n as unknown as Node).name]),
    shutdown: () => void calls.push(['shutdown']),
  };
  return { api, calls };
}

describe('rclnodejs transport (against a fake rclnodejs)', () => {
  it('refuses to load rclnodejs without a sourced ROS 2', () => {
    assert.throws(() => loadRclnodejs({}), /needs a sourced ROS 2 \(AMENT_PREFIX_PATH and ROS_DISTRO are unset\)/);
  });

  it('maps QoS, message type names, timers, parameters and sim time', async () => {
    const { api, calls } = fakeRclnodejs();
    const transport = await RclnodejsTransport.create(['--ros-args', '--params-file', '/p.yaml'], api);
    const node = await transport.createNode('drive_node', {
      parameters: { camera: { topic: '/cam', enabled: true }, max_dt: 0.5, queue: 3, gains: [1.5, 2] },
      useSimTime: true,
    });
    node.createSubscription('sensor_msgs/msg/Imu', '/imu', SENSOR_DATA, () => {}).destroy();
    node.createPublisher('geometry_msgs/msg/Twist', '/cmd_vel', RELIABLE).publish({ linear: { x: 1 } });
    node.createTimer(0.05, () => {}).cancel();
    assert.equal(node.now(), 42n);
    transport.spin();
    await transport.shutdown();
    const by = (name: string) => calls.filter((c) => c[0] === name);
    assert.deepEqual(by('init'), [['init', ['--ros-args', '--params-file', '/p.yaml']]]);
    assert.deepEqual(by('createSubscription')[0].slice(1, 3), ['sensor_msgs/msg/Imu', '/imu']);
    assert.deepEqual({ ...(by('createSubscription')[0][3] as object) }, { history: 1, depth: 5, reliability: 2, durability: 2 });
    assert.deepEqual({ ...(by('createPublisher')[0][3] as object) }, { history: 1, depth: 10, reliability: 1, durability: 2 });
    assert.deepEqual(by('createTimer'), [['createTimer', 50_000_000n]]);
    assert.deepEqual(by('declareParameter'), [
      ['declareParameter', 'camera.topic', 4, '/cam'],
      ['declareParameter', 'camera.enabled', 1, true],
      ['declareParameter', 'max_dt', 3, 0.5],
      ['declareParameter', 'queue', 2, 3n],
      ['declareParameter', 'gains', 8, [1.5, 2]],
    ]);
    assert.deepEqual(by('setParameter'), [['setParameter', 'use_sim_time', 1, true]]);
    assert.equal(by('destroySubscription').length, 1);
    assert.deepEqual(by('spin'), [['spin', 'drive_node']]);
    assert.deepEqual(by('shutdown').length, 1);
  });
});

describe('layering', () => {
  it('only transport/rclnodejs_transport.ts mentions rclnodejs in a require or import', () => {
    const root = path.join(__dirname, '..', 'lnn_ros');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && /(require\(|from |import\()\s*['"]rclnodejs['"]/.test(fs.readFileSync(p, 'utf8'))) offenders.push(path.relative(root, p));
      }
    };
    walk(root);
    assert.deepEqual(offenders, ['transport/rclnodejs_transport.ts']);
  });
});
