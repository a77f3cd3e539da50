/**
 * The simulator node's parameters (ROS params-file layout, `lnn_sim: ros__parameters: ...`),
 * validated once at start-up with errors that name the file and the key, as SimNodeOptions.
 */
import { ConfigObject, ReadLog } from '../config/config_object';
import { ParameterDocs } from '../transport/parameter_docs';
import { Condition } from './conditions';
import { DEFAULT_SHAPE } from './road';
import { SimNodeOptions, SimTopics } from './sim_node';

type Bound = 'positive' | 'non-negative' | 'any';

/** Per section of plain numbers: YAML key → [option name, bound]. Every key is optional; the defaults are the classes'. */
const SECTIONS: Record<string, Record<string, readonly [string, Bound]>> = {
  vehicle: {
    wheelbase_m: ['wheelbase', 'positive'],
    width_m: ['width', 'positive'],
    max_steer_rad: ['maxSteer', 'positive'],
    max_steer_rate: ['maxSteerRate', 'positive'],
    min_speed: ['minSpeed', 'any'],
    max_speed: ['maxSpeed', 'any'],
    max_accel: ['maxAccel', 'positive'],
    max_decel: ['maxDecel', 'positive'],
    grip: ['grip', 'positive'],
  },
  camera: {
    width: ['width', 'positive'],
    height: ['height', 'positive'],
    fov_deg: ['fovDeg', 'positive'],
    pitch_deg: ['pitchDeg', 'any'],
    mount_height_m: ['mountHeight', 'positive'],
    mount_forward_m: ['mountForward', 'any'],
  },
  imu: {
    rate_hz: ['rateHz', 'positive'],
    gyro_noise_std: ['gyroNoiseStd', 'non-negative'],
    gyro_bias_std: ['gyroBiasStd', 'non-negative'],
    accel_noise_std: ['accelNoiseStd', 'non-negative'],
    accel_bias_std: ['accelBiasStd', 'non-negative'],
  },
  expert: {
    gain: ['gain', 'positive'],
    cruise_speed: ['cruiseSpeed', 'positive'],
    max_lateral_accel: ['maxLateralAccel', 'positive'],
    lateral_offset_m: ['lateralOffset', 'any'],
  },
  camera_timing: { rate_hz: ['rateHz', 'positive'], jitter_s: ['jitter', 'non-negative'], drop_probability: ['dropProbability', 'non-negative'] },
};

const TOPIC_KEYS: Record<string, keyof SimTopics> = { clock: 'clock', camera: 'camera', imu: 'imu', odom: 'odom', command: 'command', expert_command: 'expertCommand' };

/** `log` records every parameter read, for declaring them (SIM_PARAMETER_DOCS). */
export function parseSimParameters(params: Record<string, unknown>, file?: string, log?: ReadLog): SimNodeOptions {
  const c = ConfigObject.from(params, file, 'lnn_sim.ros__parameters', log);
  const top = ['seed', 'condition', 'driver', 'command_type', 'dt', 'start_time', 'real_time_factor', 'odom_rate_hz', 'expert_rate_hz'];
  // use_sim_time is allowed because shared params files set it for every node (`/**`), and
  // ignored: the simulator owns the clock, publishing /clock rather than following it.
  c.rejectUnknown([...top, 'road', ...Object.keys(SECTIONS), 'steering_noise', 'topics', 'use_sim_time']);
  const positive = { min: 0, minExclusive: true };
  const road = section(c, 'road', ['width_m', 'radius_min_m', 'radius_max_m', 'wobble', 'min_turn_radius_m']);
  const radiusMin = road.number('radius_min_m', { default: DEFAULT_SHAPE.radius[0], ...positive });
  const noise = section(c, 'steering_noise', ['std_rad', 'time_constant_s']);
  const topics = section(c, 'topics', Object.keys(TOPIC_KEYS));
  return {
    seed: c.int('seed', { default: 1 }),
    condition: condition(c),
    driver: c.oneOf('driver', ['expert', 'external'] as const, 'external'),
    commandType: c.oneOf('command_type', ['twist', 'ackermann'] as const, 'twist'),
    dt: c.number('dt', { default: 0.01, ...positive, max: 0.1 }),
    startTime: c.number('start_time', { default: 0, min: 0 }),
    realTimeFactor: c.number('real_time_factor', { default: 1, min: 0 }),
    odomRateHz: c.number('odom_rate_hz', { default: 50, ...positive }),
    expertRateHz: c.number('expert_rate_hz', { default: 50, ...positive }),
    roadShape: {
      width: road.number('width_m', { default: DEFAULT_SHAPE.width, ...positive }),
      radius: [radiusMin, road.number('radius_max_m', { default: Math.max(DEFAULT_SHAPE.radius[1], radiusMin), min: radiusMin })],
      wobble: road.number('wobble', { default: DEFAULT_SHAPE.wobble, min: 0 }),
      minTurnRadius: road.number('min_turn_radius_m', { default: DEFAULT_SHAPE.minTurnRadius, ...positive }),
    },
    vehicle: numbers(c, 'vehicle'),
    camera: numbers(c, 'camera'),
    cameraTiming: numbers(c, 'camera_timing'),
    imu: numbers(c, 'imu'),
    expert: numbers(c, 'expert'),
    steeringNoise: { std: noise.number('std_rad', { default: 0, min: 0 }), timeConstant: noise.number('time_constant_s', { default: 1, ...positive }) },
    topics: Object.fromEntries(Object.entries(TOPIC_KEYS).filter(([key]) => topics.has(key)).map(([key, name]) => [name, topics.string(key)])),
  };
}

