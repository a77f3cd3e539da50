/**
 * The rclnodejs transport: the only file that may load rclnodejs, and only when asked, since
 * requiring it without a sourced ROS 2 tries a native rebuild. The slice of its API used here is
 * typed below (and faked in tests).
 */
import { InputError } from '../errors';
import { flattenParameters } from './params';
import { NodeOptions, Publisher, QosProfile, Subscription, Transport, TransportNode } from './types';

interface RclLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RclNode {
  createPublisher(type: string, topic: string, options: { qos: unknown }): { publish(message: unknown): void };
  createSubscription(type: string, topic: string, options: { qos: unknown }, callback: (message: unknown) => void): unknown;
  destroySubscription(subscription: unknown): void;
  createTimer(periodNs: bigint, callback: () => void): { cancel(): void };
  now(): { nanoseconds: bigint };
  getLogger(): RclLogger;
  declareParameter(parameter: unknown): unknown;
  setParameter(parameter: unknown): unknown;
  destroy(): void;
}

/** What lnn_ros uses of `require('rclnodejs')`. */
export interface RclnodejsApi {
  init(context?: unknown, argv?: string[]): Promise<void>;
  Node: new (name: string) => RclNode;
  QoS: {
    new (history: number, depth: number, reliability: number, durability: number): unknown;
    HistoryPolicy: { RMW_QOS_POLICY_HISTORY_KEEP_LAST: number; RMW_QOS_POLICY_HISTORY_KEEP_ALL: number };
    ReliabilityPolicy: { RMW_QOS_POLICY_RELIABILITY_RELIABLE: number; RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT: number };
    DurabilityPolicy: { RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL: number; RMW_QOS_POLICY_DURABILITY_VOLATILE: number };
  };
  Parameter: new (name: string, type: number, value: unknown) => unknown;
  ParameterType: Record<'PARAMETER_BOOL' | 'PARAMETER_INTEGER' | 'PARAMETER_DOUBLE' | 'PARAMETER_STRING' | 'PARAMETER_BOOL_ARRAY' | 'PARAMETER_INTEGER_ARRAY' | 'PARAMETER_DOUBLE_ARRAY' | 'PARAMETER_STRING_ARRAY', number>;
  spin(node: RclNode): void;
  shutdown(): void;
}

/** Loads rclnodejs, refusing early (with the reason) when no ROS 2 environment is sourced. */
export function loadRclnodejs(env: NodeJS.ProcessEnv = process.env): RclnodejsApi {
  if (!env.AMENT_PREFIX_PATH || !env.ROS_DISTRO) {
    throw new InputError('the rclnodejs transport needs a sourced ROS 2 (AMENT_PREFIX_PATH and ROS_DISTRO are unset); use the in-process transport instead');
  }
  try {
    return require('rclnodejs') as RclnodejsApi;
  } catch (e) {
    throw new InputError(`rclnodejs could not be loaded (${(e as Error).message}); install it with 'npm install rclnodejs' in a sourced ROS 2 shell`);
  }
}

/** Our QoS profile as an rclnodejs QoS object. */
export function toRclQos(rcl: RclnodejsApi, q: QosProfile): unknown {
  const { HistoryPolicy: H, ReliabilityPolicy: R, DurabilityPolicy: D } = rcl.QoS;
  return new rcl.QoS(
    q.history === 'keep_last' ? H.RMW_QOS_POLICY_HISTORY_KEEP_LAST : H.RMW_QOS_POLICY_HISTORY_KEEP_ALL,
    q.depth,
    q.reliability === 'reliable' ? R.RMW_QOS_POLICY_RELIABILITY_RELIABLE : R.RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT,
    q.durability === 'transient_local' ? D.RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL : D.RMW_QOS_POLICY_DURABILITY_VOLATILE,
  );
}

/** A validated parameter as an rclnodejs Parameter (integers are bigint there), or null when it has no ROS type. */
export function toRclParameter(rcl: RclnodejsApi, name: string, value: unknown): unknown | null {
  const T = rcl.ParameterType;
  const make = (type: number, v: unknown) => new rcl.Parameter(name, type, v);
  if (typeof value === 'boolean') return make(T.PARAMETER_BOOL, value);
  if (typeof value === 'string') return make(T.PARAMETER_STRING, value);
  if (typeof value === 'number') return Number.isInteger(value) ? make(T.PARAMETER_INTEGER, BigInt(value)) : make(T.PARAMETER_DOUBLE, value);
  if (Array.isArray(value) && value.length > 0) {
    if (value.every((v) => typeof v === 'boolean')) return make(T.PARAMETER_BOOL_ARRAY, value);
    if (value.every((v) => typeof v === 'string')) return make(T.PARAMETER_STRING_ARRAY, value);
    if (value.every((v) => Number.isInteger(v))) return make(T.PARAMETER_INTEGER_ARRAY, value.map((v) => BigInt(v)));
    if (value.every((v) => typeof v === 'number')) return make(T.PARAMETER_DOUBLE_ARRAY, value);
  }
  return null;
}

export class RclnodejsTransport implements Transport {
  readonly kind = 'rclnodejs';
  private readonly nodes: RclNode[] = [];

  private constructor(private readonly rcl: RclnodejsApi) {}

  /** `argv` carries the `--ros-args` that ros2 launch passes (remaps, params files). */
  static async create(argv: string[], rcl: RclnodejsApi = loadRclnodejs()): Promise<RclnodejsTransport> {
    await rcl.init(undefined, argv);
    return new RclnodejsTransport(rcl);
  }

  async createNode(name: string, options: NodeOptions = {}): Promise<TransportNode> {
    const rcl = this.rcl;
    const node = new rcl.Node(name);
    this.nodes.push(node);
    // Declared so `ros2 param list/get` shows what the node runs with.
    for (const [key, value] of flattenParameters(options.parameters ?? {})) {
      const parameter = toRclParameter(rcl, key, value);
      if (parameter) node.declareParameter(parameter);
    }
    if (options.useSimTime) node.setParameter(new rcl.Parameter('use_sim_time', rcl.ParameterType.PARAMETER_BOOL, true));
    return {
      name,
      logger: node.getLogger(),
      createPublisher: <T>(type: string, topic: string, qos: QosProfile): Publisher<T> => {
        const publisher = node.createPublisher(type, topic, { qos: toRclQos(rcl, qos) });
        return { topic, type, publish: (message: T) => publisher.publish(message) };
      },
      createSubscription: <T>(type: string, topic: string, qos: QosProfile, callback: (message: T) => void): Subscription => {
        const subscription = node.createSubscription(type, topic, { qos: toRclQos(rcl, qos) }, callback as (m: unknown) => void);
        return { topic, destroy: () => node.destroySubscription(subscription) };
      },
      createTimer: (periodSeconds: number, callback: () => void) => node.createTimer(BigInt(Math.round(periodSeconds * 1e9)), callback),
      now: () => node.now().nanoseconds,
      destroy: () => node.destroy(),
    };
  }

  spin(): void {
    for (const node of this.nodes) this.rcl.spin(node);
  }

  async shutdown(): Promise<void> {
    this.rcl.shutdown();
  }
}
