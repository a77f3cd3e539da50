/**
 * rosbag2 MCAP storage (`.mcap`): chunked or not, any compression @mcap/support decodes. Indexed
 * files are read through their summary (chunk by chunk, in log-time order); files without a usable
 * summary (written by a streaming writer, truncated, damaged index) are scanned record by record,
 * which reads everything up to the damage.
 */

import { McapIndexedReader, McapStreamReader } from '@mcap/core';
import type { Channel, DecompressHandlers, Message, Schema, TypedMcapRecord } from '@mcap/core';
import { InputError } from '../errors';
import { normaliseRecordedTypeName } from '../msg/names';
import { FileReadable } from './file_readable';
import type { RawMessage, StorageReadOptions, StorageTopic } from './storage';
import { StorageFileBase } from './storage_file_base';

const MAGIC_BYTES = 8;
/** Opcode (1 byte) + record length (uint64): the frame in front of every top-level record. */
const FRAME_BYTES = 9;

export class McapStorage extends StorageFileBase {
  readonly storage = 'mcap';
  private readonly schemas = new Map<number, Schema>();
  private readonly channels = new Map<number, Channel>();
  private readonly counts = new Map<number, number>();
  private indexed: McapIndexedReader | undefined;

  private constructor(
    path: string,
    private readonly file: FileReadable,
    private readonly decompressHandlers: DecompressHandlers,
  ) {
    super(path);
  }

  /** Opens `file` and reads its summary (or scans it); throws an InputError naming the file. */
  static async open(file: string, decompressHandlers: DecompressHandlers): Promise<McapStorage> {
    const storage = new McapStorage(file, new FileReadable(file), decompressHandlers);
    return StorageFileBase.opened(storage, async () => {
      await storage.summarise();
      storage.topics();
    });
  }

  topics(): StorageTopic[] {
    const topics = new Map<string, StorageTopic>();
    for (const channel of this.channels.values()) {
      const schema = this.schemas.get(channel.schemaId);
      if (!schema) throw new InputError(`${this.path}: channel ${channel.id} (${channel.topic}) has no schema record`);
      const type = normaliseRecordedTypeName(schema.name);
      const count = this.counts.get(channel.id) ?? 0;
      const known = topics.get(`${channel.topic}\n${type}`);
      if (known) {
        known.messageCount += count;
        continue;
      }
      const qos = channel.metadata.get('offered_qos_profiles');
      const hash = channel.metadata.get('topic_type_hash');
      topics.set(`${channel.topic}\n${type}`, {
        name: channel.topic,
        type,
        serializationFormat: channel.messageEncoding,
        messageCount: count,
        ...(qos ? { offeredQosProfiles: qos } : {}),
        ...(hash ? { typeDescriptionHash: hash } : {}),
        ...(schema.encoding !== '' ? { definition: { encoding: schema.encoding, text: new TextDecoder().decode(schema.data) } } : {}),
      });
    }
    return [...topics.values()];
  }

  async *messages(options: StorageReadOptions): AsyncGenerator<RawMessage> {
    const wanted = (m: Message): boolean => {
      const topic = this.channels.get(m.channelId)?.topic;
      return (
        topic !== undefined &&
        (!options.topics || options.topics.has(topic)) &&
        (options.startNs === undefined || m.logTime >= options.startNs) &&
        (options.endNs === undefined || m.logTime < options.endNs)
      );
    };
    const raw = (m: Message): RawMessage => ({ topic: this.channels.get(m.channelId)?.topic ?? '', logTimeNs: m.logTime, data: m.data });
    try {
      if (this.indexed) {
        if (options.endNs !== undefined && options.startNs !== undefined && options.endNs <= options.startNs) return;
        const messages = this.indexed.readMessages({
          ...(options.topics ? { topics: [...options.topics] } : {}),
          ...(options.startNs !== undefined ? { startTime: options.startNs } : {}),
          // readMessages' end is inclusive.
          ...(options.endNs !== undefined ? { endTime: options.endNs - 1n } : {}),
        });
        for await (const m of messages) if (wanted(m)) yield raw(m);
        return;
      }
      for (const group of this.recordGroups()) {
        // Within a chunk, messages may be out of order; between chunks rosbag2 writes in order.
        const messages = group.filter((r): r is Message & { type: 'Message' } => r.type === 'Message' && wanted(r));
        messages.sort((a, b) => (a.logTime < b.logTime ? -1 : a.logTime > b.logTime ? 1 : 0));
        for (const m of messages) yield raw(m);
      }
    } catch (err) {
      throw this.inputError(err);
    }
  }

