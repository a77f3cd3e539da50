/**
 * drive_node: camera and IMU in, commands out. Glue only: decode + validate each message, gate
 * it by header stamp, feed the policy in streaming mode, shape the command, publish. Bad input
 * is counted and dropped; the node never publishes NaN, and publishes stop when inputs go stale
 * and on shutdown. A new policy (announced or changed on disk) is swapped in between two steps.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, InputError } from '../errors';
import type { ImageSpec } from '../bag/dataset/config';
import { Dropped } from '../bag/dataset/dropped';
import { FeatureExtractor, headerStamp } from '../bag/dataset/feature_extractor';
import { loadPolicyDir, Policy, POLICY_FILE } from '../model/policy';
import { PolicyRunner } from '../model/policy_runner';
import { LATCHED, RELIABLE, SENSOR_DATA } from '../transport/qos';
import { Publisher, toRosTime, Transport, TransportNode } from '../transport/types';
import { CommandShaper } from './command_shaper';
import { DriveConfig } from './drive_config';
import { StampGate } from './stamp_gate';

const TWIST_FIELDS = ['linear.x', 'linear.y', 'linear.z', 'angular.x', 'angular.y', 'angular.z'];
/** How long a watched policy directory must stay quiet before it is reloaded. */
const WATCH_DEBOUNCE_MS = 100;
const ACKERMANN_FIELDS = ['speed', 'steering_angle', 'steering_angle_velocity', 'acceleration', 'jerk'];

/** What a policy directory says about one of its inputs (written by the trainer). */
interface PolicyInput {
  name: string;
  topic: string;
  type: string;
  shape: number[];
  fields?: string[];
}

interface BoundInput extends PolicyInput {
  extractor: FeatureExtractor;
  image: boolean;
  /** Latest features, re-applied to a freshly loaded policy so a swap misses no step. */
  latest: Float32Array | null;
  /** `latest` has not been given to the runner yet (frames are encoded once). */
  fresh: boolean;
  /** Camera-rate mode: samples summed since the last frame, averaged when the frame steps. */
  sum: Float64Array | null;
  count: number;
}

export interface DriveCounters {
  received: Record<string, number>;
  steps: number;
  commands: number;
  dropped: Record<string, number>;
  resets: Record<string, number>;
  reloads: number;
  reloadFailures: number;
  watchdogStops: number;
}

function policyInputs(policy: Policy): { inputs: PolicyInput[]; preprocessing: Array<{ name: string; image?: ImageSpec; fields?: string[] }> } {
  const doc = policy.config.inputs as { dataset?: PolicyInput[]; preprocessing?: Array<{ name: string; image?: ImageSpec; fields?: string[] }> } | null;
  if (!doc?.dataset) throw new InputError('the policy directory does not say what its inputs are (policy.yaml inputs.dataset)');
  return { inputs: doc.dataset, preprocessing: doc.preprocessing ?? [] };
}

/** Command field of a policy output name (`linear.x`, `twist.linear.x`, `drive.speed` …). */
function commandField(output: string, type: DriveConfig['command']['type']): string | null {
  const name = output.replace(/^twist\./, '').replace(/^drive\./, '');
  return (type === 'twist' ? TWIST_FIELDS : ACKERMANN_FIELDS).includes(name) ? name : null;
}

