/** The simulator on the in-process transport: topics, rates, irregular timing, and a deterministic closed loop. */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { Condition } from '../lnn_ros/sim/conditions';
import { DriveCommand, StanleyExpert } from '../lnn_ros/sim/expert';
import { AckermannDriveStampedMsg, ackermannMsg, ClockMsg, ImageMsg, ImuMsg, OdometryMsg, TwistMsg, twistMsg, TYPES } from '../lnn_ros/sim/messages';
import { SimNode } from '../lnn_ros/sim/sim_node';
import { parseSimParameters } from '../lnn_ros/sim/sim_params';
import { VehicleState } from '../lnn_ros/sim/vehicle';
import { InProcessTransport } from '../lnn_ros/transport/in_process';
import { RELIABLE, SENSOR_DATA } from '../lnn_ros/transport/qos';
import { fromRosTime, Transport, TransportNode } from '../lnn_ros/transport/types';

const quiet = () => new InProcessTransport({ log: () => {} });
const ns = (msg: { header: { stamp: { sec: number; nanosec: number } } }) => Number(fromRosTime(msg.header.stamp));

describe('sim node', () => {
  it('publishes clock, camera, IMU, ground truth and the expert command on their topics at their rates', async () => {
    const transport = quiet();
    const sim = await SimNode.create(transport, { seed: 1, startTime: 5 });
    const probe = await transport.createNode('probe', { useSimTime: true });
    const got = { clock: [] as ClockMsg[], image: [] as ImageMsg[], imu: [] as ImuMsg[], odom: [] as OdometryMsg[], expert: [] as TwistMsg[] };
    probe.createSubscription<ClockMsg>(TYPES.clock, '/clock', RELIABLE, (m) => got.clock.push(m));
    probe.createSubscription<ImageMsg>(TYPES.image, '/camera/image_raw', SENSOR_DATA, (m) => got.image.push(m));
    probe.createSubscription<ImuMsg>(TYPES.imu, '/imu/data', SENSOR_DATA, (m) => got.imu.push(m));
    probe.createSubscription<OdometryMsg>(TYPES.odometry, '/ground_truth/odom', RELIABLE, (m) => got.odom.push(m));
    probe.createSubscription<TwistMsg>(TYPES.twist, '/expert/cmd_vel', RELIABLE, (m) => got.expert.push(m));
    await sim.run(1);
    assert.equal(got.clock.length, 100);
    assert.deepEqual(got.clock[99].clock, { sec: 6, nanosec: 0 });
    assert.equal(probe.now(), 6_000_000_000n, 'nodes on sim time follow /clock');
    assert.equal(got.imu.length, 100);
    assert.equal(got.image.length, 20);
    assert.equal(got.odom.length, 50);
    assert.equal(got.expert.length, 50);
    const image = got.image[0];
    assert.deepEqual(
      { ...image, data: image.data.length },
      { header: { stamp: { sec: 5, nanosec: 50_000_000 }, frame_id: 'camera' }, height: 78, width: 200, encoding: 'rgb8', is_bigendian: 0, step: 600, data: 200 * 78 * 3 },
    );
    assert.notEqual(got.image[0].data, got.image[1].data, 'each frame has its own buffer');
    assert.deepEqual(got.image.slice(1).map((m, i) => ns(m) - ns(got.image[i])), new Array(19).fill(50_000_000));
    assert.equal(got.imu[0].orientation_covariance[0], -1);
    assert.ok(Math.abs(got.imu[50].linear_acceleration.z - 9.81) < 0.3);
    const odom = got.odom[49];
    assert.equal(odom.child_frame_id, 'base_link');
    const s = sim.sim.vehicle.state;
    assert.deepEqual(odom.pose.pose.position, { x: s.x, y: s.y, z: 0 });
    assert.ok(Math.abs(2 * Math.atan2(odom.pose.pose.orientation.z, odom.pose.pose.orientation.w) - s.yaw) < 1e-12);
    sim.destroy();
  });

  it('stamps an irregular-rate camera with jitter and drops, always in order', async () => {
    const transport = quiet();
    const sim = await SimNode.create(transport, { seed: 2, condition: Condition.named('irregular-rate') });
    const probe = await transport.createNode('probe');
    const stamps: number[] = [];
    probe.createSubscription<ImageMsg>(TYPES.image, '/camera/image_raw', SENSOR_DATA, (m) => stamps.push(ns(m)));
    await sim.run(20);
    const gaps = stamps.slice(1).map((t, i) => (t - stamps[i]) / 1e6);
    assert.ok(gaps.every((g) => g > 0), 'strictly increasing');
    assert.ok(stamps.length > 300 && stamps.length < 360, `about 5/6 of 400 frames (${stamps.length})`);
    assert.ok(gaps.some((g) => g >= 90), 'a drop leaves a gap of two periods');
    assert.ok(new Set(gaps).size > 4, `jittered gaps ${[...new Set(gaps)].sort((a, b) => a - b).join(', ')}`);
  });

  /** A tiny driving node: on each camera frame, the expert's command for the latest ground truth, as a Twist on /cmd_vel. */
  async function closedLoop(seed: number, seconds: number) {
    const transport = quiet();
    const sim = await SimNode.create(transport, { seed, driver: 'external' });
    const node = await transport.createNode('driver', { useSimTime: true });
    const expert = new StanleyExpert(sim.sim.road, sim.sim.vehicle.options.wheelbase);
    const command: DriveCommand = { speed: 0, steer: 0 };
    const publisher = node.createPublisher<TwistMsg>(TYPES.twist, '/cmd_vel', RELIABLE);
    let pose: VehicleState | null = null;
    node.createSubscription<OdometryMsg>(TYPES.odometry, '/ground_truth/odom', RELIABLE, (m) => {
      const q = m.pose.pose.orientation;
      pose = { ...sim.sim.vehicle.state, x: m.pose.pose.position.x, y: m.pose.pose.position.y, yaw: 2 * Math.atan2(q.z, q.w), speed: m.twist.twist.linear.x };
    });
    const images = createHash('sha256');
    const latencies = new Set<number>();
    node.createSubscription<ImageMsg>(TYPES.image, '/camera/image_raw', SENSOR_DATA, (m) => {
      images.update(m.data);
      latencies.add(Number(node.now()) - ns(m));
      if (!pose) return;
      expert.command(pose, command);
      publisher.publish(twistMsg(command.speed, sim.sim.vehicle.yawRateForSteer(command.steer, command.speed)));
      // The command arrives at the frame's sim time and acts from the next step.
      assert.equal(sim.lastCommand?.receivedNs, ns(m));
    });
    const summary = await sim.run(seconds);
    const s = sim.sim.vehicle.state;
    return { summary, images: images.digest('hex'), pose: [s.x, s.y, s.yaw, s.speed], latencies, commands: sim.commandsReceived };
  }

  it('closes the loop through the transport: a node driving from the camera laps the road, the same way every run', async () => {
    const a = await closedLoop(1, 35);
    assert.deepEqual([...a.latencies], [0], 'frames are handled at their own sim time');
    assert.equal(a.commands, 35 * 20);
    assert.equal(a.summary.laps, 1);
    assert.equal(a.summary.offRoadEvents, 0);
    assert.ok(a.summary.meanAbsCrossTrack < 0.3, `${a.summary.meanAbsCrossTrack}`);
    const b = await closedLoop(1, 35);
    assert.equal(b.images, a.images);
    assert.deepEqual(b.pose, a.pose);
    assert.deepEqual(b.summary, a.summary);
  });

  it('drives with Ackermann commands when configured, and ignores commands that are not finite', async () => {
    const logs: string[] = [];
    const transport = new InProcessTransport({ log: (_level, _node, message) => logs.push(message) });
    const sim = await SimNode.create(transport, { seed: 3, commandType: 'ackermann' });
    assert.equal(sim.topics.command, '/ackermann_cmd');
    assert.equal(sim.topics.expertCommand, '/expert/ackermann_cmd');
    const node = await transport.createNode('driver');
    const pub = node.createPublisher<AckermannDriveStampedMsg>(TYPES.ackermann, '/ackermann_cmd', RELIABLE);
    pub.publish(ackermannMsg(0, 'base_link', 4, 0.1));
    transport.flush();
    await sim.run(2);
    assert.ok(Math.abs(sim.sim.vehicle.state.steer - 0.1) < 1e-12);
    assert.ok(Math.abs(sim.sim.vehicle.state.speed - 4) < 1e-9);
    pub.publish(ackermannMsg(0, 'base_link', NaN, 0.2));
    transport.flush();
    await sim.run(0.5);
    assert.ok(Math.abs(sim.sim.vehicle.state.steer - 0.1) < 1e-12, 'kept the last valid command');
    assert.ok(logs.some((m) => /\/ackermann_cmd: ignoring a command without finite speed and steer \(NaN, 0\.2\)/.test(m)));
  });
});

