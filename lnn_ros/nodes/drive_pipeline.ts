/**
 * What a configured drive_node runs: the policy, one subscription per policy input, the command
 * publisher and the watchdog. Each message is decoded and validated on its own, gated by its
 * header stamp, fed to the policy in streaming mode; the command is shaped and published while
 * active. Bad input is counted and dropped; every input has a staleness timeout past which stop is
 * published instead of a command; the node never publishes NaN. A new policy is swapped in between
 * two steps.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageSpec } from '../bag/dataset/config';
import { Dropped } from '../bag/dataset/dropped';
import { FeatureExtractor, requireHeaderStamp } from '../bag/dataset/feature_extractor';
import type { ImagePreprocessor } from '../bag/dataset/image_preprocessor';
import { ConfigError, InputError } from '../errors';
import { overlayScale, saliencyOverlay } from '../io/saliency_overlay';
import { loadPolicyDir, Policy, POLICY_FILE } from '../model/policy';
import { PolicyRunner } from '../model/policy_runner';
import type { SaliencyMethod } from '../model/saliency';
import { LATCHED, RELIABLE, SENSOR_DATA } from '../transport/qos';
import { Publisher, Subscription, Timer, toRosTime, TransportNode } from '../transport/types';
import { AxisLimits, CommandShaper } from './command_shaper';
import { DriveConfig } from './drive_config';
import { StampGate } from './stamp_gate';

const TWIST_FIELDS = ['linear.x', 'linear.y', 'linear.z', 'angular.x', 'angular.y', 'angular.z'];
const ACKERMANN_FIELDS = ['speed', 'steering_angle', 'steering_angle_velocity', 'acceleration', 'jerk'];
/** How long a watched policy directory must stay quiet before it is reloaded. */
const WATCH_DEBOUNCE_MS = 100;
/** After the first drop of a kind (logged at once), at most one warning per this many seconds sums up the rest. */
const DROP_LOG_INTERVAL_S = 5;
/** Latencies kept for the diagnostics percentiles. */
const LATENCY_WINDOW = 1000;

/** A saliency map as drive_node computed it, for in-process consumers (`lnn-ros saliency`); valid during the call only. */
export interface SaliencyFrame {
  /** Header stamp of the camera frame (ns). */
  stamp: bigint;
  /** The map over the policy's preprocessed frame (height × width, max 1). */
  map: Float32Array;
  width: number;
  height: number;
  /** How the policy's frame was made from the camera image (to lay the map back over it: toSource). */
  preprocessor: ImagePreprocessor;
  /** The image published on `saliency.topic`: the map over the frame, enlarged (rgb8). */
  overlay: { width: number; height: number; data: Uint8Array };
}

/** Buffers of the live saliency map, made when the first map is due. */
interface SaliencyBuffers {
  map: Float32Array;
  rgb: Uint8Array;
  width: number;
  height: number;
  scale: number;
}

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
  /** Values the policy takes from one message of this input. */
  size: number;
  /** Latest features, re-applied to a freshly loaded policy so a swap misses no step. */
  latest: Float32Array | null;
  /** `latest` has not been given to the runner yet (frames are encoded once). */
  fresh: boolean;
  /** Camera-rate mode: samples summed since the last frame, averaged when the frame steps. */
  sum: Float64Array | null;
  count: number;
  /** Node-clock time of the last valid message (null: none yet). */
  lastValidNs: bigint | null;
  timeout: number;
  /** Header stamp → callback on the node's clock (s): the message's age on arrival (transport, queueing). */
  delays: number[];
  subscription?: Subscription;
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

export function newCounters(): DriveCounters {
  return { received: {}, steps: 0, commands: 0, dropped: {}, resets: {}, reloads: 0, reloadFailures: 0, watchdogStops: 0 };
}