function add(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

export class DriveNode {
  readonly counters: DriveCounters = { received: {}, steps: 0, commands: 0, dropped: {}, resets: {}, reloads: 0, reloadFailures: 0, watchdogStops: 0 };
  private runner: PolicyRunner;
  private readonly inputs: BoundInput[];
  private readonly gate: StampGate;
  private readonly shaper: CommandShaper;
  private readonly fields: string[];
  private readonly command = new Float64Array(0);
  private readonly commandPub: Publisher;
  private readonly statePub: Publisher;
  private readonly diagPub: Publisher;
  private lastValidNs: bigint | null = null;
  private lastStateNs = -1n;
  private readonly latencies: number[] = [];
  /** The policy's feature vector, assembled in place from the vector inputs. */
  private readonly vector: Float32Array;
  private watcher: fs.FSWatcher | null = null;
  private watchTimer: NodeJS.Timeout | null = null;
  private reloadPending: string | null = null;
  private stopped = false;

  private constructor(
    readonly node: TransportNode,
    readonly config: DriveConfig,
    policy: Policy,
  ) {
    this.runner = new PolicyRunner(policy, config.engine);
    this.gate = new StampGate({ maxDt: config.maxDt, jumpBack: config.jumpBack, initialDt: config.initialDt });
    this.fields = policy.config.outputs.names.map((name) => {
      const field = commandField(name, config.command.type);
      if (!field) throw new ConfigError(config.file, 'command.type', `the policy outputs '${name}', which a ${config.command.type} command has no field for`);
      return field;
    });
    for (const key of Object.keys(config.command.limits)) {
      if (!this.fields.includes(key)) throw new ConfigError(config.file, `command.limits.${key}`, `not a command field of this policy (${this.fields.join(', ')})`);
    }
    this.command = new Float64Array(this.fields.length);
    this.shaper = new CommandShaper(
      this.fields.map((f) => {
        const l = config.command.limits[f];
        return { scale: 1, offset: 0, min: l?.min ?? -Number.MAX_VALUE, max: l?.max ?? Number.MAX_VALUE, maxRate: l?.maxRate ?? Infinity };
      }),
      node.now(),
    );
    this.vector = new Float32Array(policy.config.vector?.size ?? 0);
    this.inputs = this.bindInputs(policy);
    const commandType = config.command.type === 'twist' ? 'geometry_msgs/msg/Twist' : 'ackermann_msgs/msg/AckermannDriveStamped';
    this.commandPub = node.createPublisher(commandType, config.command.topic, config.command.qos);
    this.statePub = node.createPublisher('lnn_ros/msg/PolicyState', config.policyState.topic, RELIABLE);
    this.diagPub = node.createPublisher('diagnostic_msgs/msg/DiagnosticArray', config.diagnostics.topic, RELIABLE);
    node.createSubscription<{ model_dir: string }>('lnn_ros/msg/ModelAnnouncement', config.reload.topic, LATCHED, (m) => this.requestReload(m.model_dir));
    node.createTimer(config.watchdog.period, () => this.watchdog());
    node.createTimer(config.diagnostics.period, () => this.publishDiagnostics());
    if (config.reload.watch) this.watcher = this.watchPolicyDir(config.policy);
  }

  /**
   * Reloads when the policy directory is replaced by a rename onto its name (as savePolicyDir and
   * the trainer do). The parent is watched, not the directory: a watch on the directory follows
   * the old inode and sees only the first swap. A swap is two renames (old out, new in), so
   * events are debounced until the new directory is in place.
   */
  private watchPolicyDir(dir: string): fs.FSWatcher {
    const name = path.basename(path.resolve(dir));
    return fs.watch(path.dirname(path.resolve(dir)), (_event, file) => {
      if (file !== name) return;
      if (this.watchTimer) clearTimeout(this.watchTimer);
      this.watchTimer = setTimeout(() => {
        this.watchTimer = null;
        if (fs.existsSync(path.join(dir, POLICY_FILE))) this.requestReload(dir);
      }, WATCH_DEBOUNCE_MS);
    });
  }

  static async start(transport: Transport, config: DriveConfig, name = 'drive_node'): Promise<DriveNode> {
    const policy = loadPolicyDir(config.policy);
    const node = await transport.createNode(name, { useSimTime: config.useSimTime, parameters: { policy: config.policy } });
    try {
      return new DriveNode(node, config, policy);
    } catch (e) {
      policy.dispose();
      node.destroy();
      throw e;
    }
  }

  private bindInputs(policy: Policy): BoundInput[] {
    const { inputs, preprocessing } = policyInputs(policy);
    for (const name of Object.keys(this.config.inputs)) {
      if (!inputs.some((i) => i.name === name)) throw new ConfigError(this.config.file, `inputs.${name}`, `the policy has no input '${name}' (it has ${inputs.map((i) => i.name).join(', ')})`);
    }
    return inputs.map((input) => {
      const topicConfig = this.config.inputs[input.name];
      if (topicConfig && !topicConfig.enabled) throw new ConfigError(this.config.file, `inputs.${input.name}.enabled`, 'the policy needs this input');
      const spec = preprocessing.find((p) => p.name === input.name);
      const extractor = new FeatureExtractor(input.topic, input.type, { image: spec?.image, fields: input.fields }, { file: this.config.file, key: `inputs.${input.name}` });
      const bound: BoundInput = { ...input, extractor, image: input.shape.length === 3, latest: null, fresh: false, sum: null, count: 0 };
      const topic = topicConfig?.topic ?? input.topic;
      this.node.createSubscription(input.type, topic, topicConfig?.qos ?? SENSOR_DATA, (m) => this.onMessage(bound, m));
      return bound;
    });
  }

  private drop(reason: string, detail: string): void {
    add(this.counters.dropped, reason);
    // First of each kind at warn, the rest at debug: a flood of bad input must not flood the log.
    (this.counters.dropped[reason] === 1 ? this.node.logger.warn : this.node.logger.debug)(`dropped (${reason}): ${detail}`);
  }

  private onMessage(input: BoundInput, message: unknown): void {
    if (this.stopped) return;
    add(this.counters.received, input.name);
    const stamp = headerStamp(message);
    if (stamp === undefined) return this.drop('malformed', `${input.topic}: no header stamp`);
    let features: Float32Array;
    try {
      features = input.extractor.extract(message);
    } catch (e) {
      return this.drop(e instanceof Dropped ? e.reason : 'malformed', `${input.topic}: ${(e as Error).message}`);
    }
    const stepsOnThis = this.config.stepOn === 'message' || input.image;
    if (!stepsOnThis) {
      // Camera-rate mode: IMU samples are averaged until the next frame.
      input.sum ??= new Float64Array(features.length);
      for (let i = 0; i < features.length; i++) input.sum[i] += features[i];
      input.count++;
      input.latest = features;
      input.fresh = true;
      return;
    }
    const decision = this.gate.check(stamp);
    if (decision.action === 'drop') return this.drop(decision.reason, `${input.topic} stamp ${stamp}`);
    if (decision.action === 'reset') {
      add(this.counters.resets, decision.reason);
      this.runner.reset();
    }
    input.latest = features;
    input.fresh = true;
    this.applyInputs();
    if (!this.runner.ready()) return this.drop('waiting_for_inputs', `${input.topic}: not every input has arrived yet`);
    this.step(decision.dt, stamp);
  }

  private applyInputs(): void {
    if (this.inputs.some((input) => !input.image && !input.latest)) return; // a vector input has not arrived yet
    let at = 0;
    for (const input of this.inputs) {
      if (input.image) {
        if (input.latest && input.fresh) this.runner.setImage(input.latest);
        input.fresh = false;
        continue;
      }
      const latest = input.latest!;
      for (let i = 0; i < latest.length; i++) this.vector[at + i] = input.count > 0 ? input.sum![i] / input.count : latest[i];
      input.sum?.fill(0);
      input.count = 0;
      at += latest.length;
    }
    if (at > 0) this.runner.setVector(this.vector);
  }

  private step(dt: number, stamp: bigint): void {
    const started = process.hrtime.bigint();
    const raw = this.runner.step(dt);
    const latency = Number(process.hrtime.bigint() - started) / 1e9;
    this.counters.steps++;
    this.latencies.push(latency);
    if (this.latencies.length > 1000) this.latencies.shift();
    const now = this.node.now();
    if (!this.shaper.shape(raw, now, this.command)) {
      // A non-finite output would stay in the state: start over, publish nothing (the watchdog covers the gap).
      this.runner.reset();
      this.gate.restart();
      return this.drop('non_finite_output', `policy output [${Array.from(raw).join(', ')}]`);
    }
    this.lastValidNs = now;
    this.publishCommand(now);
    if (this.config.policyState.rate > 0 && (this.lastStateNs < 0n || Number(now - this.lastStateNs) / 1e9 >= 1 / this.config.policyState.rate)) {
      this.lastStateNs = now;
      this.statePub.publish({
        header: { stamp: toRosTime(stamp), frame_id: this.config.command.frameId },
        model_id: this.config.policy,
        cell_type: this.runner.policy.rnn.config.class.toLowerCase(),
        step: BigInt(this.counters.steps),
        dt,
        neuron_states: this.runner.state(),
        time_constants: this.runner.timeConstants(),
        outputs: Float32Array.from(raw),
        inference_latency: latency,
      });
    }
  }

  private publishCommand(now: bigint): void {
    this.counters.commands++;
    const value = (field: string) => {
      const i = this.fields.indexOf(field);
      return i < 0 ? 0 : this.command[i];
    };
    if (this.config.command.type === 'twist') {
      this.commandPub.publish({ linear: { x: value('linear.x'), y: value('linear.y'), z: value('linear.z') }, angular: { x: value('angular.x'), y: value('angular.y'), z: value('angular.z') } });
    } else {
      this.commandPub.publish({
        header: { stamp: toRosTime(now), frame_id: this.config.command.frameId },
        drive: { speed: value('speed'), steering_angle: value('steering_angle'), steering_angle_velocity: value('steering_angle_velocity'), acceleration: value('acceleration'), jerk: value('jerk') },
      });
    }
  }

  private publishStop(): void {
    const now = this.node.now();
    this.shaper.stop(now, this.command);
    this.publishCommand(now);
  }

  private watchdog(): void {
    if (this.stopped) return;
    const now = this.node.now();
    if (this.lastValidNs !== null && Number(now - this.lastValidNs) / 1e9 <= this.config.watchdog.timeout) return;
    this.counters.watchdogStops++;
    this.publishStop();
  }

  private requestReload(dir: string): void {
    if (this.reloadPending !== null) {
      this.reloadPending = dir;
      return;
    }
    this.reloadPending = dir;
    // Between two steps: every message callback runs to completion before this.
    setImmediate(() => this.reload());
  }

  private reload(): void {
    const dir = this.reloadPending!;
    this.reloadPending = null;
    let policy: Policy | null = null;
    try {
      policy = loadPolicyDir(dir);
      const next = policyInputs(policy).inputs.map((i) => `${i.name}:${i.shape.join('x')}`).join(',');
      const current = this.inputs.map((i) => `${i.name}:${i.shape.join('x')}`).join(',');
      if (next !== current) throw new InputError(`inputs ${next} differ from the running policy's ${current}`);
      if (policy.config.outputs.names.join() !== this.runner.policy.config.outputs.names.join()) throw new InputError('its outputs differ from the running policy');
      const runner = new PolicyRunner(policy, this.config.engine);
      const old = this.runner;
      this.runner = runner;
      old.policy.dispose();
      this.gate.restart();
      for (const input of this.inputs) input.fresh = input.latest !== null;
      this.applyInputs();
      this.counters.reloads++;
      this.node.logger.info(`switched to the policy in ${dir}`);
    } catch (e) {
      policy?.dispose();
      this.counters.reloadFailures++;
      this.node.logger.error(`keeping the running policy: cannot load ${dir}: ${(e as Error).message}`);
    }
  }

  private publishDiagnostics(): void {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] * 1e3 : NaN);
    const stale = this.lastValidNs === null || Number(this.node.now() - this.lastValidNs) / 1e9 > this.config.watchdog.timeout;
    const values: Array<[string, unknown]> = [
      ...Object.entries(this.counters.received).map(([k, v]) => [`received.${k}`, v] as [string, unknown]),
      ['steps', this.counters.steps],
      ['commands', this.counters.commands],
      ...Object.entries(this.counters.dropped).map(([k, v]) => [`dropped.${k}`, v] as [string, unknown]),
      ...Object.entries(this.counters.resets).map(([k, v]) => [`resets.${k}`, v] as [string, unknown]),
      ['reloads', this.counters.reloads],
      ['reload_failures', this.counters.reloadFailures],
      ['watchdog_stops', this.counters.watchdogStops],
      ['inference_latency_ms.p50', pct(0.5).toFixed(3)],
      ['inference_latency_ms.p99', pct(0.99).toFixed(3)],
    ];
    this.diagPub.publish({
      header: { stamp: toRosTime(this.node.now()), frame_id: '' },
      status: [{
        level: stale ? 1 : 0,
        name: `lnn_ros: ${this.node.name}`,
        message: stale ? 'inputs stale: publishing stop' : 'driving',
        hardware_id: '',
        values: values.map(([key, value]) => ({ key, value: String(value) })),
      }],
    });
  }

  /** Publishes stop and leaves the graph (on shutdown). */
  stop(): void {
    if (this.stopped) return;
    this.publishStop();
    this.stopped = true;
    this.watcher?.close();
    if (this.watchTimer) clearTimeout(this.watchTimer);
    this.node.destroy();
    this.runner.policy.dispose();
  }
}
