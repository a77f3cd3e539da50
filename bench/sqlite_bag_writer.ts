/**
 * Writes a rosbag2 SQLite bag (storage schema 4, as Iron/Jazzy's rosbag2_storage_sqlite3 creates
 * it, with its default pragmas) plus metadata.yaml — only so the benchmark can time the SQLite
 * reader on the same content as the MCAP bag. Recording goes to MCAP; this is not a product writer.
 */
import Database from 'better-sqlite3';
import * as fs from 'fs';
import * as path from 'path';
import { BagStats } from '../lnn_ros/bag/bag_stats';
import { METADATA_VERSION, serializeBagMetadata, writeMetadataFile } from '../lnn_ros/bag/metadata_writer';
import { DEFAULT_QOS, serializeQosProfiles } from '../lnn_ros/bag/qos';

const SCHEMA = [
  'CREATE TABLE schema(schema_version INTEGER PRIMARY KEY,ros_distro TEXT NOT NULL)',
  'CREATE TABLE metadata(id INTEGER PRIMARY KEY,metadata_version INTEGER NOT NULL,metadata TEXT NOT NULL)',
  'CREATE TABLE topics(id INTEGER PRIMARY KEY,name TEXT NOT NULL,type TEXT NOT NULL,serialization_format TEXT NOT NULL,offered_qos_profiles TEXT NOT NULL,type_description_hash TEXT NOT NULL)',
  'CREATE TABLE message_definitions(id INTEGER PRIMARY KEY,topic_type TEXT NOT NULL,encoding TEXT NOT NULL,encoded_message_definition TEXT NOT NULL,type_description_hash TEXT NOT NULL)',
  'CREATE TABLE messages(id INTEGER PRIMARY KEY,topic_id INTEGER NOT NULL,timestamp INTEGER NOT NULL, data BLOB NOT NULL)',
  'CREATE INDEX timestamp_idx ON messages (timestamp ASC)',
];

export class SqliteBagWriter {
  private readonly db: Database.Database;
  private readonly file: string;
  private readonly topicIds = new Map<string, number>();
  private readonly stats = new BagStats();
  private readonly insert: Database.Statement;

  /** Creates `bagDir/<name>_0.db3`. */
  constructor(readonly bagDir: string) {
    fs.mkdirSync(bagDir, { recursive: true });
    this.file = path.join(bagDir, `${path.basename(bagDir)}_0.db3`);
    this.db = new Database(this.file);
    this.db.pragma('journal_mode = MEMORY');
    this.db.pragma('synchronous = OFF');
    for (const sql of SCHEMA) this.db.exec(sql);
    this.db.prepare('INSERT INTO schema (schema_version, ros_distro) VALUES (4, ?)').run(process.env.ROS_DISTRO ?? '');
    this.insert = this.db.prepare('INSERT INTO messages (timestamp, topic_id, data) VALUES (?, ?, ?)');
    this.db.exec('BEGIN');
  }

  addTopic(name: string, type: string, definition: string): void {
    const id = this.topicIds.size + 1;
    const qos = serializeQosProfiles([DEFAULT_QOS]);
    this.db
      .prepare('INSERT INTO topics (id, name, type, serialization_format, offered_qos_profiles, type_description_hash) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, name, type, 'cdr', qos, '');
    this.db
      .prepare('INSERT INTO message_definitions (topic_type, encoding, encoded_message_definition, type_description_hash) VALUES (?, ?, ?, ?)')
      .run(type, 'ros2msg', definition, '');
    this.topicIds.set(name, id);
    this.stats.addTopic({ name, type, serializationFormat: 'cdr', offeredQosProfiles: qos, typeDescriptionHash: '' });
  }

  write(topic: string, logTimeNs: bigint, data: Uint8Array): void {
    this.insert.run(logTimeNs, this.topicIds.get(topic)!, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.stats.record(topic, logTimeNs);
  }

  close(): void {
    const meta = this.stats.metadata('sqlite3', path.basename(this.file));
    this.db.prepare('INSERT INTO metadata (metadata_version, metadata) VALUES (?, ?)').run(METADATA_VERSION, serializeBagMetadata(meta));
    this.db.exec('COMMIT');
    this.db.close();
    writeMetadataFile(this.bagDir, meta);
  }
}
