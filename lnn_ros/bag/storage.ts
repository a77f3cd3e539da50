/** What the bag reader needs from one storage file (a `.db3` or an `.mcap` of a bag). */

/** A topic as one storage file records it. */
export interface StorageTopic {
  name: string;
  /** Normalised type name. */
  type: string;
  serializationFormat: string;
  messageCount: number;
  offeredQosProfiles?: string;
  typeDescriptionHash?: string;
  /** The definition the file carries: encoding (`ros2msg`, `ros2idl`, …) and text. */
  definition?: { encoding: string; text: string };
}

/** A message as stored: payload not decoded (and, for message-compressed bags, compressed). */
export interface RawMessage {
  topic: string;
  logTimeNs: bigint;
  data: Uint8Array;
}

/** Which messages to read from one file. */
export interface StorageReadOptions {
  /** Only these topics (all when absent). */
  topics?: ReadonlySet<string>;
  /** Inclusive lower bound on log time. */
  startNs?: bigint;
  /** Exclusive upper bound on log time. */
  endNs?: bigint;
}

export interface StorageFile {
  readonly path: string;
  readonly storage: 'sqlite3' | 'mcap';
  topics(): StorageTopic[];
  /** Log times of the first and last message; undefined when the file holds none. */
  timeRange(): { startNs: bigint; endNs: bigint } | undefined;
  /** Damage found while opening, naming the file; `messages()` throws where it starts. */
  problem(): string | undefined;
  /** Messages in log-time order (ties in storage order). Errors are InputErrors naming the file. */
  messages(options: StorageReadOptions): AsyncGenerator<RawMessage>;
  close(): void;
}