/** Where the pipeline stands, for diagnostics. */
export interface PipelineHealth {
  /** Inputs with no valid message within their timeout, with the age of the last one (Infinity: never). */
  stale: Array<{ name: string; ageS: number }>;
  /** Stop is being published (no valid command within the watchdog timeout). */
  stopped: boolean;
  values: Array<[string, string]>;
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

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;
}

/** Loads a policy and checks it against the node's parameters; the caller owns (disposes) the result. */
export function loadCompatiblePolicy(dir: string, config: DriveConfig, running?: Policy): Policy {
  const policy = loadPolicyDir(dir);
  try {
    const { inputs } = policyInputs(policy);
    for (const name of Object.keys(config.inputs)) {
      if (!inputs.some((i) => i.name === name)) throw new ConfigError(config.file, `inputs.${name}`, `the policy has no input '${name}' (it has ${inputs.map((i) => i.name).join(', ')})`);
      if (!config.inputs[name].enabled) throw new ConfigError(config.file, `inputs.${name}.enabled`, 'the policy needs this input');
    }
    const fields = policy.config.outputs.names.map((name) => {
      const field = commandField(name, config.command.type);
      if (!field) throw new ConfigError(config.file, 'command.type', `the policy outputs '${name}', which a ${config.command.type} command has no field for`);
      return field;
    });
    for (const key of Object.keys(config.command.limits)) {
      if (!fields.includes(key)) throw new ConfigError(config.file, `command.limits.${key}`, `not a command field of this policy (${fields.join(', ')})`);
    }
    if (running) {
      const describe = (p: Policy) => policyInputs(p).inputs.map((i) => `${i.name}:${i.shape.join('x')}`).join(',');
      if (describe(policy) !== describe(running)) throw new InputError(`inputs ${describe(policy)} differ from the running policy's ${describe(running)}`);
      if (policy.config.outputs.names.join() !== running.config.outputs.names.join()) throw new InputError('its outputs differ from the running policy');
    }
    return policy;
  } catch (e) {
    policy.dispose();
    throw e;
  }
}

export class DrivePipeline {
  private runner: PolicyRunner;
  /** The directory the running policy came from (PolicyState.model_id names it). */
  policyDir: string;
  private readonly inputs: BoundInput[];
  private readonly gate: StampGate;
  private readonly shaper: CommandShaper;
  private readonly fields: string[];
  private readonly command: Float64Array;
  private readonly commandPub: Publisher;
  private readonly statePub: Publisher;
  private readonly saliencyPub: Publisher;
  private saliencyBuffers: SaliencyBuffers | null = null;
  private lastSaliencyNs = -1n;
  private saliencyRefused = false;
  /** Map, overlay and publication per live saliency map (s). */
  private readonly saliencyCost: number[] = [];
  private readonly subscriptions: Subscription[] = [];
  private readonly timers: Timer[] = [];
  private lastCommandNs: bigint | null = null;
  private lastStateNs = -1n;
  /** Encoder + cell + head per step (s), what PolicyState's inference_latency names. */
  private readonly inference: number[] = [];
  /** From the stepping message's callback to its command (s): decode, preprocessing, policy, shaping. */
  private readonly callback: number[] = [];
  /** The policy's feature vector, assembled in place from the vector inputs. */
  private readonly vector: Float32Array;
  private readonly dropLog = new Map<string, { lastWarnS: number; since: number }>();
  private watcher: fs.FSWatcher | null = null;
  private watchTimer: NodeJS.Timeout | null = null;
  private reloadPending: string | null = null;
  private active = false;
  private destroyed = false;

