/**
 * The small transport interface the nodes are written against. Two implementations: rclnodejs
 * (real ROS 2, loaded lazily) and an in-process bus (no ROS 2: same node code, same YAML).
 * Messages are plain objects with ROS field names, as rclnodejs delivers them.
 */

export interface QosProfile {
  reliability: 'reliable' | 'best_effort';
  durability: 'volatile' | 'transient_local';
  history: 'keep_last' | 'keep_all';
  depth: number;
}

/** builtin_interfaces/msg/Time. */
export interface RosTime {
  sec: number;
  nanosec: number;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface Publisher<T = unknown> {
  readonly topic: string;
  readonly type: string;
  publish(message: T): void;
}

export interface Subscription {
  readonly topic: string;
  destroy(): void;
}

export interface Timer {
  cancel(): void;
}

export interface NodeOptions {
  /** Validated parameters of this node (from its params file), exposed to ROS tooling where possible. */
  parameters?: Record<string, unknown>;
  /** Follow /clock instead of the wall clock (the ROS `use_sim_time` parameter). */
  useSimTime?: boolean;
}

export interface TransportNode {
  readonly name: string;
  readonly logger: Logger;
  /** `type` is a ROS 2 type name, e.g. `sensor_msgs/msg/Imu`. */
  createPublisher<T>(type: string, topic: string, qos: QosProfile): Publisher<T>;
  createSubscription<T>(type: string, topic: string, qos: QosProfile, callback: (message: T) => void): Subscription;
  /** Calls `callback` every `periodSeconds` of this node's clock (sim time when enabled). */
  createTimer(periodSeconds: number, callback: () => void): Timer;
  /** This node's clock in nanoseconds (sim time when enabled). */
  now(): bigint;
  destroy(): void;
}

export interface Transport {
  readonly kind: 'rclnodejs' | 'in-process';
  createNode(name: string, options?: NodeOptions): Promise<TransportNode>;
  /** Runs callbacks until shutdown (rclnodejs spins; the in-process bus delivers as it goes). */
  spin(): void;
  shutdown(): Promise<void>;
}

export function toRosTime(ns: bigint): RosTime {
  return { sec: Number(ns / 1_000_000_000n), nanosec: Number(ns % 1_000_000_000n) };
}

export function fromRosTime(t: RosTime): bigint {
  return BigInt(t.sec) * 1_000_000_000n + BigInt(t.nanosec);
}
