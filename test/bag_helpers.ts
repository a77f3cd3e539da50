/** Shared by the bag tests: the real bags, temporary directories, and writers of synthetic bags. */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { McapWriter } from '@mcap/core';
import type { IWritable, McapWriterOptions } from '@mcap/core';
import Database from 'better-sqlite3';
import type { BagMessage, BagReader, ReadOptions } from '../lnn_ros/bag/types';
import { MessageRegistry } from '../lnn_ros/msg/registry';
import { DATA_DIR } from './helpers/shared_data';

/** Real rosbag2 recordings (read-only; see its README). */
export const BAGS_DIR = path.join(DATA_DIR, 'bags');

/** Every real bag: the 2019 single .db3 file and each bag directory. */
export function realBags(): { name: string; path: string }[] {
  const sample = path.join(BAGS_DIR, 'klintan_rosbag2js_sample', 'sample.db3');
  const dir = path.join(BAGS_DIR, 'ros2_rosbag2');
  const dirs = fs.readdirSync(dir).filter((d) => fs.statSync(path.join(dir, d)).isDirectory()).sort();
  return [{ name: 'sample.db3', path: sample }, ...dirs.map((d) => ({ name: d, path: path.join(dir, d) }))];
}

/** A fresh directory under the OS temp dir; remove it with `fs.rmSync(dir, {recursive: true})`. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `lnn-ros-${prefix}-`));
}

export async function collect(reader: BagReader, options?: ReadOptions): Promise<BagMessage[]> {
  const out: BagMessage[] = [];
  for await (const m of reader.messages(options)) out.push(m);
  return out;
}

/** A message to write into a synthetic bag. */
export interface TestMessage {
  topic: string;
  logTimeNs: bigint;
  data: Uint8Array;
}

/** A topic of a synthetic bag; `definition` is stored with it when given. */
export interface TestTopic {
  name: string;
  type: string;
  definition?: string;
}

/** Writes a rosbag2 SQLite file of schema 4 (Iron/Jazzy layout). */
export function writeSqliteBag(file: string, topics: TestTopic[], messages: TestMessage[], journalMode = 'delete'): void {
  const db = new Database(file);
  db.pragma(`journal_mode = ${journalMode}`);
  db.exec(`
    CREATE TABLE schema(schema_version INTEGER PRIMARY KEY, ros_distro TEXT NOT NULL);
    CREATE TABLE metadata(id INTEGER PRIMARY KEY, metadata_version INTEGER NOT NULL, metadata TEXT NOT NULL);
    CREATE TABLE topics(id INTEGER PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, serialization_format TEXT NOT NULL,
      offered_qos_profiles TEXT NOT NULL, type_description_hash TEXT NOT NULL);
    CREATE TABLE message_definitions(id INTEGER PRIMARY KEY, topic_type TEXT NOT NULL, encoding TEXT NOT NULL,
      encoded_message_definition TEXT NOT NULL, type_description_hash TEXT NOT NULL);
    CREATE TABLE messages(id INTEGER PRIMARY KEY, topic_id INTEGER NOT NULL, timestamp INTEGER NOT NULL, data BLOB NOT NULL);
    CREATE INDEX timestamp_idx ON messages (timestamp ASC);
    INSERT INTO schema VALUES (4, 'jazzy');`);
  const ids = new Map<string, number>();
  topics.forEach((t, i) => {
    ids.set(t.name, i + 1);
    db.prepare("INSERT INTO topics VALUES (?, ?, ?, 'cdr', '', '')").run(i + 1, t.name, t.type);
    if (t.definition !== undefined) db.prepare("INSERT INTO message_definitions (topic_type, encoding, encoded_message_definition, type_description_hash) VALUES (?, 'ros2msg', ?, '')").run(t.type, t.definition);
  });
  const insert = db.prepare('INSERT INTO messages (topic_id, timestamp, data) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (const m of messages) insert.run(ids.get(m.topic), m.logTimeNs, Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
  })();
  db.close();
}

/**
 * Writes an MCAP file as rosbag2 does (ros2msg schemas: the topic's definition, else the
 * registry's; cdr channels); `options` picks the layout.
 */
export async function writeMcap(file: string, topics: TestTopic[], messages: TestMessage[], options: Partial<McapWriterOptions> = {}): Promise<void> {
  const fd = fs.openSync(file, 'w');
  let position = 0n;
  const writable: IWritable = {
    position: () => position,
    write: async (buffer) => {
      fs.writeSync(fd, buffer);
      position += BigInt(buffer.byteLength);
    },
  };
  const writer = new McapWriter({ writable, ...options });
  await writer.start({ profile: 'ros2', library: 'lnn_ros test' });
  const channels = new Map<string, number>();
  for (const t of topics) {
    const definition = t.definition ?? MessageRegistry.standard().schemaText(t.type);
    const schemaId = await writer.registerSchema({ name: t.type, encoding: 'ros2msg', data: new TextEncoder().encode(definition) });
    channels.set(t.name, await writer.registerChannel({ topic: t.name, schemaId, messageEncoding: 'cdr', metadata: new Map() }));
  }
  let sequence = 0;
  for (const m of messages) {
    await writer.addMessage({ channelId: channels.get(m.topic) ?? 0, sequence: sequence++, logTime: m.logTimeNs, publishTime: m.logTimeNs, data: m.data });
  }
  await writer.end();
  fs.closeSync(fd);
}

/** A valid LZ4 frame holding `data` in stored (uncompressed) blocks: lz4 chunks without an encoder. */
export function lz4StoredFrame(data: Uint8Array): Uint8Array {
  const BLOCK = 4 << 20;
  const descriptor = [0x60, 0x70]; // version 01, independent blocks; 4 MiB blocks
  const parts: Buffer[] = [Buffer.from([0x04, 0x22, 0x4d, 0x18, ...descriptor, (xxh32(Uint8Array.from(descriptor)) >>> 8) & 0xff])];
  for (let offset = 0; offset < data.byteLength; offset += BLOCK) {
    const block = data.subarray(offset, offset + BLOCK);
    const size = Buffer.alloc(4);
    size.writeUInt32LE((block.byteLength | 0x80000000) >>> 0);
    parts.push(size, Buffer.from(block));
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

/** xxHash32 with seed 0 of inputs shorter than 16 bytes (all an LZ4 frame header needs). */
function xxh32(input: Uint8Array): number {
  const P1 = 0x9e3779b1;
  const P2 = 0x85ebca77;
  const P3 = 0xc2b2ae3d;
  const P4 = 0x27d4eb2f;
  const P5 = 0x165667b1;
  const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
  let h = (P5 + input.byteLength) >>> 0;
  let i = 0;
  for (; i + 4 <= input.byteLength; i += 4) {
    const word = (input[i] ?? 0) | ((input[i + 1] ?? 0) << 8) | ((input[i + 2] ?? 0) << 16) | ((input[i + 3] ?? 0) << 24);
    h = Math.imul(rotl((h + Math.imul(word, P3)) >>> 0, 17), P4) >>> 0;
  }
  for (; i < input.byteLength; i++) h = Math.imul(rotl((h + Math.imul(input[i] ?? 0, P5)) >>> 0, 11), P1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), P2) >>> 0;
  h = Math.imul(h ^ (h >>> 13), P3) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