  constructor(
    private readonly node: TransportNode,
    private config: DriveConfig,
    policy: Policy,
    readonly counters: DriveCounters,
    /** Called after a successful swap to another policy directory. */
    private readonly onSwitched: (dir: string) => void,
    /** Called with every saliency map computed (in-process consumers). */
    private readonly onSaliency?: (frame: SaliencyFrame) => void,
  ) {
    this.runner = new PolicyRunner(policy, config.engine);
    this.policyDir = config.policy;
    this.gate = new StampGate({ maxDt: config.maxDt, jumpBack: config.jumpBack, initialDt: config.initialDt });
    this.fields = policy.config.outputs.names.map((name) => commandField(name, config.command.type)!);
    this.command = new Float64Array(this.fields.length);
    this.shaper = new CommandShaper(this.axes(config), node.now());
    this.vector = new Float32Array(policy.config.vector?.size ?? 0);
    const commandType = config.command.type === 'twist' ? 'geometry_msgs/msg/Twist' : 'ackermann_msgs/msg/AckermannDriveStamped';
    this.commandPub = node.createPublisher(commandType, config.command.topic, config.command.qos);
    this.statePub = node.createPublisher('lnn_ros/msg/PolicyState', config.policyState.topic, RELIABLE);
    this.saliencyPub = node.createPublisher('sensor_msgs/msg/Image', config.saliency.topic, RELIABLE);
    this.inputs = this.bindInputs(policy);
    this.subscriptions.push(node.createSubscription<{ model_dir: string }>('lnn_ros/msg/ModelAnnouncement', config.reload.topic, LATCHED, (m) => this.requestReload(m.model_dir)));
    this.timers.push(node.createTimer(config.watchdog.period, () => this.watchdog()));
    if (config.reload.watch) this.watcher = this.watchPolicyDir(config.policy);
  }

  private axes(config: DriveConfig): AxisLimits[] {
    return this.fields.map((f) => {
      const l = config.command.limits[f];
      return { scale: 1, offset: 0, min: l?.min ?? -Number.MAX_VALUE, max: l?.max ?? Number.MAX_VALUE, maxRate: l?.maxRate ?? Infinity };
    });
  }

