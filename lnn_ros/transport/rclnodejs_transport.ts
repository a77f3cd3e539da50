/**
 * The rclnodejs transport: the only file that may load rclnodejs, and only when asked, since
 * requiring it without a sourced ROS 2 tries a native rebuild. The slice of its API used here is
 * typed below, after rclnodejs 2.2.0's lib/node.js, lib/lifecycle.js and lib/parameter.js (and
 * faked after them in tests).
 */
import { InputError } from '../errors';
import { LIFECYCLE_STATES } from './lifecycle';
import { parameterMismatch } from './parameter_store';
import {
  LifecycleCallbacks,
  LifecycleState,
  LifecycleTransition,
  Logger,
  NodeOptions,
  ParameterChange,
  ParameterSpec,
  ParameterValue,
  Publisher,
  QosProfile,
  Subscription,
  Transport,
  TransportNode,
} from './types';

/** rclnodejs's Logging: its methods read `this`, so they must be called on the logger. */
interface RclLogger {
  debug(message: string): boolean;
  info(message: string): boolean;
  warn(message: string): boolean;
  error(message: string): boolean;
}

/** rclnodejs's Parameter (integers are bigint). */
export interface RclParameter {
  name: string;
  type: number;
  value: unknown;
}

/** rcl_interfaces/msg/QoSProfile as getPublishersInfoByTopic reports it. */
interface RclEndpointInfo {
  qos_profile: { history: number; depth: number; reliability: number; durability: number };
}

export interface RclNode {
  createPublisher(type: string, topic: string, options: { qos: unknown }): { publish(message: unknown): void };
  destroyPublisher(publisher: unknown): void;
  createSubscription(type: string, topic: string, options: { qos: unknown; enableTypedArray?: boolean }, callback: (message: unknown) => void): unknown;
  destroySubscription(subscription: unknown): void;
  createTimer(periodNs: bigint, callback: () => void): { cancel(): void };
  now(): { nanoseconds: bigint };
  getLogger(): RclLogger;
  namespace(): string;
  getFullyQualifiedName(): string;
  declareParameter(parameter: RclParameter, descriptor?: unknown, ignoreOverride?: boolean): unknown;
  hasParameter(name: string): boolean;
  getParameter(name: string): RclParameter;
  setParameter(parameter: RclParameter): { successful: boolean; reason: string | null };
  setParametersAtomically(parameters: RclParameter[]): { successful: boolean; reason: string | null };
  addOnSetParametersCallback(callback: (parameters: RclParameter[]) => { successful: boolean; reason: string }): void;
  getPublishersInfoByTopic(topic: string, noDemangle?: boolean): RclEndpointInfo[];
  resolveTopicName(topic: string): string;
  spin(timeout?: number): void;
  destroy(): void;
}

export interface RclLifecycleNode extends RclNode {
  readonly currentState: { id: number; label: string };
  registerOnConfigure(cb: (previous: { label: string }) => number): void;
  registerOnActivate(cb: (previous: { label: string }) => number): void;
  registerOnDeactivate(cb: (previous: { label: string }) => number): void;
  registerOnCleanup(cb: (previous: { label: string }) => number): void;
  registerOnShutdown(cb: (previous: { label: string }) => number): void;
  configure(result?: { value: number }): unknown;
  activate(result?: { value: number }): unknown;
  deactivate(result?: { value: number }): unknown;
  cleanup(result?: { value: number }): unknown;
  shutdown(result?: { value: number }): unknown;
}

