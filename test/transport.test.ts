/** The transport layer: in-process bus semantics, params files, and the rclnodejs adapter against a fake. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InProcessTransport } from '../lnn_ros/transport/in_process';
import { LogLevel } from '../lnn_ros/transport/logger';
import { nodeKeyMatches, resolveTopicName } from '../lnn_ros/transport/names';
import { flattenParameters, loadNodeParameters, parseRosArgs } from '../lnn_ros/transport/params';
import { LATCHED, RELIABLE, SENSOR_DATA } from '../lnn_ros/transport/qos';
import { loadRclnodejs, RclnodejsTransport } from '../lnn_ros/transport/rclnodejs_transport';
import { ParameterSpec, toRosTime } from '../lnn_ros/transport/types';
import { fakeRclnodejs } from './helpers/fake_rclnodejs';

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
  const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-params-'));
  const write = (d: string, name: string, text: string) => {
    fs.writeFileSync(path.join(d, name), text);
    return path.join(d, name);
  };

  it('reads what ros2 launch and ros2 run pass', () => {
    const a = parseRosArgs(['--managed', '--ros-args', '-r', '__node:=driver', '-r', '__ns:=/car1', '-r', 'cmd_vel:=/car1/drive', '--params-file', '/p.yaml', '-p', 'use_sim_time:=true', '-p', 'limits.max_speed:=1.5', '--log-level', 'debug', '--', '--other']);
    assert.deepEqual(a, {
      paramsFiles: ['/p.yaml'], nodeName: 'driver', namespace: '/car1', remaps: [{ node: undefined, from: 'cmd_vel', to: '/car1/drive' }],
      overrides: { use_sim_time: true, 'limits.max_speed': 1.5 }, rest: ['--managed', '--other'],
    });
    assert.throws(() => parseRosArgs(['--ros-args', '--params-file']), /--params-file expects a value/);
  });

  it('matches node sections by fully qualified name as rclcpp does', () => {
    const d = dir();
    const file = write(d, 'p.yaml', [
      '/**:\n  ros__parameters:\n    use_sim_time: true\n    a: global',
      'drive_node:\n  ros__parameters:\n    b: plain_name',
      '/car2/drive_node:\n  ros__parameters:\n    c: fqn',
      '/**/drive_node:\n  ros__parameters:\n    d: any_namespace',
      'car2:\n  drive_node:\n    ros__parameters:\n      e: nested',
      '/*/other_node:\n  ros__parameters:\n    f: other',
    ].join('\n'));
    assert.deepEqual(loadNodeParameters([file], '/drive_node').params, { use_sim_time: true, a: 'global', b: 'plain_name', d: 'any_namespace' });
    // In a namespace a plain `drive_node:` key no longer matches (rclcpp prepends / to it).
    assert.deepEqual(loadNodeParameters([file], '/car2/drive_node').params, { use_sim_time: true, a: 'global', c: 'fqn', d: 'any_namespace', e: 'nested' });
    assert.equal(nodeKeyMatches('/*/drive_node', '/a/b/drive_node'), false);
    assert.equal(nodeKeyMatches('/**/drive_node', '/a/b/drive_node'), true);
  });

  it('merges name by name: later files and then -p overrides win, nested mappings are dotted names', () => {
    const d = dir();
    const a = write(d, 'a.yaml', "drive_node:\n  ros__parameters:\n    policy: ../p\n    command:\n      topic: cmd\n      limits: {linear.x: {min: 0.0, max: 8.0}}\n");
    const b = write(d, 'b.yaml', '/**:\n  ros__parameters:\n    command: {topic: other}\n');
    const loaded = loadNodeParameters([a, b], '/drive_node', { 'command.limits.linear.x.max': 6 });
    assert.deepEqual(loaded.params, { policy: '../p', command: { topic: 'other', limits: { linear: { x: { min: 0, max: 6 } } } } });
    assert.equal(loaded.file, a, 'the file that names the node');
    assert.equal(loaded.sources.get('policy'), a);
    assert.equal(loaded.sources.get('command.topic'), b);
    assert.equal(loaded.sources.get('command.limits.linear.x.max'), undefined, 'a -p override');
    assert.deepEqual(flattenParameters(loaded.params).map(([n]) => n), ['policy', 'command.topic', 'command.limits.linear.x.min', 'command.limits.linear.x.max']);
    write(d, 'bad.yaml', 'drive_node:\n  camera: 3\n');
    assert.throws(() => loadNodeParameters([path.join(d, 'bad.yaml')], '/drive_node'), /bad\.yaml: drive_node\/camera: expected <node>: ros__parameters/);
  });
});

