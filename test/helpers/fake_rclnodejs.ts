/**
 * A stand-in for rclnodejs 2.2.0 (which cannot load without ROS 2), written after its source
 * (index.js, lib/node.js, lib/logging.js, lib/parameter.js, lib/lifecycle.js) where lnn_ros's bugs
 * lived:
 * - loading it installs a SIGINT handler that shuts every context down (index.js `_sigHandler`),
 *   after which a node's clock is gone (`now()` throws), unless `removeSignalHandlers()` is called;
 * - the Logger's methods read `this` (`this._log(...)`), so an unbound call throws;
 * - `init(context, argv)` parses `--ros-args`: params files and `-p` become parameter overrides that
 *   a node applies, like rclnodejs, only under the keys `/**` and its plain name, unless declared
 *   with ignoreOverride; `__node`/`__ns` remaps rename the node; topic remaps apply;
 * - parameters: integers must be bigint, a second declaration throws, use_sim_time is declared by
 *   the node itself (TimeSource), read-only and undeclared parameters are refused with a reason,
 *   on-set callbacks run for declarations too;
 * - createTimer takes bigint nanoseconds; a LifecycleNode runs rcl_lifecycle's state machine and
 *   calls its callbacks with the state it left, expecting Transition.TRANSITION_CALLBACK_* codes.
 */
import { readYamlFile } from '../../lnn_ros/model/model_dir';
import { flattenParameters, parseRosArgs } from '../../lnn_ros/transport/params';
import { fullyQualifiedName, resolveTopicName, RemapRule } from '../../lnn_ros/transport/names';
import type { RclnodejsApi } from '../../lnn_ros/transport/rclnodejs_transport';

/** rcl_interfaces/msg/ParameterType, as rclnodejs's ParameterType enumerates it. */
const Types = {
  PARAMETER_NOT_SET: 0, PARAMETER_BOOL: 1, PARAMETER_INTEGER: 2, PARAMETER_DOUBLE: 3, PARAMETER_STRING: 4,
  PARAMETER_BYTE_ARRAY: 5, PARAMETER_BOOL_ARRAY: 6, PARAMETER_INTEGER_ARRAY: 7, PARAMETER_DOUBLE_ARRAY: 8, PARAMETER_STRING_ARRAY: 9,
};

/** lifecycle_msgs/msg/Transition TRANSITION_CALLBACK_* (as rclnodejs's CallbackReturnCode reads them). */
const CALLBACK = { SUCCESS: 97, FAILURE: 98, ERROR: 99 };

export interface Published {
  node: string;
  topic: string;
  message: unknown;
}

export interface FakeRcl {
  api: RclnodejsApi;
  /** Every publish, in order. */
  published: Published[];
  /** Every call worth asserting on: [method, ...arguments]. */
  calls: Array<[string, ...unknown[]]>;
  /** Log lines as rclnodejs would print them: [severity, logger, message]. */
  logs: Array<[string, string, string]>;
  nodes: Array<{ name(): string; namespace(): string }>;
  /** The SIGINT handler rclnodejs installs on load (removed by removeSignalHandlers). */
  sigintHandler: () => void;
}

function typeOf(value: unknown): number {
  if (typeof value === 'boolean') return Types.PARAMETER_BOOL;
  if (typeof value === 'bigint') return Types.PARAMETER_INTEGER;
  if (typeof value === 'number') return Types.PARAMETER_DOUBLE;
  if (typeof value === 'string') return Types.PARAMETER_STRING;
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return Types.PARAMETER_STRING_ARRAY;
    if (value.every((v) => typeof v === 'boolean')) return Types.PARAMETER_BOOL_ARRAY;
    if (value.every((v) => typeof v === 'bigint')) return Types.PARAMETER_INTEGER_ARRAY;
    return Types.PARAMETER_DOUBLE_ARRAY;
  }
  return Types.PARAMETER_NOT_SET;
}

/** A YAML value as rcl_yaml_param_parser types it (integers are int64, i.e. bigint in rclnodejs). */
function rclValue(v: unknown): unknown {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (Array.isArray(v)) return v.every((x) => typeof x === 'number' && Number.isInteger(x)) ? v.map((x) => BigInt(x)) : v;
  return v;
}

