/**
 * drive_node parameters (ROS params-file layout, `drive_node: ros__parameters: ...`), validated
 * once where they enter, with errors that name the file and the key. The same parse declares them
 * as ROS parameters (DRIVE_PARAMETER_DOCS) and re-validates a run-time `ros2 param set`.
 */
import * as path from 'node:path';
import { ConfigObject, ReadLog } from '../config/config_object';
import { STREAMING_ENGINES, StreamingEngine } from '../kernels/kernel_policy';
import { BACKEND_NAMES, BackendName } from '../kernels/backend';
import { SALIENCY_METHODS, SaliencyMethod } from '../model/saliency';
import { parseQos, RELIABLE, SENSOR_DATA } from '../transport/qos';
import { QosProfile } from '../transport/types';
import { ParameterDocs } from '../transport/parameter_docs';

export interface InputTopic {
  enabled: boolean;
  topic: string | null;
  qos: QosProfile;
  /** Seconds without a valid message after which the input is stale (stop is published). */
  timeout: number;
}

export interface AxisConfig {
  min: number;
  max: number;
  maxRate: number;
}

export interface DriveConfig {
  file?: string;
  useSimTime: boolean;
  policy: string;
  backend: BackendName | undefined;
  engine: StreamingEngine;
  /** Per policy input name (as recorded in training): its topic here. */
  inputs: Record<string, InputTopic>;
  /** `message`: step on every input message; `camera`: step on frames, IMU averaged between them. */
  stepOn: 'message' | 'camera';
  maxDt: number;
  jumpBack: number;
  initialDt: number;
  command: {
    topic: string;
    type: 'twist' | 'ackermann';
    qos: QosProfile;
    frameId: string;
    /** Per command field (`linear.x`, `angular.z`, `speed`, `steering_angle`). */
    limits: Record<string, AxisConfig>;
  };
  watchdog: { timeout: number; period: number };
  policyState: { topic: string; rate: number };
  diagnostics: { topic: string; period: number };
  reload: { topic: string; watch: boolean };
  /** The live saliency map (sensor_msgs/Image, rgb8) at most `rate` times a second; 0: off. */
  saliency: { topic: string; rate: number; method: SaliencyMethod };
}

const AXIS_KEYS = ['min', 'max', 'max_rate'];

/**
 * `limits` maps a command field to its bounds. ROS names are dotted, so `linear.x: {max: 8}`
 * and `linear: {x: {max: 8}}` are the same parameter (`command.limits.linear.x.max`): a mapping
 * holding any bound key is a field, anything else is a step of its name.
 */
function parseLimits(l: ConfigObject, prefix = ''): Record<string, AxisConfig> {
  const out: Record<string, AxisConfig> = {};
  for (const name of Object.keys(l.value)) {
    const a = l.object(name);
    const field = prefix + name;
    if (!Object.keys(a.value).some((k) => AXIS_KEYS.includes(k))) {
      Object.assign(out, parseLimits(a, `${field}.`));
      continue;
    }
    a.rejectUnknown(AXIS_KEYS);
    const min = a.number('min');
    const max = a.number('max');
    if (max < min) throw a.error('max', `${max} is below min ${min}`);
    out[field] = { min, max, maxRate: a.number('max_rate', { default: Number.MAX_VALUE, min: 0, minExclusive: true }) };
  }
  return out;
}

export interface ParseOptions {
  /** Records every parameter read (for declaring them). */
  log?: ReadLog;
  /** The file a parameter came from: `policy` resolves against it (cwd when absent, as for `-p`). */
  sourceOf?: (name: string) => string | undefined;
}

/** Where drive_node's keys live in a params file (and the prefix of a ConfigError's key). */
export const DRIVE_PARAMS_ROOT = 'drive_node.ros__parameters';

export function parseDriveConfig(params: Record<string, unknown>, file?: string, options: ParseOptions = {}): DriveConfig {
  const c = ConfigObject.from(params, file, DRIVE_PARAMS_ROOT, options.log);
  c.rejectUnknown(['use_sim_time', 'policy', 'backend', 'engine', 'inputs', 'step_on', 'max_dt', 'jump_back', 'initial_dt', 'command', 'watchdog', 'policy_state', 'diagnostics', 'reload', 'saliency']);
  const policySource = options.sourceOf ? options.sourceOf('policy') : file;
  const base = policySource ? path.dirname(path.resolve(policySource)) : process.cwd();

  const w = c.section('watchdog');
  w.rejectUnknown(['timeout', 'period']);
  const watchdog = { timeout: w.number('timeout', { default: 0.5, min: 0, minExclusive: true }), period: w.number('period', { default: 0.05, min: 0, minExclusive: true }) };

  const inputs: Record<string, InputTopic> = {};
  const i = c.section('inputs');
  for (const name of Object.keys(i.value)) {
    const t = i.object(name);
    t.rejectUnknown(['enabled', 'topic', 'qos', 'timeout']);
    inputs[name] = {
      enabled: t.bool('enabled', true),
      topic: t.has('topic') ? t.string('topic') : null,
      qos: parseQos(t, 'qos', SENSOR_DATA),
      timeout: t.number('timeout', { default: watchdog.timeout, min: 0, minExclusive: true }),
    };
  }

  const cmd = c.section('command');
  cmd.rejectUnknown(['topic', 'type', 'qos', 'frame_id', 'limits']);
  const s = c.section('policy_state');
  s.rejectUnknown(['topic', 'rate']);
  const d = c.section('diagnostics');
  d.rejectUnknown(['topic', 'period']);
  const r = c.section('reload');
  r.rejectUnknown(['topic', 'watch']);
  const sal = c.section('saliency');
  sal.rejectUnknown(['topic', 'rate', 'method']);
  const maxDt = c.number('max_dt', { default: 0.5, min: 0, minExclusive: true });
  return {
    file,
    useSimTime: c.bool('use_sim_time', false),
    policy: path.resolve(base, c.string('policy')),
    backend: c.has('backend') ? c.oneOf('backend', BACKEND_NAMES) : undefined,
    engine: c.oneOf('engine', STREAMING_ENGINES, 'kernel'),
    inputs,
    stepOn: c.oneOf('step_on', ['message', 'camera'] as const, 'message'),
    maxDt,
    jumpBack: c.number('jump_back', { default: 1, min: 0 }),
    initialDt: c.number('initial_dt', { default: 0.05, min: 0, minExclusive: true, max: maxDt }),
    command: {
      topic: cmd.string('topic', 'cmd_vel'),
      type: cmd.oneOf('type', ['twist', 'ackermann'] as const, 'twist'),
      qos: parseQos(cmd, 'qos', RELIABLE),
      frameId: cmd.string('frame_id', 'base_link'),
      limits: parseLimits(cmd.section('limits')),
    },
    watchdog,
    policyState: { topic: s.string('topic', 'lnn/policy_state'), rate: s.number('rate', { default: 5, min: 0 }) },
    // Absolute: diagnostic_aggregator listens on /diagnostics whatever the robot's namespace.
    diagnostics: { topic: d.string('topic', '/diagnostics'), period: d.number('period', { default: 1, min: 0, minExclusive: true }) },
    reload: { topic: r.string('topic', 'lnn/model'), watch: r.bool('watch', false) },
    saliency: { topic: sal.string('topic', 'lnn/saliency'), rate: sal.number('rate', { default: 0, min: 0 }), method: sal.oneOf('method', SALIENCY_METHODS, 'visual_backprop') },
  };
}

