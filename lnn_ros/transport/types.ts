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
  destroy(): void;
}

export interface Subscription {
  readonly topic: string;
  destroy(): void;
}

export interface Timer {
  cancel(): void;
}

/** The ROS 2 parameter types lnn_ros declares (rcl_interfaces/msg/ParameterType). */
export type ParameterType = 'bool' | 'integer' | 'double' | 'string' | 'bool_array' | 'integer_array' | 'double_array' | 'string_array';
export type ParameterValue = boolean | number | string | boolean[] | number[] | string[];

/** A parameter with its rcl_interfaces/msg/ParameterDescriptor, as rclcpp's declare_parameter takes it. */
export interface ParameterSpec {
  /** Dotted ROS name: `command.limits.linear.x.max`. */
  name: string;
  type: ParameterType;
  value: ParameterValue;
  description: string;
  /** Run-time changes are refused (the description says why). */
  readOnly: boolean;
  /** Inclusive bounds of a number. */
  range?: { from: number; to: number };
  /** What else a value must satisfy, in words (e.g. "one of: kernel, tfjs"). */
  constraints?: string;
}

export interface ParameterChange {
  name: string;
  value: ParameterValue;
}

/**
 * Checks a run-time change (`ros2 param set`) of declared parameters and applies it: returns
 * null when accepted and applied, or the reason it is refused (nothing changes then).
 */
export type ParameterChangeHandler = (changes: readonly ParameterChange[]) => string | null;

/** The primary states of a managed (lifecycle) node, as lifecycle_msgs/msg/State labels them. */
export type LifecycleState = 'unconfigured' | 'inactive' | 'active' | 'finalized';
export type LifecycleTransition = 'configure' | 'activate' | 'deactivate' | 'cleanup' | 'shutdown';

/**
 * The transition callbacks of a managed node (rclcpp_lifecycle's on_configure …). Each returns
 * null on success or why it failed; a failed transition returns the node to the state it left.
 * `onShutdown` receives the state it is called from.
 */
export interface LifecycleCallbacks {
  onConfigure(): string | null;
  onActivate(): string | null;
  onDeactivate(): string | null;
  onCleanup(): string | null;
  onShutdown(from: LifecycleState): string | null;
}

export interface NodeOptions {
  /** The node's namespace (`/car1`); relative topic names resolve under it. Default: from `__ns`, else `/`. */
  namespace?: string;
  /** Parameters to declare, with descriptors, so `ros2 param list/get/describe` shows them. */
  parameters?: ParameterSpec[];
  /** Accepts or refuses `ros2 param set` on the declared parameters. Without it every change is refused. */
  onParameterChange?: ParameterChangeHandler;
  /** Follow /clock instead of the wall clock (the ROS `use_sim_time` parameter). */
  useSimTime?: boolean;
  /** Makes a managed node: it starts unconfigured and moves through these callbacks. */
  lifecycle?: LifecycleCallbacks;
}

export interface TransportNode {
  readonly name: string;
  /** `/` or `/car1`. */
  readonly namespace: string;
  readonly logger: Logger;
  /** `type` is a ROS 2 type name, e.g. `sensor_msgs/msg/Imu`; `topic` may be relative to the namespace. */
  createPublisher<T>(type: string, topic: string, qos: QosProfile): Publisher<T>;
  createSubscription<T>(type: string, topic: string, qos: QosProfile, callback: (message: T) => void): Subscription;
  /** Calls `callback` every `periodSeconds` of this node's clock (sim time when enabled). */
  createTimer(periodSeconds: number, callback: () => void): Timer;
  /** This node's clock in nanoseconds (sim time when enabled). */
  now(): bigint;
  /** The QoS each publisher on `topic` offers now (what a recorder should store and match). */
  offeredQos(topic: string): QosProfile[];
  /** The value of a declared parameter. */
  getParameter(name: string): ParameterValue | undefined;
  /** Changes declared parameters as `ros2 param set` does (through the change handler); returns the refusal reason or null. */
  setParameters(changes: readonly ParameterChange[]): string | null;
  /** Current lifecycle state of a managed node; 'active' for a plain node. */
  lifecycleState(): LifecycleState;
  /** Runs a lifecycle transition as `ros2 lifecycle set` does; returns why it failed, or null. */
  transition(transition: LifecycleTransition): string | null;
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
