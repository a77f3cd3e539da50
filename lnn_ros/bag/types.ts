/**
 * Shared types of the recorded-data layer. Nothing here knows about models.
 * (Starting contract between the reader, writer and dataset-builder files; extend as needed.)
 */

/** One topic of a bag, as `ros2 bag info` lists it. */
export interface TopicInfo {
  name: string;
  /** Normalised ROS 2 type name, e.g. `sensor_msgs/msg/Image`. */
  type: string;
  serializationFormat: string;
  messageCount: number;
  /** The message definition carried by the bag (ros2msg text), when it has one. */
  definition?: string;
  /** YAML of the offered QoS profiles, when the bag stores them. */
  offeredQosProfiles?: string;
  /** RIHS01 type hash (Iron and later), when the bag stores one. */
  typeDescriptionHash?: string;
  /**
   * False when neither the registry nor the bag defines the type: `messages()` skips the topic
   * (with a warning) unless `ReadOptions.includeUndecodable` is set.
   */
  decodable?: boolean;
}

/** A serialized message read from a bag, in log-time order. */
export interface BagMessage {
  topic: string;
  type: string;
  logTimeNs: bigint;
  /** CDR payload (with its 4-byte encapsulation header), exactly as stored. */
  data: Uint8Array;
  /** Decodes `data` with the message registry; throws an InputError naming topic and type on failure. */
  decoded(): unknown;
}

export interface ReadOptions {
  /** Only these topics (all when absent). */
  topics?: string[];
  /** Inclusive lower bound on log time. */
  startNs?: bigint;
  /** Exclusive upper bound on log time. */
  endNs?: bigint;
  /**
   * Also yield messages of topics whose type has no definition (raw `data` only; `decoded()`
   * throws). Default false: such topics are skipped with a warning.
   */
  includeUndecodable?: boolean;
}

export interface BagSummary {
  storage: 'sqlite3' | 'mcap';
  startNs: bigint;
  endNs: bigint;
  messageCount: number;
  topics: TopicInfo[];
  files: string[];
  /**
   * Damage found while opening (a truncated or corrupt file), one line per problem naming the
   * file. Counts and times above cover the readable part; `messages()` throws an InputError where
   * the damage starts.
   */
  problems?: string[];
}

/** A rosbag2 bag opened for reading: a directory with metadata.yaml, or a single .db3 / .mcap file. */
export interface BagReader {
  summary(): BagSummary;
  topics(): TopicInfo[];
  /** Streams messages in log-time order; never loads the whole bag into memory. */
  messages(options?: ReadOptions): AsyncIterableIterator<BagMessage>;
  close(): void;
}
