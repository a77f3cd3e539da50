/**
 * Writes rosbag2 recordings in MCAP the way rosbag2_storage_mcap does: profile `ros2`, one `ros2msg`
 * schema per type holding the full definition text, `cdr` channels carrying `offered_qos_profiles`
 * and `topic_type_hash` metadata, chunked (optionally zstd) with message indexes, a summary with
 * statistics and chunk indexes, and the `rosbag2` metadata record. Next to the file goes the
 * metadata.yaml that `ros2 bag info/play` read.
 *
 * Output path:
 * - `rec/` (anything not ending in `.mcap`): a rosbag2 bag directory `rec/rec_0.mcap` +
 *   `rec/metadata.yaml`, as `ros2 bag record -o rec` makes it.
 * - `rec.mcap`: that single self-describing file (no metadata.yaml: one beside it would turn the
 *   whole parent folder into a bag); `ros2 bag info/play rec.mcap` and Foxglove open it directly.
 */
import * as fs from 'fs';
import * as path from 'path';
import { McapWriter } from '@mcap/core';
import * as zstd from '@foxglove/wasm-zstd';
import { InputError } from '../errors';
import { fileKind, type OutputKind } from '../io/output';
import { normaliseTypeName } from '../msg/names';
import { MessageRegistry } from '../msg/registry';
import { typeDescriptionHash } from '../msg/type_hash';
import { type BagMetadataExtras, BagStats } from './bag_stats';
import { FileSink } from './file_sink';
import { type BagMetadata, serializeBagMetadata, writeMetadataFile } from './metadata_writer';
import { DEFAULT_QOS, type QosProfile, normaliseQosText, serializeQosProfiles } from './qos';

/** What the writer needs of the message registry (`MessageRegistry` provides both). */
export interface MessageCodec {
  /** CDR bytes, with the encapsulation header, of `message` as a `type`. */
  encode(type: string, message: unknown): Uint8Array;
  /** The full ros2msg text with dependencies, as rosbag2 stores it. Throws for unknown types. */
  schemaText(type: string): string;
}

export interface McapBagWriterOptions extends BagMetadataExtras {
  /** Chunk compression; rosbag2's default storage config writes uncompressed chunks. Default 'none'. */
  compression?: 'none' | 'zstd';
  /** zstd level (1 fastest … 19 smallest). Default 3. */
  compressionLevel?: number;
  /**
   * A chunk is closed (written and indexed) once its uncompressed size passes this many bytes.
   * This is also what a killed recorder can lose at most. Default 768 KiB, as libmcap.
   */
  chunkSize?: number;
  /** Encodes objects for `writeObject` and supplies definitions that `addTopic` is not given. */
  codec?: MessageCodec;
  /** Called with a line of text when something is written in a degraded form (unknown definition). */
  warn?: (message: string) => void;
  /**
   * The bag's name, which names its storage file `NAME_0.mcap`; default the directory's name.
   * Set it when writing into a temporary directory that is renamed to NAME when complete.
   */
  name?: string;
}

/** A topic to record. */
export interface TopicOptions {
  name: string;
  /** ROS 2 type: `pkg/msg/Type` (`pkg/Type` is normalised), `pkg/srv/Type_Event` for service events. */
  type: string;
  /** The full ros2msg definition text; from the codec when absent. */
  definition?: string;
  /** Offered QoS: profiles, or rosbag2's YAML text of them. Default: rclcpp's default publisher QoS. */
  offeredQos?: QosProfile[] | string;
  /**
   * `RIHS01_…` type description hash ("" records it as unknown). When absent it is computed from
   * the definition (given, or the codec's) if the codec is a MessageRegistry that knows the type
   * and all it refers to, else "" (as rosbag2 writes for types it cannot describe).
   */
  typeDescriptionHash?: string;
}

const DEFAULT_CHUNK_SIZE = 768 * 1024;
const MCAP_MAGIC = Buffer.from([0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a]);

/** What `McapBagWriter.open(output)` writes, for claiming the output (see io/output.ts). */
export function bagOutputKind(output: string): OutputKind {
  if (output.endsWith('.mcap')) return fileKind('an MCAP file', 'MCAP magic', (head) => head.subarray(0, MCAP_MAGIC.length).equals(MCAP_MAGIC));
  return {
    what: 'a rosbag2 bag',
    form: 'directory',
    marks: 'metadata.yaml + a .mcap or .db3 file',
    isOwn: (dir) => {
      const entries = fs.readdirSync(dir);
      return entries.includes('metadata.yaml') && entries.some((e) => /\.(mcap|db3)$/.test(e));
    },
  };
}

export class McapBagWriter {
  private readonly channelIds = new Map<string, number>();
  private readonly schemaIds = new Map<string, number>();
  private readonly stats = new BagStats();
  private closed = false;

  private constructor(
    /** The bag directory, or undefined when writing a lone `.mcap` file. */
    readonly bagDir: string | undefined,
    /** The MCAP file being written. */
    readonly file: string,
    private readonly sink: FileSink,
    private readonly writer: McapWriter,
    private readonly options: McapBagWriterOptions,
  ) {}

