/** A rosbag2 bag of one or more storage files, read as one time-ordered stream. */

import { InputError } from '../errors';
import type { MessageRegistry } from '../msg/registry';
import { mergeByLogTime } from './merge';
import type { StorageFile } from './storage';
import type { BagMessage, BagReader, BagSummary, ReadOptions, TopicInfo } from './types';

export interface Rosbag2ReaderOptions {
  /** Name of the bag in errors (the path the user gave). */
  name: string;
  /** Definitions to decode with; the bag's own definitions go to a child of it. */
  registry: MessageRegistry;
  /** Receives warnings: ignored bag definitions, skipped topics. */
  warn: (message: string) => void;
  /** For bags recorded with `compression_mode: message`: undoes the compression of one payload. */
  decompressMessage?: (data: Uint8Array) => Uint8Array;
}

export class Rosbag2Reader implements BagReader {
  private readonly registry: MessageRegistry;
  private readonly topicList: TopicInfo[] = [];

  constructor(
    private readonly files: StorageFile[],
    private readonly options: Rosbag2ReaderOptions,
  ) {
    this.registry = options.registry.extend();
    for (const file of files) this.addDefinitions(file);
    for (const file of files) {
      for (const t of file.topics()) {
        const known = this.topicList.find((k) => k.name === t.name && k.type === t.type);
        if (known) {
          known.messageCount += t.messageCount;
          continue;
        }
        this.topicList.push({
          name: t.name,
          type: t.type,
          serializationFormat: t.serializationFormat,
          messageCount: t.messageCount,
          ...(t.definition ? { definition: t.definition.text } : {}),
          ...(t.offeredQosProfiles !== undefined ? { offeredQosProfiles: t.offeredQosProfiles } : {}),
          ...(t.typeDescriptionHash !== undefined ? { typeDescriptionHash: t.typeDescriptionHash } : {}),
          decodable: t.serializationFormat === 'cdr' && this.registry.has(t.type),
        });
      }
    }
  }

  summary(): BagSummary {
    const ranges = this.files.flatMap((f) => f.timeRange() ?? []);
    const problems = this.files.flatMap((f) => f.problem() ?? []);
    return {
      storage: this.files[0]?.storage ?? 'sqlite3',
      startNs: ranges.reduce((min, r) => (r.startNs < min ? r.startNs : min), ranges[0]?.startNs ?? 0n),
      endNs: ranges.reduce((max, r) => (r.endNs > max ? r.endNs : max), ranges[0]?.endNs ?? 0n),
      messageCount: this.topicList.reduce((n, t) => n + t.messageCount, 0),
      topics: this.topics(),
      files: this.files.map((f) => f.path),
      ...(problems.length > 0 ? { problems } : {}),
    };
  }

  topics(): TopicInfo[] {
    return this.topicList.map((t) => ({ ...t }));
  }

  async *messages(options: ReadOptions = {}): AsyncGenerator<BagMessage> {
    const requested = options.topics;
    for (const name of requested ?? []) {
      if (!this.topicList.some((t) => t.name === name)) {
        throw new InputError(`${this.options.name}: no topic '${name}' (topics: ${this.topicList.map((t) => t.name).join(', ')})`);
      }
    }
    const selected = this.topicList.filter((t) => !requested || requested.includes(t.name));
    const read = selected.filter((t) => t.decodable === true || options.includeUndecodable === true);
    for (const t of selected) {
      if (!read.includes(t) && t.messageCount > 0) this.options.warn(`${t.name}: no definition of ${t.type} (${t.serializationFormat}); skipping its ${t.messageCount} messages`);
    }
    const types = new Map(read.map((t) => [t.name, t.type]));
    const filter = {
      topics: new Set(types.keys()),
      ...(options.startNs !== undefined ? { startNs: options.startNs } : {}),
      ...(options.endNs !== undefined ? { endNs: options.endNs } : {}),
    };
    // A damaged file with nothing readable goes last, so the other files' messages come first.
    const sources = this.files
      .filter((f) => f.timeRange() !== undefined || f.problem() !== undefined)
      .map((f) => ({ startNs: f.timeRange()?.startNs ?? 2n ** 64n, open: () => f.messages(filter) }));
    for await (const raw of mergeByLogTime(sources)) {
      const type = types.get(raw.topic) ?? '';
      const where = `${raw.topic} at ${raw.logTimeNs} ns`;
      const data = this.options.decompressMessage ? this.decompress(raw.data, where) : raw.data;
      yield {
        topic: raw.topic,
        type,
        logTimeNs: raw.logTimeNs,
        data,
        decoded: () => {
          try {
            return this.registry.decode(type, data);
          } catch (err) {
            throw new InputError(`${this.options.name}: ${where}: ${(err as Error).message}`);
          }
        },
      };
    }
  }

  close(): void {
    for (const file of this.files) file.close();
  }

  /** Adds what the file defines to the bag's registry; known types keep the known definition. */
  private addDefinitions(file: StorageFile): void {
    for (const { type, definition } of file.topics()) {
      if (!definition) continue;
      if (definition.encoding !== 'ros2msg') {
        if (!this.registry.has(type)) this.options.warn(`${file.path}: definition of ${type} is ${definition.encoding}, which is not read (only ros2msg)`);
        continue;
      }
      try {
        const result = this.registry.addFromText(type, definition.text);
        for (const differing of result.differing) {
          this.options.warn(`${file.path}: the bag's definition of ${differing} differs from the known one, which is used`);
        }
      } catch (err) {
        this.options.warn(`${file.path}: definition of ${type} ignored: ${(err as Error).message}`);
      }
    }
  }

  private decompress(data: Uint8Array, where: string): Uint8Array {
    try {
      return (this.options.decompressMessage as (d: Uint8Array) => Uint8Array)(data);
    } catch (err) {
      throw new InputError(`${this.options.name}: ${where}: cannot decompress the message: ${(err as Error).message}`);
    }
  }
}