/** What lnn_ros uses of `require('rclnodejs')`. */
export interface RclnodejsApi {
  init(context?: unknown, argv?: string[]): Promise<void>;
  Node: new (name: string, namespace?: string) => RclNode;
  lifecycle: {
    LifecycleNode: new (name: string, namespace?: string) => RclLifecycleNode;
    CallbackReturnCode: { readonly SUCCESS: number; readonly FAILURE: number };
    CallbackReturnValue: new () => { value: number };
  };
  QoS: {
    new (history: number, depth: number, reliability: number, durability: number): unknown;
    HistoryPolicy: { RMW_QOS_POLICY_HISTORY_KEEP_LAST: number; RMW_QOS_POLICY_HISTORY_KEEP_ALL: number };
    ReliabilityPolicy: { RMW_QOS_POLICY_RELIABILITY_RELIABLE: number; RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT: number };
    DurabilityPolicy: { RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL: number; RMW_QOS_POLICY_DURABILITY_VOLATILE: number };
  };
  Parameter: new (name: string, type: number, value: unknown) => RclParameter;
  ParameterDescriptor: new (name: string, type: number, description?: string, readOnly?: boolean, range?: unknown) => { additionalConstraints: string };
  FloatingPointRange: new (from: number, to: number, step?: number) => unknown;
  IntegerRange: new (from: bigint, to: bigint, step?: bigint) => unknown;
  ParameterType: Record<'PARAMETER_BOOL' | 'PARAMETER_INTEGER' | 'PARAMETER_DOUBLE' | 'PARAMETER_STRING' | 'PARAMETER_BOOL_ARRAY' | 'PARAMETER_INTEGER_ARRAY' | 'PARAMETER_DOUBLE_ARRAY' | 'PARAMETER_STRING_ARRAY', number>;
  /** rclnodejs shuts every context down on SIGINT unless this is called; lnn_ros stops through cli/interrupt instead. */
  removeSignalHandlers(): void;
  isShutdown(): boolean;
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
    throw new InputError(
      `rclnodejs could not be loaded (${(e as Error).message}); it is built against the sourced ROS 2 by 'colcon build' ` +
        "(or 'bash scripts/npm_install.sh' in a shell where ROS 2 is sourced)",
    );
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

/** A publisher's offered QoS (rmw enum values) in our form. */
function fromRmwQos(rcl: RclnodejsApi, q: RclEndpointInfo['qos_profile']): QosProfile {
  const { HistoryPolicy: H, ReliabilityPolicy: R, DurabilityPolicy: D } = rcl.QoS;
  return {
    reliability: q.reliability === R.RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT ? 'best_effort' : 'reliable',
    durability: q.durability === D.RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL ? 'transient_local' : 'volatile',
    history: q.history === H.RMW_QOS_POLICY_HISTORY_KEEP_ALL ? 'keep_all' : 'keep_last',
    depth: Number(q.depth),
  };
}

const RCL_TYPES: Record<ParameterSpec['type'], keyof RclnodejsApi['ParameterType']> = {
  bool: 'PARAMETER_BOOL',
  integer: 'PARAMETER_INTEGER',
  double: 'PARAMETER_DOUBLE',
  string: 'PARAMETER_STRING',
  bool_array: 'PARAMETER_BOOL_ARRAY',
  integer_array: 'PARAMETER_INTEGER_ARRAY',
  double_array: 'PARAMETER_DOUBLE_ARRAY',
  string_array: 'PARAMETER_STRING_ARRAY',
};

/** A declared value as an rclnodejs Parameter (integers as bigint, as rclnodejs requires). */
export function toRclParameter(rcl: RclnodejsApi, spec: Pick<ParameterSpec, 'name' | 'type'>, value: ParameterValue): RclParameter {
  const v = spec.type === 'integer' ? BigInt(value as number) : spec.type === 'integer_array' ? (value as number[]).map((x) => BigInt(x)) : value;
  return new rcl.Parameter(spec.name, rcl.ParameterType[RCL_TYPES[spec.type]], v);
}

/** An rclnodejs parameter value in our form (bigint → number). */
function fromRclValue(value: unknown): ParameterValue {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'bigint' ? Number(v) : v)) as ParameterValue;
  return value as ParameterValue;
}

