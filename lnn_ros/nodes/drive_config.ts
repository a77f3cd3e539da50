/**
 * drive_node parameters (ROS params-file layout, `drive_node: ros__parameters: ...`), validated
 * once at start-up with errors that name the file and the key.
 */
import * as path from 'node:path';
import { ConfigObject } from '../config/config_object';
import { STREAMING_ENGINES, StreamingEngine } from '../kernels/kernel_policy';
import { BACKEND_NAMES, BackendName } from '../kernels/backend';
import { parseQos, RELIABLE, SENSOR_DATA } from '../transport/qos';
import { QosProfile } from '../transport/types';

export interface InputTopic {
  enabled: boolean;
  topic: string | null;
  qos: QosProfile;
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
}

export function parseDriveConfig(params: Record<string, unknown>, file?: string): DriveConfig {
  const c = ConfigObject.from(params, file, 'drive_node.ros__parameters');
  c.rejectUnknown(['use_sim_time', 'policy', 'backend', 'engine', 'inputs', 'step_on', 'max_dt', 'jump_back', 'initial_dt', 'command', 'watchdog', 'policy_state', 'diagnostics', 'reload']);
  const base = file ? path.dirname(path.resolve(file)) : process.cwd();

  const inputs: Record<string, InputTopic> = {};
  if (c.has('inputs')) {
    const i = c.object('inputs');
    for (const name of Object.keys(i.value)) {
      const t = i.object(name);
      t.rejectUnknown(['enabled', 'topic', 'qos']);
      inputs[name] = { enabled: t.bool('enabled', true), topic: t.has('topic') ? t.string('topic') : null, qos: parseQos(t, 'qos', SENSOR_DATA) };
    }
  }

  const cmd = c.has('command') ? c.object('command') : ConfigObject.from({}, file, `${c.key('command')}`);
  cmd.rejectUnknown(['topic', 'type', 'qos', 'frame_id', 'limits']);
  const limits: Record<string, AxisConfig> = {};
  if (cmd.has('limits')) {
    const l = cmd.object('limits');
    for (const field of Object.keys(l.value)) {
      const a = l.object(field);
      a.rejectUnknown(['min', 'max', 'max_rate']);
      const min = a.number('min');
      const max = a.number('max');
      if (max < min) throw a.error('max', `${max} is below min ${min}`);
      limits[field] = { min, max, maxRate: a.number('max_rate', { default: Number.MAX_VALUE, min: 0, minExclusive: true }) };
    }
  }
  const section = (key: string) => (c.has(key) ? c.object(key) : ConfigObject.from({}, file, c.key(key)));
  const w = section('watchdog');
  w.rejectUnknown(['timeout', 'period']);
  const s = section('policy_state');
  s.rejectUnknown(['topic', 'rate']);
  const d = section('diagnostics');
  d.rejectUnknown(['topic', 'period']);
  const r = section('reload');
  r.rejectUnknown(['topic', 'watch']);
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
      topic: cmd.string('topic', '/cmd_vel'),
      type: cmd.oneOf('type', ['twist', 'ackermann'] as const, 'twist'),
      qos: parseQos(cmd, 'qos', RELIABLE),
      frameId: cmd.string('frame_id', 'base_link'),
      limits,
    },
    watchdog: { timeout: w.number('timeout', { default: 0.5, min: 0, minExclusive: true }), period: w.number('period', { default: 0.05, min: 0, minExclusive: true }) },
    policyState: { topic: s.string('topic', '/lnn/policy_state'), rate: s.number('rate', { default: 5, min: 0 }) },
    diagnostics: { topic: d.string('topic', '/diagnostics'), period: d.number('period', { default: 1, min: 0, minExclusive: true }) },
    reload: { topic: r.string('topic', '/lnn/model'), watch: r.bool('watch', false) },
  };
}
