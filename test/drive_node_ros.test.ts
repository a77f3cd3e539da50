/**
 * drive_node as a ROS 2 node (in-process transport) with the shipped camera + IMU demo policy:
 * per-frame input checks, per-input staleness, diagnostics levels, PolicyState after a reload,
 * run-time parameter changes and the managed (lifecycle) flavour.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PolicyRunner } from '../lnn_ros/model/policy_runner';
import { DriveNode } from '../lnn_ros/nodes/drive_node';
import { imageMsg, imuMsg } from '../lnn_ros/sim/messages';
import { InProcessTransport } from '../lnn_ros/transport/in_process';
import { LATCHED, RELIABLE, SENSOR_DATA } from '../lnn_ros/transport/qos';
import { toRosTime } from '../lnn_ros/transport/types';
import { useBackend } from './helpers/tf';

const DEMO = path.join(__dirname, '..', 'models', 'demo_policy');
const STEP_NS = 50_000_000; // 20 Hz frames

interface Status {
  level: number;
  message: string;
  values: Array<{ key: string; value: string }>;
}
interface Twist {
  linear: { x: number };
  angular: { z: number };
}

async function setup(params: Record<string, unknown> = {}, options: { managed?: boolean } = {}) {
  const logs: string[] = [];
  const transport = new InProcessTransport({ log: (level, node, m) => logs.push(`${level} ${node} ${m}`) });
  const drive = await DriveNode.start(
    transport,
    {
      params: {
        use_sim_time: true, policy: DEMO, step_on: 'camera',
        command: { limits: { 'linear.x': { min: 0, max: 8, max_rate: 100 }, 'angular.z': { min: -1, max: 1 } } },
        watchdog: { timeout: 0.3, period: 0.05 }, diagnostics: { period: 0.1 }, policy_state: { rate: 100 }, ...params,
      },
    },
    options,
  );
  const sim = await transport.createNode('world', { useSimTime: true });
  const clock = sim.createPublisher('rosgraph_msgs/msg/Clock', '/clock', RELIABLE);
  const camera = sim.createPublisher<unknown>('sensor_msgs/msg/Image', '/camera/image_raw', SENSOR_DATA);
  const imu = sim.createPublisher<unknown>('sensor_msgs/msg/Imu', '/imu/data', SENSOR_DATA);
  const announce = sim.createPublisher('lnn_ros/msg/ModelAnnouncement', '/lnn/model', LATCHED);
  const commands: Twist[] = [];
  const statuses: Status[] = [];
  const states: Array<{ model_id: string; inference_latency: number }> = [];
  sim.createSubscription<Twist>('geometry_msgs/msg/Twist', '/cmd_vel', RELIABLE, (m) => commands.push(m));
  sim.createSubscription<{ status: Status[] }>('diagnostic_msgs/msg/DiagnosticArray', '/diagnostics', RELIABLE, (m) => statuses.push(m.status[0]));
  sim.createSubscription<{ model_id: string; inference_latency: number }>('lnn_ros/msg/PolicyState', '/lnn/policy_state', RELIABLE, (m) => states.push(m));
  let t = 1_000_000_000;
  const gray = (w: number, h: number) => new Uint8Array(w * h * 3).fill(128);
  /** One 50 ms tick: clock, an IMU message (yaw rate `yaw`, or a message `imuOverride` makes), and a frame (`frame` or a 200×78 one). */
  const tick = (o: { yaw?: number; imu?: unknown | null; frame?: unknown | null } = {}) => {
    t += STEP_NS;
    clock.publish({ clock: toRosTime(BigInt(t)) });
    if (o.imu !== null) imu.publish(o.imu ?? imuMsg(t, 'imu', { gyro: Float64Array.of(0, 0, o.yaw ?? 0.01), accel: Float64Array.of(0, 0, 9.8) }, 0, 0));
    if (o.frame !== null) camera.publish(o.frame ?? imageMsg(t, 'camera', 200, 78, gray(200, 78)));
    transport.flush();
  };
  return { transport, drive, tick, commands, statuses, states, logs, announce, now: () => t, gray };
}

const stop = (c: Twist) => c.linear.x === 0 && c.angular.z === 0;