/** Every drive_node parameter; `dynamic` ones are applied while the node runs. */
export const DRIVE_PARAMETER_DOCS: ParameterDocs = {
  use_sim_time: { description: 'Follow /clock (simulation time) instead of the wall clock.' },
  policy: { description: 'Policy directory (policy.yaml, encoder, rnn/). Setting it loads and validates the new policy and swaps it in between two steps; a policy that fails keeps the running one.', dynamic: true },
  backend: { description: 'tfjs backend for the encoder: tensorflow, wasm or cpu.' },
  engine: { description: 'kernel: allocation-free streaming kernels; tfjs: the training graph op by op.' },
  'inputs.*.enabled': { description: 'Whether this policy input is subscribed (every input the policy needs must be).' },
  'inputs.*.topic': { description: 'Topic of this policy input (relative names resolve in the node namespace).' },
  'inputs.*.qos': { description: 'QoS profile of this input: sensor_data, reliable, default or latched.' },
  'inputs.*.qos.*': { description: 'QoS of this input, field by field (profile, reliability, durability, history, depth).' },
  'inputs.*.timeout': { description: 'Seconds without a valid message on this input after which it is stale: stop is published and diagnostics report ERROR until it is fresh again.', dynamic: true },
  step_on: { description: 'message: every input message advances the state; camera: frames do, vector inputs averaged between them.' },
  max_dt: { description: 'A gap between stamps longer than this (s) resets the policy state; a stamp further ahead of the node clock than this is dropped.', dynamic: true },
  jump_back: { description: 'A stamp further back than this (s) resets the state (bag loop, simulator reset); a nearer one is dropped as late.', dynamic: true },
  initial_dt: { description: 'Elapsed time (s) fed for the first message after a start or reset.', dynamic: true },
  'command.topic': { description: 'Topic of the commands (relative names resolve in the node namespace).' },
  'command.type': { description: 'twist (geometry_msgs/Twist) or ackermann (ackermann_msgs/AckermannDriveStamped).' },
  'command.qos': { description: 'QoS profile of the commands.' },
  'command.qos.*': { description: 'QoS of the commands, field by field.' },
  'command.frame_id': { description: 'frame_id of stamped commands and of PolicyState.', dynamic: true },
  'command.limits.*.min': { description: 'Lowest value published for this command field.', dynamic: true },
  'command.limits.*.max': { description: 'Highest value published for this command field.', dynamic: true },
  'command.limits.*.max_rate': { description: 'Largest change per second of this command field.', dynamic: true },
  'watchdog.timeout': { description: 'Seconds without a valid command after which stop is published.', dynamic: true },
  'watchdog.period': { description: 'How often (s) the watchdog checks.' },
  'policy_state.topic': { description: 'Topic of lnn_ros/PolicyState.' },
  'policy_state.rate': { description: 'PolicyState messages per second (0: none).', dynamic: true },
  'diagnostics.topic': { description: 'Topic of diagnostic_msgs/DiagnosticArray.' },
  'diagnostics.period': { description: 'Seconds between diagnostics.' },
  'reload.topic': { description: 'Topic of lnn_ros/ModelAnnouncement (the trainer announces new policies there).' },
  'reload.watch': { description: 'Also reload when the policy directory is replaced on disk.' },
  'saliency.topic': { description: 'Topic of the live saliency map: sensor_msgs/Image (rgb8), the map over the frame the policy saw, enlarged.' },
  'saliency.rate': { description: 'Saliency maps per second at most (0: none, nothing computed). Its cost is in diagnostics (saliency_ms).', dynamic: true },
  'saliency.method': { description: 'visual_backprop: from the encoder pass the policy runs anyway (cheap); gradient: |d steering / d pixel| through one step of the core (a backward pass per map).', dynamic: true },
};

export const DRIVE_READ_ONLY_NOTE = 'set it in the params file and restart the node (or, managed, cleanup and configure again).';
