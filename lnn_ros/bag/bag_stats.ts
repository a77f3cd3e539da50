/**
 * What a bag writer counts while it writes (per-topic message counts, first and last log time), and
 * the rosbag2 metadata built from it. Shared by every writer so their metadata.yaml agree.
 */
import type { BagMetadata, TopicMetadata } from './metadata_writer';

/** The metadata fields a writer chooses; the rest is counted. */
export interface BagMetadataExtras {
  customData?: Record<string, string>;
  /** Default: $ROS_DISTRO or "". */
  rosDistro?: string;
}

export class BagStats {
  private readonly topics = new Map<string, TopicMetadata>();
  private startNs: bigint | undefined;
  private endNs = 0n;
  /** Messages recorded so far. */
  count = 0;

  addTopic(topic: Omit<TopicMetadata, 'messageCount'>): void {
    this.topics.set(topic.name, { ...topic, messageCount: 0 });
  }

  topic(name: string): TopicMetadata | undefined {
    return this.topics.get(name);
  }

  record(topic: string, logTimeNs: bigint): void {
    this.topics.get(topic)!.messageCount++;
    this.count++;
    if (this.startNs === undefined || logTimeNs < this.startNs) this.startNs = logTimeNs;
    if (logTimeNs > this.endNs) this.endNs = logTimeNs;
  }

  /** Metadata of a one-file bag; `file` is relative to the bag directory. */
  metadata(storageIdentifier: BagMetadata['storageIdentifier'], file: string, extras: BagMetadataExtras = {}): BagMetadata {
    const startingTimeNs = this.startNs ?? 0n;
    const durationNs = this.startNs === undefined ? 0n : this.endNs - this.startNs;
    return {
      storageIdentifier,
      startingTimeNs,
      durationNs,
      messageCount: this.count,
      topics: [...this.topics.values()].map((t) => ({ ...t })),
      compressionFormat: '',
      compressionMode: '',
      files: [{ path: file, startingTimeNs, durationNs, messageCount: this.count }],
      customData: extras.customData,
      rosDistro: extras.rosDistro ?? process.env.ROS_DISTRO ?? '',
    };
  }
}