/** A condition name from config/conditions or a path to a condition file. */
function condition(c: ConfigObject): Condition {
  const name = c.string('condition', 'summer');
  try {
    return Condition.named(name);
  } catch (e) {
    throw c.error('condition', (e as Error).message);
  }
}

/** An optional sub-mapping (empty when absent) with only `keys` allowed. */
function section(c: ConfigObject, name: string, keys: string[]): ConfigObject {
  const s = c.section(name);
  s.rejectUnknown(keys);
  return s;
}

/** The numbers of a SECTIONS entry that are present, under their option names. */
function numbers(c: ConfigObject, name: string): Record<string, number> {
  const spec = SECTIONS[name];
  const s = section(c, name, Object.keys(spec));
  const out: Record<string, number> = {};
  for (const [key, [option, bound]] of Object.entries(spec)) {
    if (!s.has(key)) continue;
    out[option] = s.number(key, bound === 'positive' ? { min: 0, minExclusive: true } : bound === 'non-negative' ? { min: 0 } : {});
  }
  return out;
}

const SECTION_TITLES: Record<string, string> = {
  vehicle: 'Vehicle model (kinematic bicycle)',
  camera: 'Forward pinhole camera',
  imu: 'IMU',
  expert: 'Stanley expert driver',
  camera_timing: 'Camera frame timing',
};

/** Every simulator parameter (all read-only: the world is built once). */
export const SIM_PARAMETER_DOCS: ParameterDocs = {
  use_sim_time: { description: 'Ignored: the simulator owns the clock and publishes /clock.' },
  seed: { description: 'Seed of the road, sensor noise and the expert.' },
  condition: { description: 'Weather and sensor condition: a name in config/conditions or a condition file.' },
  driver: { description: 'external: drive with the commands received; expert: the built-in Stanley driver.' },
  command_type: { description: 'twist (cmd_vel) or ackermann (ackermann_cmd).' },
  dt: { description: 'Physics step (s).' },
  start_time: { description: 'Sim time at start (s).' },
  real_time_factor: { description: 'Sim seconds per wall second (0: as fast as possible).' },
  odom_rate_hz: { description: 'Rate of ground-truth odometry (Hz).' },
  expert_rate_hz: { description: "Rate of the expert's command (Hz)." },
  'road.width_m': { description: 'Road width (m).' },
  'road.radius_min_m': { description: 'Smallest mean radius of the closed road (m).' },
  'road.radius_max_m': { description: 'Largest mean radius of the closed road (m).' },
  'road.wobble': { description: 'How far the road departs from a circle (0: a circle).' },
  'road.min_turn_radius_m': { description: 'Tightest turn the road may have (m).' },
  'steering_noise.std_rad': { description: 'Ornstein-Uhlenbeck steering noise on what the car executes (rad).' },
  'steering_noise.time_constant_s': { description: 'Time constant of the steering noise (s).' },
  ...Object.fromEntries(Object.keys(TOPIC_KEYS).map((k) => [`topics.${k}`, { description: `Topic name of the ${k.replace('_', ' ')} (relative names resolve in the node namespace).` }])),
  ...Object.fromEntries(Object.entries(SECTIONS).flatMap(([section, keys]) => Object.entries(keys).map(([key, [option]]) => [`${section}.${key}`, { description: `${SECTION_TITLES[section]}: ${option}${/_(m|rad|deg|s|hz)$/.exec(key) ? ` (${key.split('_').pop()})` : ''}.` }]))),
};