describe('topic names', () => {
  it('expand and remap as rcl does', () => {
    assert.equal(resolveTopicName('cmd_vel', '/car1', 'drive_node', []), '/car1/cmd_vel');
    assert.equal(resolveTopicName('/diagnostics', '/car1', 'drive_node', []), '/diagnostics');
    assert.equal(resolveTopicName('~/state', '/car1', 'drive_node', []), '/car1/drive_node/state');
    const rules = [{ from: 'cmd_vel', to: 'drive' }, { node: 'other', from: 'imu', to: 'x' }];
    assert.equal(resolveTopicName('cmd_vel', '/car1', 'drive_node', rules), '/car1/drive');
    assert.equal(resolveTopicName('imu', '/', 'drive_node', rules), '/imu', 'a rule for another node');
    assert.throws(() => resolveTopicName('2fast', '/', 'n', []), /invalid topic name '2fast'/);
  });

  it('put an in-process node and its topics in its namespace', async () => {
    const { transport } = bus();
    const a = await transport.createNode('a', { namespace: '/car1' });
    const pub = a.createPublisher('std_msgs/msg/Int32', 'n', RELIABLE);
    assert.equal(pub.topic, '/car1/n');
    const got: number[] = [];
    (await transport.createNode('b')).createSubscription<{ data: number }>('std_msgs/msg/Int32', '/car1/n', RELIABLE, (m) => got.push(m.data));
    pub.publish({ data: 3 });
    await settle();
    assert.deepEqual(got, [3]);
  });
});

const SPECS: ParameterSpec[] = [
  { name: 'use_sim_time', type: 'bool', value: true, description: 'sim time', readOnly: true },
  { name: 'camera.topic', type: 'string', value: '/cam', description: 'camera topic', readOnly: true },
  { name: 'max_dt', type: 'double', value: 1, description: 'max gap', readOnly: false, range: { from: 0, to: 5 } },
  { name: 'queue', type: 'integer', value: 3, description: 'queue', readOnly: false },
];