function descriptor(rcl: RclnodejsApi, spec: ParameterSpec): unknown {
  const type = rcl.ParameterType[RCL_TYPES[spec.type]];
  let range: unknown = null;
  if (spec.range && spec.type === 'double') range = new rcl.FloatingPointRange(spec.range.from, spec.range.to, 0);
  if (spec.range && spec.type === 'integer') range = new rcl.IntegerRange(BigInt(Math.max(spec.range.from, Number.MIN_SAFE_INTEGER)), BigInt(Math.min(spec.range.to, Number.MAX_SAFE_INTEGER)), 0n);
  const d = new rcl.ParameterDescriptor(spec.name, type, spec.description, spec.readOnly, range);
  if (spec.constraints) d.additionalConstraints = spec.constraints;
  return d;
}

/** Each method bound to the rclnodejs logger (whose methods read `this`). */
function boundLogger(l: RclLogger): Logger {
  return { debug: (m) => void l.debug(m), info: (m) => void l.info(m), warn: (m) => void l.warn(m), error: (m) => void l.error(m) };
}

/** Registers our transition callbacks on an rclnodejs LifecycleNode; a failure is logged with its reason. */
function registerLifecycle(rcl: RclnodejsApi, node: RclLifecycleNode, callbacks: LifecycleCallbacks, logger: Logger): void {
  const { SUCCESS, FAILURE } = rcl.lifecycle.CallbackReturnCode;
  const wrap = (transition: LifecycleTransition, run: (previous: LifecycleState) => string | null) => (previous: { label: string }) => {
    let failure: string | null;
    try {
      failure = run(primaryState(previous.label));
    } catch (e) {
      failure = (e as Error).message;
    }
    if (failure !== null) logger.error(`${transition} failed: ${failure}`);
    return failure === null ? SUCCESS : FAILURE;
  };
  node.registerOnConfigure(wrap('configure', () => callbacks.onConfigure()));
  node.registerOnActivate(wrap('activate', () => callbacks.onActivate()));
  node.registerOnDeactivate(wrap('deactivate', () => callbacks.onDeactivate()));
  node.registerOnCleanup(wrap('cleanup', () => callbacks.onCleanup()));
  // rclnodejs passes the state the transition started from (rcl labels states in lower case).
  node.registerOnShutdown(wrap('shutdown', (previous) => callbacks.onShutdown(previous)));
}

function primaryState(label: string): LifecycleState {
  const l = label.toLowerCase();
  return (LIFECYCLE_STATES as readonly string[]).includes(l) ? (l as LifecycleState) : 'unconfigured';
}

export class RclnodejsTransport implements Transport {
  readonly kind = 'rclnodejs';
  private readonly nodes: RclNode[] = [];

  private constructor(private readonly rcl: RclnodejsApi) {}

  /** `argv` carries the `--ros-args` that ros2 launch passes (remaps, params files); rcl parses them. */
  static async create(argv: string[], rcl: RclnodejsApi = loadRclnodejs()): Promise<RclnodejsTransport> {
    await rcl.init(undefined, argv);
    // Its handler would shut the context down under our own stop path (cli/interrupt), which still
    // has to publish a final stop command through it.
    rcl.removeSignalHandlers();
    return new RclnodejsTransport(rcl);
  }