export function fakeRclnodejs(): FakeRcl {
  const published: Published[] = [];
  const calls: Array<[string, ...unknown[]]> = [];
  const logs: Array<[string, string, string]> = [];
  const nodes: FakeNode[] = [];
  let initialized = false;
  let overrides = new Map<string, Map<string, unknown>>();
  let remaps: RemapRule[] = [];
  let nodeName: string | undefined;
  let namespaceArg: string | undefined;

  class Parameter {
    constructor(
      public name: string,
      public type: number,
      public value: unknown,
    ) {}
    validate(): void {
      if (typeOf(this.value) !== this.type && !(this.type === Types.PARAMETER_DOUBLE_ARRAY && Array.isArray(this.value))) {
        throw new TypeError(`Parameter ${this.name}: value ${String(this.value)} does not match type ${this.type}`);
      }
    }
  }
  class FloatingPointRange {
    constructor(
      public fromValue: number,
      public toValue: number,
      public step = 1,
    ) {}
    inRange(v: number) {
      return v >= this.fromValue && v <= this.toValue && (this.step === 0 || Math.abs(Math.round((v - this.fromValue) / this.step) * this.step + this.fromValue - v) < 1e-9);
    }
  }
  class IntegerRange {
    constructor(
      public fromValue: bigint,
      public toValue: bigint,
      public step = 1n,
    ) {}
    inRange(v: bigint) {
      return v >= this.fromValue && v <= this.toValue && (this.step === 0n || (v - this.fromValue) % this.step === 0n);
    }
  }
  class ParameterDescriptor {
    additionalConstraints = '';
    constructor(
      public name: string,
      public type: number,
      public description = 'no description',
      public readOnly = false,
      public range: FloatingPointRange | IntegerRange | null = null,
    ) {}
  }
  class Logging {
    constructor(private readonly _name: string) {}
    private _log(message: string, severity: string): boolean {
      if (typeof message !== 'string') throw new TypeError('message must be a string');
      logs.push([severity, this._name, message]);
      return true;
    }
    debug(message: string) {
      return this._log(message, 'DEBUG');
    }
    info(message: string) {
      return this._log(message, 'INFO');
    }
    warn(message: string) {
      return this._log(message, 'WARN');
    }
    error(message: string) {
      return this._log(message, 'ERROR');
    }
  }
  class Clock {
    ns = 42n;
    now() {
      return { nanoseconds: this.ns };
    }
  }

  class FakeNode {
    private readonly _name: string;
    private readonly _namespace: string;
    protected _clock: Clock | null = new Clock();
    private _spinning = false;
    readonly parameters = new Map<string, Parameter>();
    readonly descriptors = new Map<string, ParameterDescriptor>();
    private readonly callbacks: Array<(p: Parameter[]) => { successful: boolean; reason: string }> = [];
    private readonly overrides = new Map<string, Parameter>();
    readonly subscriptions: Array<{ topic: string; type: string; callback: (m: unknown) => void; destroyed: boolean }> = [];

    constructor(name: string, namespace = '') {
      if (!initialized) throw new Error('The context is not initialized (call rclnodejs.init first)');
      this._name = nodeName ?? name;
      const ns = namespaceArg ?? (namespace === '' ? '/' : namespace);
      this._namespace = ns.startsWith('/') ? ns : `/${ns}`;
      // lib/node.js _getNativeParameterOverrides: '/**' then the node's plain name.
      for (const key of ['/**', this._name]) for (const [n, v] of overrides.get(key) ?? []) this.overrides.set(n, new Parameter(n, typeOf(rclValue(v)), rclValue(v)));
      nodes.push(this);
      calls.push(['Node', this._name, this._namespace]);
      // TimeSource declares use_sim_time (from the overrides when present).
      this.declareParameter(new Parameter('use_sim_time', Types.PARAMETER_BOOL, false));
    }
    name() {
      return this._name;
    }
    namespace() {
      return this._namespace;
    }
    getFullyQualifiedName() {
      return fullyQualifiedName(this._namespace, this._name);
    }
    resolveTopicName(topic: string) {
      return resolveTopicName(topic, this._namespace, this._name, remaps);
    }
    getLogger() {
      return new Logging(this._name);
    }
    now() {
      // After shutdown the node's clock is gone, as in rclnodejs.
      return this._clock!.now();
    }
    createPublisher(type: string, topic: string, options: { qos: unknown }) {
      const resolved = this.resolveTopicName(topic);
      calls.push(['createPublisher', type, resolved, options.qos]);
      const publisher = { publish: (message: unknown) => {
        if (!this._clock) throw new Error('publish after the node was destroyed');
        published.push({ node: this._name, topic: resolved, message });
      } };
      return publisher;
    }
    destroyPublisher(publisher: unknown) {
      calls.push(['destroyPublisher', publisher]);
    }
    createSubscription(type: string, topic: string, options: { qos: unknown; enableTypedArray?: boolean }, callback: (m: unknown) => void) {
      const resolved = this.resolveTopicName(topic);
      calls.push(['createSubscription', type, resolved, options.qos, options.enableTypedArray]);
      const s = { topic: resolved, type, callback, destroyed: false };
      this.subscriptions.push(s);
      return s;
    }
    destroySubscription(s: { destroyed: boolean }) {
      s.destroyed = true;
      calls.push(['destroySubscription', s]);
    }
    createTimer(period: bigint, callback: () => void) {
      if (typeof period !== 'bigint') throw new TypeError('period must be a bigint of nanoseconds');
      calls.push(['createTimer', period]);
      const timer = { callback, canceled: false, cancel: () => { timer.canceled = true; calls.push(['cancel']); } };
      return timer;
    }
    getPublishersInfoByTopic(topic: string) {
      calls.push(['getPublishersInfoByTopic', topic]);
      return [{ qos_profile: { history: 1, depth: 5, reliability: 2, durability: 2 } }];
    }
    declareParameter(parameter: Parameter, descriptor?: ParameterDescriptor, ignoreOverride = false) {
      const p = !ignoreOverride && this.overrides.has(parameter.name) ? this.overrides.get(parameter.name)! : parameter;
      if (this.parameters.has(p.name)) throw new Error(`Parameter(${p.name}) already declared.`);
      const d = descriptor ?? new ParameterDescriptor(p.name, p.type);
      this.descriptors.set(p.name, d);
      const result = this.setAtomically([p], true);
      if (!result.successful) {
        this.descriptors.delete(p.name);
        throw new Error(result.reason ?? 'refused');
      }
      calls.push(['declareParameter', p.name, p.type, p.value, d.description, d.readOnly]);
      return p;
    }
    hasParameter(name: string) {
      return this.parameters.has(name);
    }
    getParameter(name: string) {
      const p = this.parameters.get(name);
      if (!p) throw new Error(`Parameter ${name} not found`);
      return p;
    }
    setParameter(p: Parameter) {
      return this.setAtomically([p], false);
    }
    setParametersAtomically(ps: Parameter[]) {
      return this.setAtomically(ps, false);
    }
    addOnSetParametersCallback(cb: (p: Parameter[]) => { successful: boolean; reason: string }) {
      this.callbacks.unshift(cb);
    }
    private setAtomically(ps: Parameter[], declaring: boolean): { successful: boolean; reason: string | null } {
      for (const p of ps) {
        try {
          p.validate();
        } catch {
          return { successful: false, reason: `Invalid ${p.name}` };
        }
        const d = this.descriptors.get(p.name);
        if (!d) return { successful: false, reason: `Parameter ${p.name} has not been declared` };
        if (!declaring && d.readOnly) return { successful: false, reason: `Parameter ${p.name} is readonly` };
        const rangeOk = !d.range || (d.range as { inRange(v: unknown): boolean }).inRange(p.value);
        if (d.type !== p.type || !rangeOk) return { successful: false, reason: `Parameter ${p.name} does not  readonly` };
      }
      for (const cb of this.callbacks) {
        const r = cb(ps);
        if (!r.successful) return r;
      }
      for (const p of ps) this.parameters.set(p.name, p);
      return { successful: true, reason: null };
    }
    /** Like rclnodejs's executor thread, spinning keeps the process alive until the node is destroyed. */
    private spinHandle: NodeJS.Timeout | null = null;
    spin() {
      if (this._spinning) throw new Error('The node is already spinning.');
      this._spinning = true;
      this.spinHandle = setInterval(() => {}, 1000);
      calls.push(['spin', this._name]);
    }
    destroy() {
      this._clock = null;
      if (this.spinHandle) clearInterval(this.spinHandle);
      calls.push(['destroy', this._name]);
    }
    /** Test hook: delivers `message` to this node's subscriptions on `topic`, as the executor would. */
    deliver(topic: string, message: unknown) {
      for (const s of this.subscriptions) if (!s.destroyed && s.topic === topic) s.callback(message);
    }
    /** Test hook: moves this node's clock. */
    setNow(ns: bigint) {
      if (this._clock) this._clock.ns = ns;
    }
  }

  const PRIMARY = { unconfigured: 1, inactive: 2, active: 3, finalized: 4 } as const;
  const STEPS: Record<string, { from: string[]; via: string; to: string }> = {
    configure: { from: ['unconfigured'], via: 'configuring', to: 'inactive' },
    activate: { from: ['inactive'], via: 'activating', to: 'active' },
    deactivate: { from: ['active'], via: 'deactivating', to: 'inactive' },
    cleanup: { from: ['inactive'], via: 'cleaningup', to: 'unconfigured' },
    shutdown: { from: ['unconfigured', 'inactive', 'active'], via: 'shuttingdown', to: 'finalized' },
  };

  class LifecycleNode extends FakeNode {
    private state = 'unconfigured';
    private readonly lifecycleCallbacks = new Map<string, (previous: { id: number; label: string }) => number>();
    get currentState() {
      return { id: PRIMARY[this.state as keyof typeof PRIMARY], label: this.state };
    }
    registerOnConfigure(cb: (p: { label: string }) => number) {
      this.lifecycleCallbacks.set('configuring', cb);
    }
    registerOnActivate(cb: (p: { label: string }) => number) {
      this.lifecycleCallbacks.set('activating', cb);
    }
    registerOnDeactivate(cb: (p: { label: string }) => number) {
      this.lifecycleCallbacks.set('deactivating', cb);
    }
    registerOnCleanup(cb: (p: { label: string }) => number) {
      this.lifecycleCallbacks.set('cleaningup', cb);
    }
    registerOnShutdown(cb: (p: { label: string }) => number) {
      this.lifecycleCallbacks.set('shuttingdown', cb);
    }
    private change(transition: string, result?: { value: number }) {
      const step = STEPS[transition];
      if (!step.from.includes(this.state)) throw new Error(`No transition available from state ${transition}`);
      const previous = this.currentState;
      const cb = this.lifecycleCallbacks.get(step.via);
      let code = CALLBACK.SUCCESS;
      try {
        if (cb) code = cb(previous);
      } catch {
        code = CALLBACK.ERROR;
      }
      if (result) result.value = code;
      // rcl_lifecycle: success → goal; failure → back where it started; error → error processing → unconfigured.
      this.state = code === CALLBACK.SUCCESS ? step.to : code === CALLBACK.FAILURE ? previous.label : 'unconfigured';
      calls.push(['transition', transition, code, this.state]);
      return this.currentState;
    }
    configure(r?: { value: number }) {
      return this.change('configure', r);
    }
    activate(r?: { value: number }) {
      return this.change('activate', r);
    }
    deactivate(r?: { value: number }) {
      return this.change('deactivate', r);
    }
    cleanup(r?: { value: number }) {
      return this.change('cleanup', r);
    }
    shutdown(r?: { value: number }) {
      return this.change('shutdown', r);
    }
  }

  class QoS {
    static HistoryPolicy = { RMW_QOS_POLICY_HISTORY_SYSTEM_DEFAULT: 0, RMW_QOS_POLICY_HISTORY_KEEP_LAST: 1, RMW_QOS_POLICY_HISTORY_KEEP_ALL: 2 };
    static ReliabilityPolicy = { RMW_QOS_POLICY_RELIABILITY_SYSTEM_DEFAULT: 0, RMW_QOS_POLICY_RELIABILITY_RELIABLE: 1, RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT: 2 };
    static DurabilityPolicy = { RMW_QOS_POLICY_DURABILITY_SYSTEM_DEFAULT: 0, RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL: 1, RMW_QOS_POLICY_DURABILITY_VOLATILE: 2 };
    constructor(
      public history: number,
      public depth: number,
      public reliability: number,
      public durability: number,
    ) {}
  }

  let shutdown = false;
  const shutdownAll = () => {
    shutdown = true;
    for (const n of nodes) n.destroy();
    calls.push(['shutdown']);
  };
  // index.js: `process.on('SIGINT', _sigHandler)` when the module loads.
  const sigintHandler = Object.assign(() => shutdownAll(), { fakeRcl: true });
  process.on('SIGINT', sigintHandler);

  class CallbackReturnValue {
    value = CALLBACK.SUCCESS;
  }

  const api = {
    init: async (_context: unknown, argv: string[] = []) => {
      if (initialized) throw new Error('The context has already been initialized.');
      initialized = true;
      calls.push(['init', argv]);
      const ros = parseRosArgs(argv);
      overrides = new Map();
      for (const file of ros.paramsFiles) {
        // rcl_yaml_param_parser: node names as written, nested mappings flattened into dotted names.
        for (const [key, section] of Object.entries(readYamlFile(file) as Record<string, { ros__parameters?: Record<string, unknown> }>)) {
          const params = section?.ros__parameters;
          if (!params) continue;
          const m = overrides.get(key) ?? new Map<string, unknown>();
          for (const [n, v] of flattenParameters(params)) m.set(n, v);
          overrides.set(key, m);
        }
      }
      const cli = overrides.get('/**') ?? new Map<string, unknown>();
      for (const [n, v] of Object.entries(ros.overrides)) cli.set(n, v);
      overrides.set('/**', cli);
      remaps = ros.remaps;
      nodeName = ros.nodeName;
      namespaceArg = ros.namespace;
    },
    Node: FakeNode,
    lifecycle: { LifecycleNode, CallbackReturnCode: CALLBACK, CallbackReturnValue },
    QoS,
    Parameter,
    ParameterDescriptor,
    FloatingPointRange,
    IntegerRange,
    ParameterType: Types,
    removeSignalHandlers: () => {
      process.removeListener('SIGINT', sigintHandler);
      calls.push(['removeSignalHandlers']);
    },
    isShutdown: () => shutdown,
    shutdown: () => {
      if (shutdown) throw new Error('The context has already been shut down');
      shutdownAll();
    },
  };
  return { api: api as unknown as RclnodejsApi, published, calls, logs, nodes, sigintHandler };
}