describe('rclnodejs transport (against a fake made after rclnodejs 2.2.0)', () => {
  afterEach(() => {
    for (const l of process.listeners('SIGINT')) if ((l as { fakeRcl?: boolean }).fakeRcl) process.removeListener('SIGINT', l);
  });

  it('refuses to load rclnodejs without a sourced ROS 2', () => {
    assert.throws(() => loadRclnodejs({}), /needs a sourced ROS 2 \(AMENT_PREFIX_PATH and ROS_DISTRO are unset\)/);
  });

  it('removes the SIGINT handler rclnodejs installs, so the stop path keeps its context', async () => {
    const fake = fakeRclnodejs();
    assert.ok(process.listeners('SIGINT').includes(fake.sigintHandler), 'the fake installs it on load, as rclnodejs does');
    await RclnodejsTransport.create([], fake.api);
    assert.ok(!process.listeners('SIGINT').includes(fake.sigintHandler));
  });

  it('gives node code a logger whose methods work unbound (rclnodejs reads `this`)', async () => {
    const fake = fakeRclnodejs();
    const transport = await RclnodejsTransport.create([], fake.api);
    const node = await transport.createNode('n');
    const raw = fake.nodes[0] as unknown as { getLogger(): { warn(m: string): void } };
    const rawWarn = raw.getLogger().warn;
    assert.throws(() => rawWarn('x'), /Cannot read properties of undefined/, 'the fake logger needs its this');
    for (const first of [true, false]) (first ? node.logger.warn : node.logger.debug)('dropped');
    assert.deepEqual(fake.logs, [['WARN', 'n', 'dropped'], ['DEBUG', 'n', 'dropped']]);
    await transport.shutdown();
  });

  it('maps QoS, names, timers; declares typed parameters with descriptors, ignoring rclnodejs overrides', async () => {
    const fake = fakeRclnodejs();
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-fake-'));
    // rclnodejs would apply this (plain node name) over our value: an integer where a double is declared.
    fs.writeFileSync(path.join(d, 'p.yaml'), 'drive_node:\n  ros__parameters:\n    max_dt: 2\n');
    const transport = await RclnodejsTransport.create(['--ros-args', '--params-file', path.join(d, 'p.yaml'), '-r', '__ns:=/car1'], fake.api);
    const node = await transport.createNode('drive_node', { parameters: SPECS, useSimTime: true, onParameterChange: () => null });
    assert.equal(node.namespace, '/car1');
    const sub = node.createSubscription('sensor_msgs/msg/Imu', 'imu', SENSOR_DATA, () => {});
    assert.equal(sub.topic, '/car1/imu');
    sub.destroy();
    node.createPublisher('geometry_msgs/msg/Twist', 'cmd_vel', RELIABLE).publish({ linear: { x: 1 } });
    node.createTimer(0.05, () => {}).cancel();
    assert.equal(node.now(), 42n);
    transport.spin();
    const by = (name: string) => fake.calls.filter((c) => c[0] === name);
    assert.deepEqual(by('createSubscription')[0].slice(1, 3), ['sensor_msgs/msg/Imu', '/car1/imu']);
    assert.deepEqual({ ...(by('createSubscription')[0][3] as object) }, { history: 1, depth: 5, reliability: 2, durability: 2 });
    assert.equal(by('createSubscription')[0][4], true, 'typed arrays for image data');
    assert.deepEqual(fake.published, [{ node: 'drive_node', topic: '/car1/cmd_vel', message: { linear: { x: 1 } } }]);
    assert.deepEqual(by('createTimer'), [['createTimer', 50_000_000n]]);
    assert.deepEqual(by('declareParameter').map((c) => c.slice(1, 6)), [
      ['use_sim_time', 1, false, 'no description', false],
      ['camera.topic', 4, '/cam', 'camera topic', true],
      ['max_dt', 3, 1, 'max gap', false],
      ['queue', 2, 3n, 'queue', false],
    ]);
    assert.equal(node.getParameter('use_sim_time'), true, 'set, not declared twice');
    assert.equal(node.getParameter('max_dt'), 1);
    await transport.shutdown();
    assert.equal(by('shutdown').length, 1);
  });

  it('passes run-time changes through the node handler, refusing read-only, wrong types and ranges with the reason', async () => {
    const fake = fakeRclnodejs();
    const transport = await RclnodejsTransport.create([], fake.api);
    const seen: unknown[] = [];
    const node = await transport.createNode('n', { parameters: SPECS, onParameterChange: (c) => (seen.push(c), c[0].value === 4 ? 'four is refused' : null) });
    assert.equal(node.setParameters([{ name: 'max_dt', value: 0.25 }]), null);
    assert.equal(node.getParameter('max_dt'), 0.25);
    assert.match(node.setParameters([{ name: 'camera.topic', value: '/x' }])!, /readonly/);
    assert.match(node.setParameters([{ name: 'max_dt', value: 9 }])!, /max_dt/);
    assert.match(node.setParameters([{ name: 'queue', value: 4 }])!, /four is refused/);
    assert.match(node.setParameters([{ name: 'nope', value: 1 }])!, /'nope' is not declared/);
    assert.equal(node.getParameter('queue'), 3);
    assert.deepEqual(seen, [[{ name: 'max_dt', value: 0.25 }], [{ name: 'queue', value: 4 }]]);
    await transport.shutdown();
  });

  it('runs a managed node through rclnodejs lifecycle transitions', async () => {
    const fake = fakeRclnodejs();
    const transport = await RclnodejsTransport.create([], fake.api);
    const trail: string[] = [];
    const step = (name: string, fail = false) => () => (trail.push(name), fail ? `${name} broke` : null);
    const node = await transport.createNode('m', {
      lifecycle: { onConfigure: step('configure'), onActivate: step('activate', true), onDeactivate: step('deactivate'), onCleanup: step('cleanup'), onShutdown: (from) => (trail.push(`shutdown from ${from}`), null) },
    });
    assert.equal(node.lifecycleState(), 'unconfigured');
    assert.equal(node.transition('configure'), null);
    assert.match(node.transition('activate')!, /activate failed/);
    assert.equal(node.lifecycleState(), 'inactive', 'a failed transition returns to where it started');
    assert.match(node.transition('deactivate')!, /No transition available/);
    assert.equal(node.transition('shutdown'), null);
    assert.deepEqual(trail, ['configure', 'activate', 'shutdown from inactive']);
    assert.ok(fake.logs.some(([level, , m]) => level === 'ERROR' && /activate failed: activate broke/.test(m)));
    await transport.shutdown();
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
