/**
 * The simulator as a node on a Transport: publishes /clock every physics step, then ground truth,
 * IMU, camera and the expert's command when due, and drives with the commands it receives
 * (from the next step on). On the in-process transport each step ends with `flush()`, so a node
 * under test reacts within the same sim time and the loop is deterministic; on rclnodejs the
 * steps are paced against the wall clock by a real-time factor.
 */
import { InProcessTransport } from '../transport/in_process';
import { RELIABLE, SENSOR_DATA } from '../transport/qos';
import { ParameterSpec, Publisher, QosProfile, Transport, TransportNode } from '../transport/types';
import { ImuReading } from './imu';
import {
  AckermannDriveStampedMsg,
  ackermannMsg,
  clockMsg,
  ImageMsg,
  imageMsg,
  ImuMsg,
  imuMsg,
  OdometryMsg,
  odometryMsg,
  TwistMsg,
  twistMsg,
  TYPES,
} from './messages';
import { DrivingSummary } from './metrics';
import { SensorClock } from './sensor_clock';
import { SeededRng } from './rng';
import { Simulator, SimulatorOptions } from './simulator';

export type CommandType = 'twist' | 'ackermann';

export interface SimTopics {
  clock: string;
  camera: string;
  imu: string;
  /** Ground-truth odometry. */
  odom: string;
  /** Commands the simulator drives with (when the driver is external). */
  command: string;
  /** The expert's command for the current state (the label for behaviour cloning). */
  expertCommand: string;
}

export interface SimFrames {
  odom: string;
  base: string;
  camera: string;
  imu: string;
}

export interface SimNodeOptions extends SimulatorOptions {
  /** Default 'lnn_sim'. */
  nodeName?: string;
  namespace?: string;
  /** Declared as the node's ROS parameters (what its params file set). */
  parameters?: ParameterSpec[];
  /** Twist (linear.x speed, angular.z yaw rate → steering by the bicycle model) or AckermannDriveStamped (speed, steering_angle); default 'twist'. */
  commandType?: CommandType;
  /** Topic names; the command defaults follow the command type. */
  topics?: Partial<SimTopics>;
  frames?: Partial<SimFrames>;
  /** Rates of ground truth and of the expert's command (Hz); default 50 each. */
  odomRateHz?: number;
  expertRateHz?: number;
  /**
   * Sim seconds per wall second when the transport is not in-process (default 1); 0 runs as fast
   * as possible. The in-process transport always runs as fast as possible.
   */
  realTimeFactor?: number;
}

export const DEFAULT_FRAMES: SimFrames = { odom: 'odom', base: 'base_link', camera: 'camera', imu: 'imu_link' };

/** Relative names (they resolve in the node's namespace: `/car1/camera/image_raw`), but /clock, which is global. */
export function defaultTopics(commandType: CommandType): SimTopics {
  const command = commandType === 'twist' ? 'cmd_vel' : 'ackermann_cmd';
  return { clock: '/clock', camera: 'camera/image_raw', imu: 'imu/data', odom: 'ground_truth/odom', command, expertCommand: `expert/${command}` };
}

/** Accepts commands from reliable and best-effort publishers alike; only the newest matters. */
const COMMAND_QOS: QosProfile = { reliability: 'best_effort', durability: 'volatile', history: 'keep_last', depth: 1 };

/** How many invalid commands are reported before going quiet. */
const MAX_WARNINGS = 5;

export interface AppliedCommand {
  speed: number;
  steer: number;
  /** Sim time the command arrived (ns); it acts from the next physics step. */
  receivedNs: number;
}

export class SimNode {
  readonly commandType: CommandType;
  /** The topics as resolved in the node's namespace. */
  readonly topics: SimTopics;
  readonly frames: SimFrames;
  /** The last valid command received, if any. */
  lastCommand: AppliedCommand | null = null;
  commandsReceived = 0;
  private readonly publishers: {
    clock: Publisher<unknown>;
    camera: Publisher<ImageMsg>;
    imu: Publisher<ImuMsg>;
    odom: Publisher<OdometryMsg>;
    expert: Publisher<TwistMsg | AckermannDriveStampedMsg>;
  };
  private readonly odomClock: SensorClock;
  private readonly expertClock: SensorClock;
  private readonly imuReading: ImuReading = { gyro: new Float64Array(3), accel: new Float64Array(3) };
  private readonly realTimeFactor: number;
  private warnings = 0;
  private stopping = false;

