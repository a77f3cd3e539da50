/** drive_node end to end over the in-process transport, fed by a recorded bag. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openBag } from '../lnn_ros/bag/open';
import { seedInitializers } from '../lnn_ros/model/init';
import { parseModelConfig } from '../lnn_ros/model/model_config';
import { loadPolicyDir, Policy, savePolicyDir } from '../lnn_ros/model/policy';
import { PolicyRunner } from '../lnn_ros/model/policy_runner';
import { parseDriveConfig } from '../lnn_ros/nodes/drive_config';
import { DriveNode } from '../lnn_ros/nodes/drive_node';
import { InProcessTransport } from '../lnn_ros/transport/in_process';
import { LATCHED, RELIABLE, SENSOR_DATA } from '../lnn_ros/transport/qos';
import { fromRosTime, toRosTime } from '../lnn_ros/transport/types';
import { writeImuCommandBag } from './helpers/imu_bag';
import { useBackend } from './helpers/tf';

const IMU_FIELDS = ['angular_velocity.x', 'angular_velocity.y', 'angular_velocity.z', 'linear_acceleration.x', 'linear_acceleration.y', 'linear_acceleration.z'];

function makePolicy(dir: string, seed: number): string {
  seedInitializers(seed);
  const policy = Policy.create(
    {
      format: 'lnn_ros_policy', image: null, encoder: null,
      vector: { size: 6, mean: [0, 0, 0, 0, 0, 9.8], std: [1, 1, 0.5, 1, 1, 1] },
      outputs: { names: ['linear.x', 'angular.z'], mean: [1, 0], std: [0.2, 0.5] },
      inputs: { dataset: [{ name: 'imu', topic: '/imu', type: 'sensor_msgs/msg/Imu', shape: [6], fields: IMU_FIELDS }], preprocessing: [{ name: 'imu' }] },
    },
    parseModelConfig({ format: 'ncps', class: 'CfC', input_size: 6, units: { wiring: 'AutoNCP', units: 10, output_size: 2, seed: 5 } }),
  );
  seedInitializers(undefined);
  savePolicyDir(dir, policy);
  policy.dispose();
  return dir;
}

interface Imu {
  header: { stamp: { sec: number; nanosec: number }; frame_id: string };
  angular_velocity: { x: number; y: number; z: number };
  linear_acceleration: { x: number; y: number; z: number };
}

async function setup(extra: Record<string, unknown> = {}, options: { managed?: boolean } = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-drive-'));
  const policyDir = makePolicy(path.join(root, 'policy'), 1);
  const logs: string[] = [];
  const transport = new InProcessTransport({ log: (level, node, m) => logs.push(`${level} ${node} ${m}`) });
  const params = {
    use_sim_time: true, policy: policyDir, max_dt: 0.5, initial_dt: 0.05,
    command: { limits: { 'linear.x': { min: 0, max: 1.5, max_rate: 100 }, 'angular.z': { min: -1, max: 1 } } },
    watchdog: { timeout: 0.3, period: 0.1 }, policy_state: { rate: 2 }, ...extra,
  };
  const drive = await DriveNode.start(transport, { params }, { managed: Boolean(options.managed) });
  const sim = await transport.createNode('player', { useSimTime: true });
  const clock = sim.createPublisher('rosgraph_msgs/msg/Clock', '/clock', RELIABLE);
  const imu = sim.createPublisher<unknown>('sensor_msgs/msg/Imu', '/imu', SENSOR_DATA);
  const commands: Array<{ t: bigint; linear: { x: number }; angular: { z: number } }> = [];
  sim.createSubscription<{ linear: { x: number }; angular: { z: number } }>('geometry_msgs/msg/Twist', '/cmd_vel', RELIABLE, (m) => commands.push({ t: sim.now(), ...m }));
  const states: unknown[] = [];
  sim.createSubscription('lnn_ros/msg/PolicyState', '/lnn/policy_state', RELIABLE, (m) => states.push(m));
  const announce = sim.createPublisher('lnn_ros/msg/ModelAnnouncement', '/lnn/model', LATCHED);
  /** Publishes one IMU message at its stamp (clock first), and delivers it. */
  const play = (m: Imu) => {
    clock.publish({ clock: m.header.stamp });
    imu.publish(m);
    transport.flush();
  };
  /** Moves sim time on in 10 ms /clock ticks, as a simulator does. */
  const advance = (seconds: number) => {
    for (let k = 0; k < Math.round(seconds * 100); k++) {
      clock.publish({ clock: toRosTime(sim.now() + 10_000_000n) });
      transport.flush();
    }
  };
  return { root, policyDir, transport, drive, play, advance, commands, states, announce, logs };
}