  /** Creates the output (see the file comment for the two layouts); refuses to overwrite anything. */
  static async open(output: string, options: McapBagWriterOptions = {}): Promise<McapBagWriter> {
    let bagDir: string | undefined;
    let file: string;
    if (output.endsWith('.mcap')) {
      if (fs.existsSync(output)) throw new InputError(`${output}: output file already exists`);
      file = output;
    } else {
      bagDir = output.replace(/[/\\]+$/, '');
      if (fs.existsSync(bagDir) && fs.readdirSync(bagDir).length > 0) {
        throw new InputError(`${bagDir}: output folder already exists and is not empty`);
      }
      fs.mkdirSync(bagDir, { recursive: true });
      file = path.join(bagDir, `${options.name ?? path.basename(bagDir)}_0.mcap`);
    }
    if (options.compression === 'zstd') await zstd.isLoaded;
    const level = options.compressionLevel ?? 3;
    const sink = new FileSink(file);
    const writer = new McapWriter({
      writable: sink,
      chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
      // libmcap (rosbag2) numbers channels from 1; some tools treat 0 as "no channel".
      startChannelId: 1,
      compressChunk:
        options.compression === 'zstd'
          ? (data) => ({ compression: 'zstd', compressedData: zstd.compress(data, level) })
          : undefined,
    });
    await writer.start({ profile: 'ros2', library: 'lnn_ros McapBagWriter (@mcap/core)' });
    return new McapBagWriter(bagDir, file, sink, writer, options);
  }

  /** Declares a topic; every topic must be declared before its first message. */
  async addTopic(options: TopicOptions): Promise<void> {
    if (this.channelIds.has(options.name)) throw new InputError(`topic ${options.name} added twice`);
    const topic = { ...options, type: normaliseTypeName(options.type) };
    const schemaId = await this.schemaFor(topic);
    const offeredQosProfiles =
      typeof topic.offeredQos === 'string'
        ? normaliseQosText(topic.offeredQos)
        : serializeQosProfiles(topic.offeredQos ?? [DEFAULT_QOS]);
    const typeDescriptionHash = topic.typeDescriptionHash ?? this.typeHashFor(topic);
    const channelId = await this.writer.registerChannel({
      topic: topic.name,
      messageEncoding: 'cdr',
      schemaId,
      metadata: new Map([
        ['offered_qos_profiles', offeredQosProfiles],
        ['topic_type_hash', typeDescriptionHash],
      ]),
    });
    this.channelIds.set(topic.name, channelId);
    this.stats.addTopic({ name: topic.name, type: topic.type, serializationFormat: 'cdr', offeredQosProfiles, typeDescriptionHash });
  }

  /** One schema per type, like rosbag2; an unknown definition is written empty, as rosbag2 does. */
  private async schemaFor(topic: TopicOptions): Promise<number> {
    const known = this.schemaIds.get(topic.type);
    if (known !== undefined) return known;
    let definition = topic.definition;
    if (definition === undefined && this.options.codec) {
      try {
        definition = this.options.codec.schemaText(topic.type);
      } catch {
        definition = undefined;
      }
    }
    if (definition === undefined) {
      this.options.warn?.(`no message definition for ${topic.type} (topic ${topic.name}): schema written empty`);
    }
    const id = await this.writer.registerSchema({
      name: topic.type,
      encoding: definition === undefined ? '' : 'ros2msg',
      data: new TextEncoder().encode(definition ?? ''),
    });
    this.schemaIds.set(topic.type, id);
    return id;
  }

  /** The RIHS01 hash of the topic's definition, or "" when it cannot be computed. */
  private typeHashFor(topic: TopicOptions): string {
    const codec = this.options.codec;
    if (!(codec instanceof MessageRegistry)) return '';
    try {
      let registry = codec;
      if (topic.definition !== undefined) {
        // Hash the definition that is written; a layout differing from the codec's has no hash here.
        registry = codec.extend();
        if (registry.addFromText(topic.type, topic.definition).differing.length > 0) return '';
      }
      return typeDescriptionHash(registry, topic.type);
    } catch (err) {
      if (err instanceof InputError) return '';
      throw err;
    }
  }

  /** Writes CDR bytes exactly as given. `publishTimeNs` defaults to the log time. */
  async write(topic: string, logTimeNs: bigint, data: Uint8Array, publishTimeNs = logTimeNs): Promise<void> {
    if (this.closed) throw new Error(`${this.file}: written after close`);
    const channelId = this.channelIds.get(topic);
    if (channelId === undefined) throw new InputError(`topic ${topic} was not added before its first message`);
    await this.writer.addMessage({ channelId, sequence: 0, logTime: logTimeNs, publishTime: publishTimeNs, data });
    this.stats.record(topic, logTimeNs);
  }

  /** Encodes `message` with the codec as the topic's type, then writes it. */
  async writeObject(topic: string, logTimeNs: bigint, message: unknown): Promise<void> {
    const meta = this.stats.topic(topic);
    if (!meta) throw new InputError(`topic ${topic} was not added before its first message`);
    if (!this.options.codec) throw new Error('McapBagWriter.writeObject needs the `codec` option');
    await this.write(topic, logTimeNs, this.options.codec.encode(meta.type, message));
  }

  /** Messages written so far (including those still in the unwritten chunk). */
  get count(): number {
    return this.stats.count;
  }

  /** Bytes on disk so far: grows chunk by chunk, so a change means every earlier message is safe. */
  get bytesWritten(): number {
    return this.sink.size;
  }

  /** The metadata as it stands (what close() writes). */
  metadata(): BagMetadata {
    return this.stats.metadata('mcap', path.basename(this.file), this.options);
  }

  /** Flushes the last chunk, writes the summary and footer, then metadata.yaml for a bag directory. */
  async close(): Promise<BagMetadata> {
    if (this.closed) return this.metadata();
    this.closed = true;
    const metadata = this.metadata();
    await this.writer.addMetadata({
      name: 'rosbag2',
      metadata: new Map([['serialized_metadata', serializeBagMetadata(metadata)]]),
    });
    await this.writer.end();
    this.sink.close();
    if (this.bagDir !== undefined) writeMetadataFile(this.bagDir, metadata);
    return metadata;
  }
}
