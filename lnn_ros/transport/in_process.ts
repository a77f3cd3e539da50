/**
 * The in-process transport: topics, QoS matching, keep-last queues, latched topics and /clock
 * driven sim time in one process, with the same node code as under ROS 2. Delivery is
 * asynchronous (as with an executor); `flush()` delivers everything pending, for stepping.
 */
import { InputError } from '../errors';
import { Clock, SimClock, WallClock } from './clock';
import { LifecycleMachine } from './lifecycle';
import { LogSink, makeLogger, stderrSink } from './logger';
import { normaliseNamespace, RemapRule, resolveTopicName } from './names';
import { ParameterStore } from './parameter_store';
import { qosCompatible } from './qos';
import { fromRosTime, NodeOptions, Publisher, QosProfile, RosTime, Subscription, Transport, TransportNode } from './types';

export const CLOCK_TOPIC = '/clock';

interface Endpoint {
  node: string;
  qos: QosProfile;
}

interface Reader extends Endpoint {
  callback: (message: unknown) => void;
  queue: unknown[];
  /** A throwing callback is logged, as an executor would, and delivery goes on. */
  onError: (error: unknown) => void;
}

interface Topic {
  type: string;
  writers: Endpoint[];
  readers: Reader[];
  /** Last message of each transient_local writer, replayed to late readers. */
  latched: Map<Endpoint, unknown>;
}

export interface InProcessOptions {
  /** Where node logs go; default stderr at info level. */
  log?: LogSink;
  /** Remap rules for every node, as `--ros-args -r` gives them to rcl. */
  remaps?: RemapRule[];
}

export class InProcessTransport implements Transport {
  readonly kind = 'in-process';
  private readonly topics = new Map<string, Topic>();
  private readonly ready: Reader[] = [];
  private readonly wallClock = new WallClock();
  /** Shared by every node with useSimTime; moved by messages on /clock. */
  readonly simClock = new SimClock();
  private drainScheduled = false;
  private delivering = false;
  private closed = false;
  private readonly log: LogSink;
  private readonly remaps: RemapRule[];

  constructor(options: InProcessOptions = {}) {
    this.log = options.log ?? stderrSink();
    this.remaps = options.remaps ?? [];
  }

  private topic(name: string, type: string, node: string): Topic {
    let t = this.topics.get(name);
    if (!t) {
      t = { type, writers: [], readers: [], latched: new Map() };
      this.topics.set(name, t);
    } else if (t.type !== type) {
      throw new InputError(`${node}: topic ${name} carries ${t.type}, not ${type}`);
    }
    return t;
  }

  private enqueue(reader: Reader, message: unknown): void {
    reader.queue.push(message);
    if (reader.qos.history === 'keep_last' && reader.queue.length > reader.qos.depth) reader.queue.shift();
    if (!this.ready.includes(reader)) this.ready.push(reader);
    if (!this.drainScheduled && !this.delivering) {
      this.drainScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  private publish(name: string, topic: Topic, writer: Endpoint, message: unknown): void {
    if (this.closed) return;
    if (name === CLOCK_TOPIC) this.simClock.advanceTo(fromRosTime((message as { clock: RosTime }).clock));
    if (writer.qos.durability === 'transient_local') topic.latched.set(writer, message);
    for (const reader of topic.readers) {
      if (qosCompatible(writer.qos, reader.qos)) this.enqueue(reader, message);
    }
  }

  /** Delivers every pending message, including those published by the callbacks themselves. */
  flush(): void {
    this.drainScheduled = false;
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (this.ready.length > 0) {
        const reader = this.ready.shift()!;
        const message = reader.queue.shift();
        if (reader.queue.length > 0) this.ready.push(reader);
        try {
          reader.callback(message);
        } catch (e) {
          reader.onError(e);
        }
      }
    } finally {
      this.delivering = false;
    }
  }

  async createNode(name: string, options: NodeOptions = {}): Promise<TransportNode> {
    const logger = makeLogger(name, this.log);
    const clock: Clock = options.useSimTime ? this.simClock : this.wallClock;
    const namespace = normaliseNamespace(options.namespace ?? '/');
    const resolve = (topic: string) => resolveTopicName(topic, namespace, name, this.remaps);
    const parameters = new ParameterStore(options.parameters ?? [], options.onParameterChange);
    const lifecycle = options.lifecycle ? new LifecycleMachine(options.lifecycle) : null;
    const owned: Array<() => void> = [];
    const warnIncompatible = (topic: string, a: QosProfile, b: QosProfile, what: string) =>
      logger.warn(`${topic}: ${what} QoS (${a.reliability}, ${a.durability}) is incompatible with (${b.reliability}, ${b.durability}); no messages will flow`);
    return {
      name,
      logger,
      namespace,
      createPublisher: <T>(type: string, topicArg: string, qos: QosProfile): Publisher<T> => {
        const topicName = resolve(topicArg);
        const topic = this.topic(topicName, type, name);
        const writer: Endpoint = { node: name, qos };
        topic.writers.push(writer);
        for (const r of topic.readers) if (!qosCompatible(qos, r.qos)) warnIncompatible(topicName, qos, r.qos, 'offered');
        const destroy = () => {
          const i = topic.writers.indexOf(writer);
          if (i >= 0) topic.writers.splice(i, 1);
          topic.latched.delete(writer);
        };
        owned.push(destroy);
        return {
          topic: topicName,
          type,
          publish: (message: T) => {
            if (topic.writers.includes(writer)) this.publish(topicName, topic, writer, message);
          },
          destroy,
        };
      },
      createSubscription: <T>(type: string, topicArg: string, qos: QosProfile, callback: (message: T) => void): Subscription => {
        const topicName = resolve(topicArg);
        const topic = this.topic(topicName, type, name);
        const onError = (e: unknown) => logger.error(`${topicName} callback failed: ${e instanceof Error ? e.message : String(e)}`);
        const reader: Reader = { node: name, qos, callback: callback as (m: unknown) => void, queue: [], onError };
        topic.readers.push(reader);
        for (const w of topic.writers) if (!qosCompatible(w.qos, qos)) warnIncompatible(topicName, qos, w.qos, 'requested');
        for (const [w, message] of topic.latched) if (qosCompatible(w.qos, qos) && qos.durability === 'transient_local') this.enqueue(reader, message);
        const destroy = () => {
          const i = topic.readers.indexOf(reader);
          if (i >= 0) topic.readers.splice(i, 1);
          reader.queue.length = 0;
        };
        owned.push(destroy);
        return { topic: topicName, destroy };
      },
      createTimer: (periodSeconds: number, callback: () => void) => {
        const timer = clock.schedule(BigInt(Math.round(periodSeconds * 1e9)), callback);
        owned.push(() => timer.cancel());
        return timer;
      },
      now: () => clock.now(),
      offeredQos: (topic) => this.topics.get(resolve(topic))?.writers.map((w) => w.qos) ?? [],
      getParameter: (parameter) => parameters.get(parameter),
      setParameters: (changes) => parameters.set(changes),
      lifecycleState: () => lifecycle?.state ?? 'active',
      transition: (t) => (lifecycle ? lifecycle.trigger(t) : `${name} is not a managed node`),
      destroy: () => owned.splice(0).forEach((release) => release()),
    };
  }

  spin(): void {
    // Delivery runs on microtasks; nothing to drive.
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    this.ready.length = 0;
  }
}