  async createNode(name: string, options: NodeOptions = {}): Promise<TransportNode> {
    const rcl = this.rcl;
    const namespace = options.namespace ?? '';
    const lifecycleNode = options.lifecycle ? new rcl.lifecycle.LifecycleNode(name, namespace) : null;
    const node: RclNode = lifecycleNode ?? new rcl.Node(name, namespace);
    this.nodes.push(node);
    const logger = boundLogger(node.getLogger());
    const specs = new Map((options.parameters ?? []).map((s) => [s.name, s]));
    for (const spec of specs.values()) {
      // rclnodejs declares use_sim_time itself (its TimeSource); our value is set below.
      if (spec.name === 'use_sim_time') continue;
      // Our own params-file matching (names.ts, as rclcpp's) has chosen the value: ignore rclnodejs's overrides.
      node.declareParameter(toRclParameter(rcl, spec, spec.value), descriptor(rcl, spec), true);
    }
    const simTime = options.useSimTime ?? false;
    if (fromRclValue(node.getParameter('use_sim_time').value) !== simTime) {
      node.setParameter(new rcl.Parameter('use_sim_time', rcl.ParameterType.PARAMETER_BOOL, simTime));
    }
    // Registered after declaring, since rclnodejs also runs it for declarations.
    node.addOnSetParametersCallback((parameters) => {
      const ours = parameters.filter((p) => specs.has(p.name));
      if (ours.length === 0) return { successful: true, reason: '' };
      const changes: ParameterChange[] = ours.map((p) => ({ name: p.name, value: fromRclValue(p.value) }));
      for (const c of changes) {
        const mismatch = parameterMismatch(specs.get(c.name)!, c.value);
        if (mismatch) return { successful: false, reason: mismatch };
      }
      const refused = options.onParameterChange ? options.onParameterChange(changes) : 'this node accepts no parameter changes at run time';
      return { successful: refused === null, reason: refused ?? '' };
    });
    if (lifecycleNode && options.lifecycle) registerLifecycle(rcl, lifecycleNode, options.lifecycle, logger);
    return {
      name,
      namespace: node.namespace(),
      logger,
      createPublisher: <T>(type: string, topic: string, qos: QosProfile): Publisher<T> => {
        const publisher = node.createPublisher(type, topic, { qos: toRclQos(rcl, qos) });
        return { topic: node.resolveTopicName(topic), type, publish: (message: T) => publisher.publish(message), destroy: () => node.destroyPublisher(publisher) };
      },
      createSubscription: <T>(type: string, topic: string, qos: QosProfile, callback: (message: T) => void): Subscription => {
        // Typed arrays: an image's data arrives as one Uint8Array, not an array of numbers.
        const subscription = node.createSubscription(type, topic, { qos: toRclQos(rcl, qos), enableTypedArray: true }, callback as (m: unknown) => void);
        return { topic: node.resolveTopicName(topic), destroy: () => node.destroySubscription(subscription) };
      },
      createTimer: (periodSeconds: number, callback: () => void) => node.createTimer(BigInt(Math.round(periodSeconds * 1e9)), callback),
      now: () => node.now().nanoseconds,
      offeredQos: (topic: string) => node.getPublishersInfoByTopic(topic).map((p) => fromRmwQos(rcl, p.qos_profile)),
      getParameter: (parameter) => (node.hasParameter(parameter) ? fromRclValue(node.getParameter(parameter).value) : undefined),
      setParameters: (changes) => {
        const undeclared = changes.find((c) => !specs.has(c.name));
        if (undeclared) return `parameter '${undeclared.name}' is not declared`;
        const result = node.setParametersAtomically(changes.map((c) => toRclParameter(rcl, specs.get(c.name)!, c.value)));
        return result.successful ? null : result.reason ?? 'refused';
      },
      lifecycleState: () => (lifecycleNode ? primaryState(lifecycleNode.currentState.label) : 'active'),
      transition: (transition) => {
        if (!lifecycleNode) return `${name} is not a managed node`;
        const result = new rcl.lifecycle.CallbackReturnValue();
        try {
          lifecycleNode[transition](result);
        } catch (e) {
          return (e as Error).message;
        }
        return result.value === rcl.lifecycle.CallbackReturnCode.SUCCESS ? null : `${transition} failed (see the node's log)`;
      },
      destroy: () => {
        const i = this.nodes.indexOf(node);
        if (i >= 0) this.nodes.splice(i, 1);
        node.destroy();
      },
    };
  }

  spin(): void {
    for (const node of this.nodes) node.spin();
  }

  async shutdown(): Promise<void> {
    if (!this.rcl.isShutdown()) this.rcl.shutdown();
  }
}