  private constructor(
    readonly sim: Simulator,
    readonly transport: Transport,
    readonly node: TransportNode,
    options: SimNodeOptions,
  ) {
    this.commandType = options.commandType ?? 'twist';
    const t = { ...defaultTopics(this.commandType), ...options.topics };
    this.frames = { ...DEFAULT_FRAMES, ...options.frames };
    this.realTimeFactor = options.realTimeFactor ?? 1;
    this.publishers = {
      clock: node.createPublisher(TYPES.clock, t.clock, RELIABLE),
      camera: node.createPublisher(TYPES.image, t.camera, SENSOR_DATA),
      imu: node.createPublisher(TYPES.imu, t.imu, SENSOR_DATA),
      odom: node.createPublisher(TYPES.odometry, t.odom, RELIABLE),
      expert: node.createPublisher(this.commandType === 'twist' ? TYPES.twist : TYPES.ackermann, t.expertCommand, RELIABLE),
    };
    const commands =
      this.commandType === 'twist'
        ? node.createSubscription<TwistMsg>(TYPES.twist, t.command, COMMAND_QOS, (m) => this.onCommand(m?.linear?.x, m?.angular?.z, 'yawRate'))
        : node.createSubscription<AckermannDriveStampedMsg>(TYPES.ackermann, t.command, COMMAND_QOS, (m) => this.onCommand(m?.drive?.speed, m?.drive?.steering_angle, 'steer'));
    const p = this.publishers;
    this.topics = { clock: p.clock.topic, camera: p.camera.topic, imu: p.imu.topic, odom: p.odom.topic, command: commands.topic, expertCommand: p.expert.topic };
    const rng = new SeededRng(sim.seed, 'sim-node');
    const steady = (rateHz: number) => new SensorClock({ rateHz, jitter: 0, dropProbability: 0 }, sim.startNs, rng);
    this.odomClock = steady(options.odomRateHz ?? 50);
    this.expertClock = steady(options.expertRateHz ?? 50);
    // Nodes on sim time start at the sim's start, not at zero.
    this.publishers.clock.publish(clockMsg(sim.timeNs));
  }

  /** A simulator (built from `options`) speaking through `transport`. */
  static async create(transport: Transport, options: SimNodeOptions): Promise<SimNode> {
    const sim = new Simulator(options);
    const node = await transport.createNode(options.nodeName ?? 'lnn_sim', { namespace: options.namespace, parameters: options.parameters });
    return new SimNode(sim, transport, node, options);
  }

  /** One physics step: the step, /clock, then whatever is due; on the in-process transport, delivered before returning. */
  step(): void {
    const sim = this.sim;
    const due = sim.step();
    const now = sim.timeNs;
    const f = this.frames;
    this.publishers.clock.publish(clockMsg(now));
    // Ground truth first, so that a node handling this step's sensors already has it.
    if (this.odomClock.due(now)) this.publishers.odom.publish(odometryMsg(now, f.odom, f.base, sim.vehicle.state));
    if (due.imu) {
      const o = sim.imu.options;
      this.publishers.imu.publish(imuMsg(now, f.imu, sim.readImu(this.imuReading), o.gyroNoiseStd, o.accelNoiseStd));
    }
    if (due.camera) {
      // A fresh buffer per frame: subscribers may keep the message.
      const rgb = sim.renderCamera(new Uint8Array(sim.camera.width * sim.camera.height * 3));
      this.publishers.camera.publish(imageMsg(now, f.camera, sim.camera.width, sim.camera.height, rgb));
    }
    if (this.expertClock.due(now)) {
      const { speed, steer } = sim.expertCommand;
      this.publishers.expert.publish(
        this.commandType === 'twist' ? twistMsg(speed, sim.vehicle.yawRateForSteer(steer, speed)) : ackermannMsg(now, f.base, speed, steer),
      );
    }
    if (this.transport instanceof InProcessTransport) this.transport.flush();
  }

  /**
   * Runs `seconds` of sim time (Infinity: until stop()). In-process, each step also yields to the
   * event loop so that callbacks that await finish (and publish) before the next step; otherwise
   * steps are paced to the real-time factor, yielding so the executor can deliver commands.
   */
  async run(seconds: number): Promise<DrivingSummary> {
    const steps = Math.round(seconds / this.sim.dt);
    const inProcess = this.transport instanceof InProcessTransport;
    const paced = !inProcess && this.realTimeFactor > 0;
    const wallStart = performance.now();
    const simStart = this.sim.timeNs;
    this.stopping = false;
    for (let i = 0; i < steps && !this.stopping; i++) {
      this.step();
      const aheadMs = paced ? (this.sim.timeNs - simStart) / 1e6 / this.realTimeFactor - (performance.now() - wallStart) : 0;
      if (aheadMs >= 1) await new Promise((resolve) => setTimeout(resolve, aheadMs));
      else if (inProcess || i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    return this.summary();
  }

  /** Makes a running run() return after the current step. */
  stop(): void {
    this.stopping = true;
  }

  summary(): DrivingSummary {
    return this.sim.metrics.summary();
  }

  destroy(): void {
    this.node.destroy();
  }

  /** `turn` is a yaw rate (Twist) or a steering angle (Ackermann); non-finite commands are ignored. */
  private onCommand(speed: unknown, turn: unknown, kind: 'yawRate' | 'steer'): void {
    if (typeof speed !== 'number' || typeof turn !== 'number' || !Number.isFinite(speed) || !Number.isFinite(turn)) {
      if (this.warnings++ < MAX_WARNINGS) this.node.logger.warn(`${this.topics.command}: ignoring a command without finite speed and ${kind} (${String(speed)}, ${String(turn)})`);
      return;
    }
    const steer = kind === 'steer' ? turn : this.sim.vehicle.steerForYawRate(turn, speed);
    this.sim.setCommand(speed, steer);
    this.lastCommand = { speed, steer, receivedNs: this.sim.timeNs };
    this.commandsReceived++;
  }
}
