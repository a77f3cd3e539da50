/**
 * The recorder: subscribes to topics through a TransportNode and writes every message into an
 * MCAP bag (rosbag2 layout) with the node's clock as log time — sim time when the node follows
 * /clock — in arrival order. Writes are asynchronous, so messages go through one promise chain:
 * order is kept however fast they arrive, and close() waits for the chain before finishing the file.
 */
import { McapBagWriter } from '../bag/mcap_writer';
import { DEFAULT_QOS, QosProfile as BagQos } from '../bag/qos';
import type { BagMetadata } from '../bag/metadata_writer';
import { MessageRegistry } from '../msg/registry';
import { QosProfile, Subscription, TransportNode } from '../transport/types';

export interface RecordedTopic {
  topic: string;
  /** ROS 2 type, e.g. `sensor_msgs/msg/Image`. */
  type: string;
  /**
   * What the publisher offers, stored so that `ros2 bag play` republishes alike. When absent, the
   * publishers' own QoS is read from the graph once the first of them is there (as rosbag2 does).
   */
  offeredQos?: QosProfile;
}

export interface RecorderOptions {
  /** Chunk compression; default zstd (camera frames compress well). */
  compression?: 'none' | 'zstd';
}

/**
 * Best effort matches reliable and best-effort publishers alike (a reliable reader would miss
 * sensor topics); keep_all so that a burst between two executor turns loses nothing.
 */
const RECORD_QOS: QosProfile = { reliability: 'best_effort', durability: 'volatile', history: 'keep_all', depth: 1000 };

/** Our QoS as rosbag2's rmw-integer profile. */
function bagQos(q: QosProfile): BagQos {
  return {
    ...DEFAULT_QOS,
    history: q.history === 'keep_last' ? 1 : 2,
    depth: q.depth,
    reliability: q.reliability === 'reliable' ? 1 : 2,
    durability: q.durability === 'transient_local' ? 1 : 2,
  };
}

export class Recorder {
  /** Messages received per topic (all of them are written unless a write failed). */
  readonly counts = new Map<string, number>();
  private readonly subscriptions: Subscription[] = [];
  private tail: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  private closed = false;

  private constructor(
    readonly node: TransportNode,
    readonly writer: McapBagWriter,
  ) {}

  /** Topics subscribed but not yet in the bag: their publishers' QoS was not known yet. */
  private readonly pending = new Map<string, string>();

  /**
   * Opens the bag at `output` (a new directory, or a `.mcap` file) and starts recording `topics` on
   * `node`. Topics are stored under their resolved names (`imu/data` in `/car1` is `/car1/imu/data`).
   */
  static async start(node: TransportNode, output: string, topics: RecordedTopic[], options: RecorderOptions = {}): Promise<Recorder> {
    const writer = await McapBagWriter.open(output, { compression: options.compression ?? 'zstd', codec: MessageRegistry.standard() });
    const recorder = new Recorder(node, writer);
    for (const t of topics) {
      const subscription = node.createSubscription(t.type, t.topic, RECORD_QOS, (m) => recorder.onMessage(subscription.topic, m));
      recorder.subscriptions.push(subscription);
      recorder.counts.set(subscription.topic, 0);
      const offered = t.offeredQos ? [t.offeredQos] : node.offeredQos(subscription.topic);
      if (offered.length > 0) await writer.addTopic({ name: subscription.topic, type: t.type, offeredQos: offered.map(bagQos) });
      else recorder.pending.set(subscription.topic, t.type);
    }
    return recorder;
  }

  /** Adds a pending topic with what its publishers offer now (the default profile when none is left). */
  private async addPending(topic: string): Promise<void> {
    const type = this.pending.get(topic);
    if (type === undefined) return;
    this.pending.delete(topic);
    const offered = this.node.offeredQos(topic);
    await this.writer.addTopic({ name: topic, type, offeredQos: offered.length ? offered.map(bagQos) : [DEFAULT_QOS] });
  }

  private onMessage(topic: string, message: unknown): void {
    if (this.closed) return;
    this.counts.set(topic, this.counts.get(topic)! + 1);
    // The log time is taken on arrival, not when the chain gets to the write.
    const logTimeNs = this.node.now();
    this.tail = this.tail.then(async () => {
      if (this.failure) return;
      try {
        await this.addPending(topic);
        await this.writer.writeObject(topic, logTimeNs, message);
      } catch (e) {
        this.failure = e as Error;
        this.node.logger.error(`recording stopped: ${topic}: ${this.failure.message}`);
      }
    });
  }

  /** Resolves once every message received so far is written (into the current chunk). */
  async drain(): Promise<void> {
    await this.tail;
    if (this.failure) throw this.failure;
  }

  /** Stops subscribing, writes what is queued, finishes the file; throws the first write error. */
  async close(): Promise<BagMetadata> {
    if (!this.closed) {
      this.closed = true;
      this.subscriptions.forEach((s) => s.destroy());
    }
    await this.tail;
    for (const topic of [...this.pending.keys()]) await this.addPending(topic);
    const metadata = await this.writer.close();
    if (this.failure) throw this.failure;
    return metadata;
  }
}
