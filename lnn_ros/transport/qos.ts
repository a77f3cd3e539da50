/** Named QoS profiles as ROS 2 defines them, and the config form `{profile, depth, ...}`. */
import { ConfigObject } from '../config/config_object';
import { QosProfile } from './types';

/** rmw_qos_profile_sensor_data: best effort, keep last 5 — for camera and IMU. */
export const SENSOR_DATA: QosProfile = { reliability: 'best_effort', durability: 'volatile', history: 'keep_last', depth: 5 };
/** rmw_qos_profile_default: reliable, keep last 10 — for commands. */
export const RELIABLE: QosProfile = { reliability: 'reliable', durability: 'volatile', history: 'keep_last', depth: 10 };
/** Late joiners get the last message (e.g. a model announcement). */
export const LATCHED: QosProfile = { reliability: 'reliable', durability: 'transient_local', history: 'keep_last', depth: 1 };

const PROFILES: Record<string, QosProfile> = { sensor_data: SENSOR_DATA, reliable: RELIABLE, default: RELIABLE, latched: LATCHED };

/** A profile name (`sensor_data`, `reliable`, `latched`) or a mapping overriding one field by field. */
export function parseQos(c: ConfigObject, key: string, fallback: QosProfile): QosProfile {
  const raw = c.raw(key);
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw === 'string') {
    if (!PROFILES[raw]) throw c.error(key, `unknown QoS profile '${raw}' (expected ${Object.keys(PROFILES).join(', ')} or a mapping)`);
    return PROFILES[c.oneOf(key, Object.keys(PROFILES))];
  }
  const q = c.object(key);
  q.rejectUnknown(['profile', 'reliability', 'durability', 'history', 'depth']);
  const base = q.has('profile') ? PROFILES[q.oneOf('profile', Object.keys(PROFILES))] : fallback;
  return {
    reliability: q.oneOf('reliability', ['reliable', 'best_effort'] as const, base.reliability),
    durability: q.oneOf('durability', ['volatile', 'transient_local'] as const, base.durability),
    history: q.oneOf('history', ['keep_last', 'keep_all'] as const, base.history),
    depth: q.int('depth', { default: base.depth, min: 1 }),
  };
}

/** DDS request/offer matching: a reliable (or durable) reader never matches a weaker writer. */
export function qosCompatible(offered: QosProfile, requested: QosProfile): boolean {
  if (requested.reliability === 'reliable' && offered.reliability === 'best_effort') return false;
  if (requested.durability === 'transient_local' && offered.durability === 'volatile') return false;
  return true;
}