  close(): void {
    this.file.close();
  }

  private async summarise(): Promise<void> {
    let indexed: McapIndexedReader | undefined;
    try {
      indexed = await McapIndexedReader.Initialize({ readable: this.file, decompressHandlers: this.decompressHandlers });
    } catch {
      // No usable summary section: the scan below finds whatever is readable.
    }
    // Messages outside chunks are invisible to the indexed reader, so only chunked files use it.
    this.indexed = indexed && indexed.chunkIndexes.length > 0 ? indexed : undefined;
    const stats = this.indexed?.statistics;
    if (!this.indexed || !stats) {
      this.scan();
      return;
    }
    for (const [id, schema] of this.indexed.schemasById) this.schemas.set(id, schema);
    for (const [id, channel] of this.indexed.channelsById) this.channels.set(id, channel);
    for (const [id, count] of stats.channelMessageCounts) this.counts.set(id, Number(count));
    // Times from the chunk indexes: some writers leave a message at time 0 out of the statistics.
    for (const chunk of this.indexed.chunkIndexes) this.extendRange(chunk.messageStartTime, chunk.messageEndTime);
  }

  /** Reads the whole file for schemas, channels, counts and times; damage ends the scan. */
  private scan(): void {
    try {
      for (const group of this.recordGroups()) {
        for (const record of group) {
          if (record.type === 'Schema') this.schemas.set(record.id, record);
          else if (record.type === 'Channel') this.channels.set(record.id, record);
          else if (record.type === 'Message') {
            this.counts.set(record.channelId, (this.counts.get(record.channelId) ?? 0) + 1);
            this.extendRange(record.logTime);
          }
        }
      }
    } catch (err) {
      this.damage = this.inputError(err).message;
    }
  }

  /**
   * The records of the file, one group per top-level record (a chunk's records come as one
   * group). Frames every record itself before handing it to the stream reader, so a damaged
   * length fails at once instead of making the reader buffer the rest of the file.
   */
  private *recordGroups(): Generator<TypedMcapRecord[]> {
    const size = this.file.byteLength;
    const reader = new McapStreamReader({ decompressHandlers: this.decompressHandlers, validateCrcs: true });
    if (size < MAGIC_BYTES) throw new InputError(`${this.path}: ${size} bytes, too short for an MCAP file`);
    reader.append(this.file.readSync(0, MAGIC_BYTES));
    for (let offset = MAGIC_BYTES; offset < size; ) {
      const start = offset;
      if (size - offset < FRAME_BYTES) {
        // Only the closing magic is shorter than a record frame.
        reader.append(this.file.readSync(offset, size - offset));
        offset = size;
      } else {
        const frame = this.file.readSync(offset, FRAME_BYTES);
        const length = new DataView(frame.buffer, frame.byteOffset, FRAME_BYTES).getBigUint64(1, true);
        const available = size - offset - FRAME_BYTES;
        if (length > BigInt(available)) {
          throw new InputError(`${this.path}: record at byte ${offset} (opcode 0x${(frame[0] ?? 0).toString(16)}) claims ${length} bytes, but only ${available} follow (truncated or damaged)`);
        }
        reader.append(this.file.readSync(offset, FRAME_BYTES + Number(length)));
        offset += FRAME_BYTES + Number(length);
      }
      const group: TypedMcapRecord[] = [];
      try {
        for (let record; (record = reader.nextRecord()); ) {
          // The stream reader reuses its buffer for the next record: keep a copy of payloads.
          group.push(record.type === 'Message' || record.type === 'Schema' ? { ...record, data: record.data.slice() } : record);
        }
      } catch (err) {
        throw new InputError(`${this.path}: record at byte ${start}: ${(err as Error).message}`);
      }
      yield group;
    }
    if (!reader.done()) throw new InputError(`${this.path}: ends at byte ${size} without an MCAP footer (truncated)`);
  }
}