  private bindInputs(policy: Policy): BoundInput[] {
    const { inputs, preprocessing } = policyInputs(policy);
    return inputs.map((input) => {
      const topicConfig = this.config.inputs[input.name];
      const spec = preprocessing.find((p) => p.name === input.name);
      // The policy's input shape, so each frame is judged on its own (never by the first one seen).
      const extractor = new FeatureExtractor(input.topic, input.type, { image: spec?.image, fields: input.fields, shape: input.shape.length === 3 ? input.shape : undefined }, { file: this.config.file, key: `inputs.${input.name}` });
      const bound: BoundInput = {
        ...input,
        extractor,
        image: input.shape.length === 3,
        size: input.shape.reduce((a, b) => a * b, 1),
        latest: null,
        fresh: false,
        sum: null,
        count: 0,
        lastValidNs: null,
        timeout: topicConfig?.timeout ?? this.config.watchdog.timeout,
        delays: [],
      };
      bound.subscription = this.node.createSubscription(input.type, topicConfig?.topic ?? input.topic, topicConfig?.qos ?? SENSOR_DATA, (m) => this.onMessage(bound, m));
      return bound;
    });
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

  activate(): void {
    this.active = true;
    // Commands resume from fresh input only: nothing received while inactive carries over.
    this.gate.restart();
    this.runner.reset();
    this.lastCommandNs = null;
  }

  /** Publishes stop, then stays silent until activated again. */
  deactivate(): void {
    if (this.active) this.publishStop();
    this.active = false;
  }

  get isActive(): boolean {
    return this.active;
  }

  /** Applies run-time parameter changes that need no new policy (limits, timing, rates). */
  reconfigure(config: DriveConfig): void {
    this.config = config;
    this.shaper.setLimits(this.axes(config));
    this.gate.configure({ maxDt: config.maxDt, jumpBack: config.jumpBack, initialDt: config.initialDt });
    for (const input of this.inputs) input.timeout = config.inputs[input.name]?.timeout ?? config.watchdog.timeout;
  }

  private drop(reason: string, detail: string): void {
    add(this.counters.dropped, reason);
    // The first of each kind at once, then one summary per interval: a flood of bad input must not flood the log.
    const nowS = Number(process.hrtime.bigint()) / 1e9;
    const log = this.dropLog.get(reason);
    if (!log) {
      this.dropLog.set(reason, { lastWarnS: nowS, since: 0 });
      this.node.logger.warn(`dropped (${reason}): ${detail}`);
    } else if (nowS - log.lastWarnS >= DROP_LOG_INTERVAL_S) {
      this.node.logger.warn(`dropped (${reason}) ${log.since + 1} more in the last ${(nowS - log.lastWarnS).toFixed(0)} s, the latest: ${detail}`);
      log.lastWarnS = nowS;
      log.since = 0;
    } else {
      log.since++;
      this.node.logger.debug(`dropped (${reason}): ${detail}`);
    }
  }

  private onMessage(input: BoundInput, message: unknown): void {
    if (this.destroyed) return;
    const started = process.hrtime.bigint();
    add(this.counters.received, input.name);
    if (!this.active) return;
    let stamp: bigint;
    let features: Float32Array;
    try {
      stamp = requireHeaderStamp(message);
      features = input.extractor.extract(message);
      if (features.length !== input.size) throw new Dropped('size mismatch', `${features.length} values, the policy takes ${input.shape.join('×')}`);
    } catch (e) {
      return this.drop(e instanceof Dropped ? e.reason : 'malformed', `${input.topic}: ${(e as Error).message}`);
    }
    const now = this.node.now();
    if (Number(stamp - now) / 1e9 > this.config.maxDt) {
      return this.drop('future_stamp', `${input.topic}: stamp ${(Number(stamp) / 1e9).toFixed(3)} s is ${(Number(stamp - now) / 1e9).toFixed(3)} s ahead of the node clock (max_dt ${this.config.maxDt})`);
    }
    input.lastValidNs = now;
    this.record(input.delays, Number(now - stamp) / 1e9);
    const stepsOnThis = this.config.stepOn === 'message' || input.image;
    if (!stepsOnThis) {
      // Camera-rate mode: vector samples are averaged until the next frame.
      input.sum ??= new Float64Array(features.length);
      for (let i = 0; i < features.length; i++) input.sum[i] += features[i];
      input.count++;
      input.latest = features;
      input.fresh = true;
      return;
    }
    const stale = this.staleInputs(now);
    if (stale.length > 0) {
      const never = stale.every((s) => s.ageS === Infinity);
      return this.drop(never ? 'waiting_for_inputs' : 'stale_input', `${input.topic}: not stepping while ${stale.map((s) => (s.ageS === Infinity ? `${s.name} (nothing yet)` : `${s.name} (${s.ageS.toFixed(2)} s old)`)).join(', ')}`);
    }
    const decision = this.gate.check(stamp);
    if (decision.action === 'drop') return this.drop(decision.reason, `${input.topic} stamp ${stamp}`);
    if (decision.action === 'reset') {
      add(this.counters.resets, decision.reason);
      this.runner.reset();
    }
    input.latest = features;
    input.fresh = true;
    const saliency = input.image && this.saliencyDue(now) ? this.config.saliency.method : null;
    const policyStart = process.hrtime.bigint();
    this.applyInputs(saliency);
    if (!this.runner.ready()) return this.drop('waiting_for_inputs', `${input.topic}: not every input has arrived yet`);
    if (!this.step(decision.dt, stamp, policyStart, started) || !saliency) return;
    this.lastSaliencyNs = now;
    this.publishSaliency(input, stamp, (message as { header: { frame_id?: string } }).header.frame_id ?? '');
  }

  private saliencyDue(now: bigint): boolean {
    const rate = this.config.saliency.rate;
    return rate > 0 && (this.lastSaliencyNs < 0n || Number(now - this.lastSaliencyNs) / 1e9 >= 1 / rate);
  }

  /** The map of the step just taken, over the frame the policy saw, published (after the command, so it never delays one). */
  private publishSaliency(camera: BoundInput, stamp: bigint, frameId: string): void {
    const started = process.hrtime.bigint();
    const [height, width] = camera.shape;
    if (this.saliencyBuffers?.width !== width || this.saliencyBuffers.height !== height) {
      this.saliencyBuffers = { map: new Float32Array(width * height), rgb: new Uint8Array(width * height * 3), width, height, scale: overlayScale(width) };
    }
    const b = this.saliencyBuffers;
    try {
      this.runner.saliency(b.map);
    } catch (e) {
      // A map this policy cannot give (gradient of a mixed-memory core): said once, driving goes on.
      if (!this.saliencyRefused) this.node.logger.warn(`no saliency map: ${(e as Error).message}`);
      this.saliencyRefused = true;
      return;
    }
    camera.extractor.preprocessor!.toRgb8(camera.latest!, b.rgb);
    // A fresh image per message: subscribers may keep it.
    const overlay = { width: width * b.scale, height: height * b.scale, data: new Uint8Array(width * height * b.scale * b.scale * 3) };
    saliencyOverlay(b.rgb, b.map, width, height, b.scale, overlay.data);
    this.saliencyPub.publish({
      header: { stamp: toRosTime(stamp), frame_id: frameId },
      height: overlay.height, width: overlay.width, encoding: 'rgb8', is_bigendian: 0, step: overlay.width * 3, data: overlay.data,
    });
    this.onSaliency?.({ stamp, map: b.map, width, height, preprocessor: camera.extractor.preprocessor!, overlay });
    this.record(this.saliencyCost, Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** Inputs without a valid message within their timeout (all of them before the first messages). */
  private staleInputs(now: bigint): Array<{ name: string; ageS: number }> {
    return this.inputs
      .map((i) => ({ name: i.name, ageS: i.lastValidNs === null ? Infinity : Number(now - i.lastValidNs) / 1e9, timeout: i.timeout }))
      .filter((i) => i.ageS > i.timeout)
      .map(({ name, ageS }) => ({ name, ageS }));
  }

  /** Hands fresh inputs to the runner; `saliency`: the map method asked for with a fresh frame. */
  private applyInputs(saliency: SaliencyMethod | null = null): void {
    if (this.inputs.some((input) => !input.image && !input.latest)) return; // a vector input has not arrived yet
    let at = 0;
    for (const input of this.inputs) {
      if (input.image) {
        if (input.latest && input.fresh) this.runner.setImage(input.latest, saliency);
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

  private record(list: number[], seconds: number): void {
    list.push(seconds);
    if (list.length > LATENCY_WINDOW) list.shift();
  }

  /** Steps and publishes the command; false when the output was not finite (nothing published). */
  private step(dt: number, stamp: bigint, policyStart: bigint, callbackStart: bigint): boolean {
    const raw = this.runner.step(dt);
    const inference = Number(process.hrtime.bigint() - policyStart) / 1e9;
    this.counters.steps++;
    const now = this.node.now();
    if (!this.shaper.shape(raw, now, this.command)) {
      // A non-finite output would stay in the state: start over, publish nothing (the watchdog covers the gap).
      this.runner.reset();
      this.gate.restart();
      this.drop('non_finite_output', `policy output [${Array.from(raw).join(', ')}]`);
      return false;
    }
    this.lastCommandNs = now;
    this.publishCommand(now);
    this.record(this.inference, inference);
    this.record(this.callback, Number(process.hrtime.bigint() - callbackStart) / 1e9);
    const rate = this.config.policyState.rate;
    if (rate > 0 && (this.lastStateNs < 0n || Number(now - this.lastStateNs) / 1e9 >= 1 / rate)) {
      this.lastStateNs = now;
      this.statePub.publish({
        header: { stamp: toRosTime(stamp), frame_id: this.config.command.frameId },
        model_id: path.basename(this.policyDir),
        cell_type: this.runner.policy.rnn.config.class.toLowerCase(),
        step: BigInt(this.counters.steps),
        dt,
        neuron_states: this.runner.state(),
        time_constants: this.runner.timeConstants(),
        outputs: Float32Array.from(raw),
        inference_latency: inference,
      });
    }
    return true;
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

  private commandStale(now: bigint): boolean {
    return this.lastCommandNs === null || Number(now - this.lastCommandNs) / 1e9 > this.config.watchdog.timeout;
  }

  private watchdog(): void {
    if (!this.active || this.destroyed) return;
    const now = this.node.now();
    if (!this.commandStale(now) && this.staleInputs(now).length === 0) return;
    // A stale input stops the robot even while commands still flow from the other inputs.
    this.lastCommandNs = null;
    this.counters.watchdogStops++;
    this.publishStop();
  }

  health(): PipelineHealth {
    const now = this.node.now();
    const inference = [...this.inference].sort((a, b) => a - b);
    const callback = [...this.callback].sort((a, b) => a - b);
    const ms = (list: number[], p: number) => (percentile(list, p) * 1e3).toFixed(3);
    const values: Array<[string, string]> = [
      ['policy', this.policyDir],
      ...this.inputs.flatMap((i) => {
        const delays = [...i.delays].sort((a, b) => a - b);
        return [
          [`input.${i.name}.age_s`, i.lastValidNs === null ? 'never' : (Number(now - i.lastValidNs) / 1e9).toFixed(3)],
          [`input.${i.name}.delay_ms.p50`, ms(delays, 0.5)],
          [`input.${i.name}.delay_ms.p99`, ms(delays, 0.99)],
        ] as Array<[string, string]>;
      }),
      ['inference_latency_ms.p50', ms(inference, 0.5)],
      ['inference_latency_ms.p99', ms(inference, 0.99)],
      ['callback_latency_ms.p50', ms(callback, 0.5)],
      ['callback_latency_ms.p99', ms(callback, 0.99)],
    ];
    if (this.saliencyCost.length > 0) {
      const saliency = [...this.saliencyCost].sort((a, b) => a - b);
      values.push(['saliency_ms.p50', ms(saliency, 0.5)], ['saliency_ms.p99', ms(saliency, 0.99)]);
    }
    return { stale: this.staleInputs(now), stopped: this.commandStale(now), values };
  }

  /** Queues a reload from an announcement or the watcher (between two steps: message callbacks run to completion first). */
  private requestReload(dir: string): void {
    const pending = this.reloadPending !== null;
    this.reloadPending = dir;
    if (!pending) setImmediate(() => this.reloadQueued());
  }

  private reloadQueued(): void {
    const dir = this.reloadPending!;
    this.reloadPending = null;
    if (this.destroyed) return;
    const failure = this.switchTo(dir);
    if (failure) this.node.logger.error(`keeping the running policy: cannot load ${dir}: ${failure}`);
  }

  /** Loads `dir`, checks it fits, and swaps it in; returns why not (the running policy stays). */
  switchTo(dir: string): string | null {
    let policy: Policy;
    try {
      policy = loadCompatiblePolicy(dir, this.config, this.runner.policy);
    } catch (e) {
      this.counters.reloadFailures++;
      return (e as Error).message;
    }
    const old = this.runner;
    this.runner = new PolicyRunner(policy, this.config.engine);
    old.policy.dispose();
    this.policyDir = dir;
    this.gate.restart();
    for (const input of this.inputs) input.fresh = input.latest !== null;
    this.applyInputs();
    this.counters.reloads++;
    this.node.logger.info(`switched to the policy in ${dir}`);
    this.onSwitched(dir);
    return null;
  }

  /** Releases the subscriptions, publishers, timers and the policy (lifecycle cleanup). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.active = false;
    this.watcher?.close();
    if (this.watchTimer) clearTimeout(this.watchTimer);
    for (const input of this.inputs) input.subscription?.destroy();
    this.subscriptions.forEach((s) => s.destroy());
    this.timers.forEach((t) => t.cancel());
    this.commandPub.destroy();
    this.statePub.destroy();
    this.saliencyPub.destroy();
    this.runner.policy.dispose();
  }
}