describe('drive_node (in-process transport)', function () {
  this.timeout(60000);
  let recorded: Imu[];

  before(async () => {
    await useBackend();
    const bag = await openBag(await writeImuCommandBag(20));
    recorded = [];
    for await (const m of bag.messages({ topics: ['/imu'] })) recorded.push(m.decoded() as Imu);
    bag.close();
  });

  it('publishes one command per IMU message, with the state advanced by header stamps', async () => {
    const t = await setup();
    recorded.slice(0, 200).forEach(t.play);
    assert.equal(t.drive.counters.steps, 200);
    // Plus the stop the watchdog published before the first input arrived.
    assert.equal(t.drive.counters.watchdogStops, 1);
    assert.equal(t.commands.length, 201);
    assert.ok(t.commands.every((c) => Number.isFinite(c.linear.x) && c.linear.x >= 0 && c.linear.x <= 1.5 && Math.abs(c.angular.z) <= 1));
    // The same policy run offline over the same stamps gives the same last command.
    const runner = new PolicyRunner(loadPolicyDir(t.policyDir));
    let last: Float32Array = new Float32Array(2);
    recorded.slice(0, 200).forEach((m, i) => {
      runner.setVector([m.angular_velocity.x, m.angular_velocity.y, m.angular_velocity.z, m.linear_acceleration.x, m.linear_acceleration.y, m.linear_acceleration.z]);
      last = runner.step(i === 0 ? 0.05 : Number(fromRosTime(m.header.stamp) - fromRosTime(recorded[i - 1].header.stamp)) / 1e9);
    });
    const final = t.commands[t.commands.length - 1];
    assert.ok(Math.abs(final.angular.z - Math.max(-1, Math.min(1, last[1]))) < 1e-5);
    assert.ok(t.states.length >= 19 && t.states.length <= 21, `PolicyState at 2 Hz over 10 s: ${t.states.length}`);
    const state = t.states[0] as { neuron_states: Float32Array; time_constants: Float32Array; cell_type: string };
    assert.equal(state.neuron_states.length, 10);
    assert.equal(state.time_constants.length, 10);
    assert.equal(state.cell_type, 'cfc');
    t.drive.stop();
  });

  it('drops duplicates and late stamps, resets on a jump back or a gap', async () => {
    const t = await setup();
    const [a, b, c] = recorded;
    [a, b, b, c].forEach(t.play);
    t.play(b); // late: one step behind
    assert.deepEqual(t.drive.counters.dropped, { duplicate: 1, out_of_order: 1 });
    t.play(recorded[150]); // a gap of 7 s
    t.play(recorded[10]); // time jumps back (a bag loop)
    assert.deepEqual(t.drive.counters.resets, { start: 1, gap: 1, jump_back: 1 });
    assert.equal(t.drive.counters.steps, 5);
    t.drive.stop();
  });

  it('counts bad messages, keeps running, never publishes NaN', async () => {
    const t = await setup();
    const good = recorded[0];
    t.play(good);
    const nan = structuredClone(recorded[1]);
    nan.angular_velocity.z = NaN;
    t.play(nan);
    const noHeader = structuredClone(recorded[2]) as Partial<Imu>;
    delete noHeader.header;
    t.play({ ...recorded[2], header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' } });
    t.play({ header: recorded[3].header } as Imu);
    t.play(recorded[4]);
    assert.equal(t.drive.counters.dropped['non-finite value'], 1);
    assert.equal(t.drive.counters.dropped.malformed, 2);
    assert.equal(t.drive.counters.steps, 2);
    assert.ok(t.commands.every((c) => Number.isFinite(c.linear.x) && Number.isFinite(c.angular.z)));
    t.drive.stop();
  });

  it('publishes stop when inputs go stale, and on shutdown', async () => {
    const t = await setup();
    recorded.slice(0, 20).forEach(t.play);
    const before = t.commands.length;
    t.advance(1.0);
    const stops = t.commands.slice(before);
    assert.ok(stops.length >= 6, `stops while stale: ${stops.length}`);
    assert.ok(stops.every((c) => c.linear.x === 0 && c.angular.z === 0));
    assert.ok(t.drive.counters.watchdogStops >= 6);
    const n = t.commands.length;
    t.drive.stop();
    t.transport.flush();
    assert.equal(t.commands.length, n + 1);
    assert.deepEqual([t.commands[n].linear.x, t.commands[n].angular.z], [0, 0]);
  });

  it('hot-reloads an announced policy between two steps, and keeps the old one when the new one is broken', async () => {
    const t = await setup();
    const second = makePolicy(path.join(t.root, 'policy_v2'), 2);
    recorded.slice(0, 50).forEach(t.play);
    t.announce.publish({ model_dir: second });
    t.transport.flush();
    await new Promise((r) => setImmediate(r));
    recorded.slice(50, 100).forEach(t.play);
    assert.equal(t.drive.counters.reloads, 1);
    assert.equal(t.drive.counters.steps, 100, 'no step missed');
    const broken = path.join(t.root, 'broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'policy.yaml'), 'format: something_else\n');
    t.announce.publish({ model_dir: broken });
    t.transport.flush();
    await new Promise((r) => setImmediate(r));
    recorded.slice(100, 120).forEach(t.play);
    assert.equal(t.drive.counters.reloadFailures, 1);
    assert.equal(t.drive.counters.steps, 120);
    assert.ok(t.logs.some((l) => /keeping the running policy: cannot load .*broken.*format/.test(l)));
    t.drive.stop();
  });

  it('with reload.watch, reloads the policy directory every time it is replaced on disk', async () => {
    const t = await setup({ reload: { watch: true } });
    const settle = () => new Promise((r) => setTimeout(r, 400));
    try {
      recorded.slice(0, 20).forEach(t.play);
      for (let swap = 1; swap <= 3; swap++) {
        makePolicy(t.policyDir, 10 + swap); // savePolicyDir: an atomic directory swap
        await settle();
        recorded.slice(20 * swap, 20 * (swap + 1)).forEach(t.play);
        assert.equal(t.drive.counters.reloads, swap, `after swap ${swap}`);
      }
      assert.equal(t.drive.counters.reloadFailures, 0);
      // Another entry in the same parent folder is not this policy.
      fs.mkdirSync(path.join(t.root, 'unrelated'));
      await settle();
      assert.equal(t.drive.counters.reloads, 3);
      assert.equal(t.drive.counters.steps, 80);
    } finally {
      t.drive.stop(); // closes the watcher, which would keep mocha alive
    }
  });

  it('names bad parameters with the key', () => {
    assert.throws(() => parseDriveConfig({ policy: 'p', command: { limits: { 'linear.x': { min: 1, max: 0 } } } }, 'drive.yaml'), /drive\.yaml: drive_node\.ros__parameters\.command\.limits\.linear\.x\.max: 0 is below min 1/);
    assert.throws(() => parseDriveConfig({ policy: 'p', stepon: 'camera' }, 'drive.yaml'), /drive_node\.ros__parameters\.stepon: unknown key/);
  });
});