describe('drive_node as a ROS 2 node', function () {
  this.timeout(60000);
  before(() => useBackend());

  it('judges every frame on its own: a bad or differently sized first frame fixes nothing', async () => {
    const s = await setup();
    s.tick();
    s.tick({ frame: { ...imageMsg(s.now(), 'camera', 2, 2, new Uint8Array(4)), encoding: 'mono8', step: 2 } });
    s.tick({ frame: { ...imageMsg(s.now(), 'camera', 200, 78, s.gray(200, 78)), width: NaN } });
    s.tick({ frame: imageMsg(s.now(), 'camera', 640, 480, s.gray(640, 480)) });
    const before = s.drive.counters.steps;
    for (let i = 0; i < 5; i++) s.tick();
    assert.equal(s.drive.counters.steps, before + 5, 'every later 200×78 frame steps');
    assert.ok(s.drive.counters.dropped.malformed >= 1, 'the NaN-width frame is dropped as malformed');
    assert.ok(s.logs.some((l) => /Image\.width = NaN is not a whole number/.test(l)));
    s.drive.stop();
  });

  it('publishes stop and reports ERROR naming the input when the IMU goes NaN or silent while frames keep coming', async () => {
    for (const imu of [null, 'nan'] as const) {
      const s = await setup();
      for (let i = 0; i < 10; i++) s.tick();
      assert.ok(s.commands.slice(-3).every((c) => c.linear.x > 0), 'driving');
      const nan = () => ({ ...imuMsg(s.now(), 'imu', { gyro: Float64Array.of(0, 0, NaN), accel: Float64Array.of(0, 0, 9.8) }, 0, 0) });
      for (let i = 0; i < 20; i++) s.tick({ imu: imu === null ? null : nan() });
      // Within the input timeout (0.3 s) plus a watchdog period the commands are stop, and stay so.
      assert.ok(s.commands.slice(-10).every(stop), `${imu ?? 'silent'} IMU: last commands ${JSON.stringify(s.commands.slice(-3))}`);
      const last = s.statuses[s.statuses.length - 1];
      assert.equal(last.level, 2);
      assert.match(last.message, /stale input: imu \(no valid message for/);
      for (let i = 0; i < 10; i++) s.tick();
      assert.ok(s.commands.slice(-3).every((c) => c.linear.x > 0), 'fresh IMU: driving again');
      assert.equal(s.statuses[s.statuses.length - 1].level, 0);
      s.drive.stop();
    }
  });

  it('counts an IMU value beyond float32 range and unconvertible fields as dropped, naming the field', async () => {
    const s = await setup();
    s.tick();
    const huge = imuMsg(s.now(), 'imu', { gyro: Float64Array.of(0, 0, 1e39), accel: Float64Array.of(0, 0, 9.8) }, 0, 0);
    for (let i = 0; i < 5; i++) s.tick({ imu: { ...huge, header: imuMsg(s.now() + STEP_NS, 'imu', { gyro: new Float64Array(3), accel: new Float64Array(3) }, 0, 0).header } });
    s.tick({ imu: { ...imuMsg(s.now(), 'imu', { gyro: new Float64Array(3), accel: new Float64Array(3) }, 0, 0), header: { stamp: { sec: 1.5, nanosec: 0 }, frame_id: '' } } });
    const noData = { ...imageMsg(s.now(), 'camera', 200, 78, s.gray(200, 78)) } as Partial<ReturnType<typeof imageMsg>>;
    delete noData.data;
    s.tick({ frame: noData });
    assert.equal(s.drive.counters.dropped['non-finite value'], 5);
    assert.ok(s.drive.counters.dropped.malformed >= 2);
    assert.ok(!s.logs.some((l) => /^error/.test(l)), `no error logs: ${s.logs.filter((l) => /^error/.test(l)).join('\n')}`);
    assert.ok(s.logs.some((l) => /angular_velocity\.z = 1e\+39 \(beyond float32 range\)/.test(l)));
    assert.ok(s.logs.some((l) => /header\.stamp\.sec = 1\.5 is not an integer/.test(l)));
    assert.ok(s.logs.some((l) => /Image\.data is missing/.test(l)));
    s.drive.stop();
  });

  it('drops a frame stamped further ahead than max_dt, and steps on the next real frames', async () => {
    const s = await setup();
    for (let i = 0; i < 5; i++) s.tick();
    s.tick({ frame: imageMsg(s.now() + 900_000_000, 'camera', 200, 78, s.gray(200, 78)) });
    const before = s.drive.counters.steps;
    for (let i = 0; i < 5; i++) s.tick();
    assert.equal(s.drive.counters.dropped.future_stamp, 1);
    assert.equal(s.drive.counters.steps, before + 5);
    s.drive.stop();
  });

  it('reports diagnostics at OK when driving, WARN for drops, ERROR when stopped', async () => {
    const s = await setup();
    for (let i = 0; i < 6; i++) s.tick({ imu: null, frame: null });
    assert.equal(s.statuses[s.statuses.length - 1].level, 2, 'no input yet');
    assert.match(s.statuses[s.statuses.length - 1].message, /waiting for input: camera, imu/);
    for (let i = 0; i < 6; i++) s.tick();
    assert.equal(s.statuses[s.statuses.length - 1].level, 0);
    for (let i = 0; i < 3; i++) s.tick({ frame: { ...imageMsg(s.now(), 'camera', 200, 78, s.gray(200, 78)), encoding: 'yuv422' } });
    s.tick();
    assert.ok(s.statuses.slice(-3).some((st) => st.level === 1 && /dropped/.test(st.message)));
    s.drive.stop();
  });

  it('names the live policy in PolicyState after a reload, and times encoder + cell + head', async () => {
    const s = await setup();
    const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-policy-')), 'policy_v2');
    fs.cpSync(DEMO, copy, { recursive: true });
    // A slow encoder: the latency PolicyState reports must include it.
    const setImage = PolicyRunner.prototype.setImage;
    PolicyRunner.prototype.setImage = function (...args) {
      const until = process.hrtime.bigint() + 5_000_000n;
      while (process.hrtime.bigint() < until);
      setImage.apply(this, args);
    };
    try {
      for (let i = 0; i < 3; i++) s.tick();
      assert.equal(s.states[s.states.length - 1].model_id, 'demo_policy');
      assert.ok(s.states[s.states.length - 1].inference_latency >= 0.005, `inference_latency ${s.states[s.states.length - 1].inference_latency}`);
      s.announce.publish({ model_dir: copy });
      s.transport.flush();
      await new Promise((r) => setImmediate(r));
      for (let i = 0; i < 3; i++) s.tick();
      assert.equal(s.drive.counters.reloads, 1);
      assert.equal(s.states[s.states.length - 1].model_id, 'policy_v2');
      assert.equal(s.drive.transportNode.getParameter('policy'), copy, 'the policy parameter follows');
    } finally {
      PolicyRunner.prototype.setImage = setImage;
      s.drive.stop();
    }
  });

  it('applies run-time parameter changes it supports and refuses the others with the reason', async () => {
    const s = await setup();
    const node = s.drive.transportNode;
    for (let i = 0; i < 5; i++) s.tick();
    assert.equal(node.getParameter('watchdog.timeout'), 0.3, 'every params-file key is declared');
    assert.equal(node.getParameter('command.limits.linear.x.max'), 8);
    assert.equal(node.getParameter('inputs.camera.timeout'), undefined, 'only inputs the params file names');
    assert.equal(node.setParameters([{ name: 'command.limits.linear.x.max', value: 0.5 }]), null);
    s.tick();
    assert.ok(s.commands[s.commands.length - 1].linear.x <= 0.5, 'the new limit holds from the next command');
    // A value set at run time is not the params file's: the refusal names the parameter alone.
    assert.match(node.setParameters([{ name: 'command.limits.linear.x.min', value: 0.6 }])!, /^command\.limits\.linear\.x\.max: 0\.5 is below min 0\.6/);
    assert.match(node.setParameters([{ name: 'engine', value: 'tfjs' }])!, /'engine' is read-only: .*restart the node/);
    assert.match(node.setParameters([{ name: 'watchdog.timeout', value: 'soon' }])!, /'watchdog\.timeout' is of type double/);
    assert.match(node.setParameters([{ name: 'policy', value: '/no/such/policy' }])!, /keeping the running policy: cannot switch to \/no\/such\/policy/);
    assert.equal(node.setParameters([{ name: 'watchdog.timeout', value: 2.0 }]), null);
    const stops = s.drive.counters.watchdogStops;
    for (let i = 0; i < 10; i++) s.tick({ imu: null, frame: null });
    assert.equal(s.drive.counters.watchdogStops, stops, 'no stop within the new 2 s timeout (0.3 s before)');
    s.drive.stop();
  });

  it('publishes the live saliency map (rgb8) at most at saliency.rate, with its cost in diagnostics; none by default', async () => {
    interface Image { header: { stamp: { sec: number; nanosec: number }; frame_id: string }; width: number; height: number; encoding: string; step: number; data: Uint8Array }
    const listen = async (s: Awaited<ReturnType<typeof setup>>) => {
      const images: Image[] = [];
      const node = await s.transport.createNode('viewer');
      node.createSubscription<Image>('sensor_msgs/msg/Image', '/lnn/saliency', RELIABLE, (m) => images.push(m));
      return images;
    };
    const values = (s: Awaited<ReturnType<typeof setup>>) => s.statuses[s.statuses.length - 1].values.map((v) => v.key);
    const off = await setup();
    const none = await listen(off);
    for (let i = 0; i < 20; i++) off.tick();
    assert.equal(none.length, 0);
    assert.equal(off.drive.transportNode.getParameter('saliency.rate'), 0, 'declared, off');
    assert.ok(!values(off).some((k) => k.startsWith('saliency_ms')));
    off.drive.stop();

    const s = await setup({ saliency: { rate: 5 } });
    const images = await listen(s);
    for (let i = 0; i < 40; i++) s.tick(); // 2 s of 20 Hz frames
    assert.ok(images.length >= 9 && images.length <= 11, `${images.length} maps in 2 s at 5 Hz`);
    const image = images[images.length - 1];
    // The 64×24 frame the policy saw, enlarged 5×.
    assert.deepEqual([image.encoding, image.width, image.height, image.step, image.data.length], ['rgb8', 320, 120, 960, 320 * 120 * 3]);
    assert.equal(image.header.frame_id, 'camera');
    const stamps = images.map((m) => m.header.stamp.sec * 1e9 + m.header.stamp.nanosec);
    assert.ok(stamps.every((t) => t % STEP_NS === 0), 'stamped with the frame it explains');
    assert.ok(stamps.slice(1).every((t, i) => t - stamps[i] >= 2e8), 'at most 5 a second');
    assert.ok(image.data.some((v) => v !== 128), 'heat over the grey frame');
    assert.ok(values(s).includes('saliency_ms.p50') && values(s).includes('saliency_ms.p99'));
    const node = s.drive.transportNode;
    assert.equal(node.setParameters([{ name: 'saliency.method', value: 'gradient' }, { name: 'saliency.rate', value: 100 }]), null);
    const before = images.length;
    for (let i = 0; i < 10; i++) s.tick();
    assert.equal(images.length - before, 10, 'every frame at a rate above the frame rate');
    assert.match(node.setParameters([{ name: 'saliency.method', value: 'attention' }])!, /^saliency\.method: 'attention' is not one of: visual_backprop, gradient$/);
    assert.equal(node.setParameters([{ name: 'saliency.rate', value: 0 }]), null);
    const stopped = images.length;
    for (let i = 0; i < 10; i++) s.tick();
    assert.equal(images.length, stopped, 'rate 0: off again');
    s.drive.stop();
  });

  it('as a managed node: configure loads and checks, activate commands, deactivate stops, cleanup releases', async () => {
    const s = await setup({}, { managed: true });
    const node = s.drive.transportNode;
    assert.equal(node.lifecycleState(), 'unconfigured');
    for (let i = 0; i < 4; i++) s.tick();
    assert.equal(s.commands.length, 0, 'nothing published before activation');
    assert.match(s.statuses[s.statuses.length - 1].message, /unconfigured: no policy loaded/);
    assert.equal(node.setParameters([{ name: 'policy', value: '/no/such/policy' }]), null, 'unconfigured: the policy is only read at configure');
    assert.match(node.transition('configure')!, /cannot configure with the policy in \/no\/such\/policy/);
    assert.equal(node.lifecycleState(), 'unconfigured');
    assert.equal(node.setParameters([{ name: 'policy', value: DEMO }]), null);
    assert.equal(node.transition('configure'), null);
    for (let i = 0; i < 4; i++) s.tick();
    assert.equal(s.commands.length, 0, 'inactive: nothing published');
    assert.equal(node.transition('activate'), null);
    for (let i = 0; i < 6; i++) s.tick();
    assert.ok(s.commands.length > 0 && s.commands.slice(-2).every((c) => c.linear.x > 0));
    const n = s.commands.length;
    assert.equal(node.transition('deactivate'), null);
    for (let i = 0; i < 6; i++) s.tick();
    assert.equal(s.commands.length, n + 1, 'one stop on deactivate, then silence');
    assert.ok(stop(s.commands[n]));
    assert.equal(node.transition('cleanup'), null);
    assert.equal(node.lifecycleState(), 'unconfigured');
    assert.match(node.transition('activate')!, /no transition 'activate' from state 'unconfigured'/);
    s.drive.stop();
    assert.equal(node.lifecycleState(), 'finalized');
  });
});