describe('sim node parameters and pacing', () => {
  it('reads a params file into options, naming the file and key of a bad entry', () => {
    const options = parseSimParameters(
      {
        seed: 4,
        condition: 'fog',
        driver: 'expert',
        command_type: 'ackermann',
        road: { radius_min_m: 35, radius_max_m: 40, width_m: 8 },
        vehicle: { wheelbase_m: 2.5, grip: 4 },
        camera: { width: 160, height: 64, pitch_deg: -1 },
        camera_timing: { rate_hz: 30 },
        steering_noise: { std_rad: 0.05 },
        topics: { camera: '/front/image', expert_command: '/teacher' },
      },
      'sim.yaml',
    );
    assert.equal(options.condition?.name, 'fog');
    assert.deepEqual(options.roadShape, { width: 8, radius: [35, 40], wobble: 0.35, minTurnRadius: 15 });
    assert.deepEqual(options.vehicle, { wheelbase: 2.5, grip: 4 });
    assert.deepEqual(options.camera, { width: 160, height: 64, pitchDeg: -1 });
    assert.deepEqual(options.cameraTiming, { rateHz: 30 });
    assert.deepEqual(options.steeringNoise, { std: 0.05, timeConstant: 1 });
    assert.deepEqual(options.topics, { camera: '/front/image', expertCommand: '/teacher' });
    assert.throws(() => parseSimParameters({ camera: { fovdeg: 80 } }, 'sim.yaml'), /sim\.yaml: lnn_sim\.ros__parameters\.camera\.fovdeg: unknown key/);
    assert.throws(() => parseSimParameters({ vehicle: { wheelbase_m: 0 } }, 'sim.yaml'), /sim\.yaml: lnn_sim\.ros__parameters\.vehicle\.wheelbase_m: 0 is out of range/);
    assert.throws(() => parseSimParameters({ condition: 'monsoon' }, 'sim.yaml'), /sim\.yaml: lnn_sim\.ros__parameters\.condition: no condition 'monsoon'/);
    assert.doesNotThrow(() => parseSimParameters({ use_sim_time: true }, 'sim.yaml'), 'set for every node by shared params files');
  });

  it('paces steps to the real-time factor on a transport that is not in-process', async () => {
    const published: string[] = [];
    const node: TransportNode = {
      name: 'lnn_sim',
      namespace: '/',
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      createPublisher: <T>(type: string, topic: string) => ({ type, topic, publish: (_m: T) => void published.push(topic), destroy() {} }),
      createSubscription: (_type, topic) => ({ topic, destroy() {} }),
      createTimer: () => ({ cancel() {} }),
      now: () => 0n,
      offeredQos: () => [],
      getParameter: () => undefined,
      setParameters: () => 'none',
      lifecycleState: () => 'active',
      transition: () => 'not managed',
      destroy() {},
    };
    const transport: Transport = { kind: 'rclnodejs', createNode: async () => node, spin() {}, shutdown: async () => {} };
    const sim = await SimNode.create(transport, { seed: 1, realTimeFactor: 5 });
    const start = performance.now();
    await sim.run(1);
    const wall = performance.now() - start;
    assert.ok(wall > 180 && wall < 1500, `1 s of sim at 5× real time took ${wall.toFixed(0)} ms`);
    assert.equal(published.filter((t) => t === '/clock').length, 101, 'the start and every step');
    const fast = await SimNode.create(transport, { seed: 1, realTimeFactor: 0 });
    const t0 = performance.now();
    setTimeout(() => fast.stop(), 50);
    await fast.run(Infinity);
    assert.ok(performance.now() - t0 < 500 && fast.sim.stepCount > 10, 'as fast as possible until stopped');
  });
});
