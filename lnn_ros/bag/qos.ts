/**
 * Offered QoS profiles as rosbag2 stores them (metadata versions 4–8): a YAML *string* holding a
 * list of profiles with the rmw enums as integers. The same string goes into metadata.yaml and into
 * the MCAP channel metadata `offered_qos_profiles`, which is what `ros2 bag play` uses to recreate
 * publishers (e.g. transient-local for latched topics).
 */
import { parse } from 'yaml';

/** A duration as rmw_time_t. */
export interface RmwTime {
  sec: number;
  nsec: number;
}

/** One offered QoS profile. Enum values are the rmw integers (e.g. reliability 1 = reliable). */
export interface QosProfile {
  /** 0 system default, 1 keep last, 2 keep all. */
  history: number;
  depth: number;
  /** 0 system default, 1 reliable, 2 best effort. */
  reliability: number;
  /** 0 system default, 1 transient local, 2 volatile. */
  durability: number;
  deadline: RmwTime;
  lifespan: RmwTime;
  /** 0 system default, 1 automatic, 3 manual by topic. */
  liveliness: number;
  livelinessLeaseDuration: RmwTime;
  avoidRosNamespaceConventions: boolean;
}

/** RMW_DURATION_INFINITE as rosbag2 (Iron and later) records it. */
export const INFINITE: RmwTime = { sec: 9223372036, nsec: 854775807 };

/** rclcpp's default publisher QoS (reliable, volatile, keep last 10). */
export const DEFAULT_QOS: QosProfile = {
  history: 1,
  depth: 10,
  reliability: 1,
  durability: 2,
  deadline: INFINITE,
  lifespan: INFINITE,
  liveliness: 1,
  livelinessLeaseDuration: INFINITE,
  avoidRosNamespaceConventions: false,
};

/** rclcpp's SensorDataQoS (best effort, keep last 5), what camera and IMU drivers offer. */
export const SENSOR_DATA_QOS: QosProfile = { ...DEFAULT_QOS, depth: 5, reliability: 2 };

/** v9 metadata writes enum names; map them back so every input ends up in the v8 integer form. */
const ENUM_NAMES: Record<string, Record<string, number>> = {
  history: { system_default: 0, keep_last: 1, keep_all: 2, unknown: 3 },
  reliability: { system_default: 0, reliable: 1, best_effort: 2, unknown: 3, best_available: 4 },
  durability: { system_default: 0, transient_local: 1, volatile: 2, unknown: 3, best_available: 4 },
  liveliness: { system_default: 0, automatic: 1, manual_by_node: 2, manual_by_topic: 3, unknown: 4, best_available: 5 },
};

function time(t: RmwTime, indent: string): string {
  return `\n${indent}  sec: ${t.sec}\n${indent}  nsec: ${t.nsec}`;
}

/** Serialises profiles exactly like rosbag2's yaml-cpp emitter (v8): no trailing newline, "" for none. */
export function serializeQosProfiles(profiles: readonly QosProfile[]): string {
  return profiles
    .map(
      (p) =>
        `- history: ${p.history}\n  depth: ${p.depth}\n  reliability: ${p.reliability}\n  durability: ${p.durability}` +
        `\n  deadline:${time(p.deadline, '  ')}\n  lifespan:${time(p.lifespan, '  ')}\n  liveliness: ${p.liveliness}` +
        `\n  liveliness_lease_duration:${time(p.livelinessLeaseDuration, '  ')}` +
        `\n  avoid_ros_namespace_conventions: ${p.avoidRosNamespaceConventions}`,
    )
    .join('\n');
}

function enumValue(key: string, value: unknown): number {
  if (typeof value === 'number') return value;
  const named = ENUM_NAMES[key]?.[String(value).toLowerCase()];
  if (named === undefined) throw new Error(`unknown ${key} '${String(value)}'`);
  return named;
}

function rmwTime(value: unknown): RmwTime {
  const v = value as { sec?: unknown; nsec?: unknown } | undefined;
  return { sec: Number(v?.sec ?? 0), nsec: Number(v?.nsec ?? 0) };
}

/** Parses offered QoS profiles in any rosbag2 form: the v4–v8 YAML string or a v9 YAML list. */
export function parseQosProfiles(yamlText: string): QosProfile[] {
  if (yamlText.trim() === '') return [];
  const list: unknown = parse(yamlText);
  if (!Array.isArray(list)) throw new Error('offered_qos_profiles is not a list');
  return list.map((item: Record<string, unknown>) => ({
    history: enumValue('history', item.history),
    depth: Number(item.depth ?? 0),
    reliability: enumValue('reliability', item.reliability),
    durability: enumValue('durability', item.durability),
    deadline: rmwTime(item.deadline),
    lifespan: rmwTime(item.lifespan),
    liveliness: enumValue('liveliness', item.liveliness),
    livelinessLeaseDuration: rmwTime(item.liveliness_lease_duration),
    avoidRosNamespaceConventions: item.avoid_ros_namespace_conventions === true,
  }));
}

/**
 * Brings offered QoS text of any metadata version into the v8 string form. Text that does not
 * parse is kept as it is: losing a bag's QoS is worse than carrying a string rosbag2 will reject.
 */
export function normaliseQosText(yamlText: string): string {
  try {
    return serializeQosProfiles(parseQosProfiles(yamlText));
  } catch {
    return yamlText;
  }
}
