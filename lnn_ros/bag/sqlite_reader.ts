/**
 * rosbag2 SQLite3 storage (`.db3`) in the three schemas seen in the wild: 0 (2019, `topics`
 * without QoS), 3 (Humble: QoS, `metadata`, `schema`) and 4 (Iron/Jazzy: type hashes,
 * `message_definitions`). Only the columns present are read.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { InputError } from '../errors';
import { normaliseRecordedTypeName } from '../msg/names';
import type { RawMessage, StorageReadOptions, StorageTopic } from './storage';
import { StorageFileBase } from './storage_file_base';

// better-sqlite3 reads this once, when its addon loads (at the first Database constructed): it
// enables `file:` URIs, which carry the immutable flag below. A user's own setting wins.
process.env['SQLITE_USE_URI'] ??= '1';

type Db = Database.Database;

const READ_ONLY = { readonly: true, fileMustExist: true };

interface TopicRow {
  id: number;
  name: string;
  type: string;
  serialization_format: string;
  offered_qos_profiles?: string;
  type_description_hash?: string;
}

export class SqliteStorage extends StorageFileBase {
  readonly storage = 'sqlite3';
  private readonly topicList: StorageTopic[] = [];
  private readonly topicIds = new Map<string, number>();
  private readonly topicNames = new Map<number, string>();
  /** The connection that reads message payloads by id, shared by all reads. */
  private payloadDb: Db | undefined;

  private constructor(
    path: string,
    private readonly db: Db,
    /** A private copy to delete on close, when the input could not be opened immutable. */
    private readonly copy: string | undefined,
  ) {
    super(path);
  }

  /** Opens `file` without ever writing next to it; throws an InputError naming the file. */
  static async open(file: string): Promise<SqliteStorage> {
    const { db, copy } = openReadOnly(file);
    const storage = new SqliteStorage(file, db, copy);
    return StorageFileBase.opened(storage, () => storage.readSchema());
  }

  topics(): StorageTopic[] {
    return this.topicList;
  }

  async *messages(options: StorageReadOptions): AsyncGenerator<RawMessage> {
    const where: string[] = [];
    const params: (bigint | number)[] = [];
    if (options.topics) {
      const ids = [...options.topics].flatMap((t) => this.topicIds.get(t) ?? []);
      where.push(`topic_id IN (${ids.map(() => '?').join(',') || 'NULL'})`);
      params.push(...ids);
    }
    if (options.startNs !== undefined) {
      where.push('timestamp >= ?');
      params.push(options.startNs);
    }
    if (options.endNs !== undefined) {
      where.push('timestamp < ?');
      params.push(options.endNs);
    }
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    let keysDb: Db | undefined;
    let keys: IterableIterator<unknown> | undefined;
    try {
      // Keys first, payloads one by one: bounded memory with or without the timestamp index
      // (schema 0 has none, and sorting whole rows would spill every payload to a temp file).
      // A connection is busy while a query iterates, hence one for the keys of each read.
      keysDb = this.connect();
      this.payloadDb ??= this.connect();
      const payload = this.payloadDb.prepare('SELECT topic_id, data FROM messages WHERE id = ?');
      keys = keysDb.prepare(`SELECT id, timestamp FROM messages ${filter} ORDER BY timestamp, id`).safeIntegers(true).iterate(...params);
      for (const key of keys as IterableIterator<{ id: bigint; timestamp: bigint }>) {
        const row = payload.get(key.id) as { topic_id: number; data: unknown } | undefined;
        const topic = row ? this.topicNames.get(Number(row.topic_id)) : undefined;
        if (!row || topic === undefined || !(row.data instanceof Uint8Array)) {
          throw new Error(`message ${key.id} has no payload or an unknown topic id ${row?.topic_id}`);
        }
        yield { topic, logTimeNs: key.timestamp, data: row.data };
      }
    } catch (err) {
      throw this.inputError(err);
    } finally {
      keys?.return?.();
      keysDb?.close();
    }
  }

  close(): void {
    this.db.close();
    this.payloadDb?.close();
    if (this.copy) fs.rmSync(path.dirname(this.copy), { recursive: true, force: true });
  }

  /** Another connection, opened the way the first one was. */
  private connect(): Db {
    return this.copy ? new Database(this.copy, READ_ONLY) : openReadOnly(this.path).db;
  }

  private readSchema(): void {
    const tables = new Set(this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
    if (!tables.has('topics') || !tables.has('messages')) throw new Error('not a rosbag2 SQLite file (no topics or messages table)');
    const columns = new Set((this.db.prepare('PRAGMA table_info(topics)').all() as { name: string }[]).map((c) => c.name));
    const optional = ['offered_qos_profiles', 'type_description_hash'].filter((c) => columns.has(c));
    const rows = this.db.prepare(`SELECT id, name, type, serialization_format${optional.map((c) => `, ${c}`).join('')} FROM topics ORDER BY id`).all() as TopicRow[];
    const definitions = tables.has('message_definitions') ? this.readDefinitions() : new Map<string, { encoding: string; text: string }>();
    for (const row of rows) {
      const type = normaliseRecordedTypeName(String(row.type));
      // Service event topics (`pkg/srv/X_Event`) find their definition under the service, `pkg/srv/X`.
      const definition = definitions.get(type) ?? definitions.get(type.replace(/_Event$/, ''));
      this.topicIds.set(row.name, row.id);
      this.topicNames.set(row.id, row.name);
      this.topicList.push({
        name: row.name,
        type,
        serializationFormat: row.serialization_format,
        messageCount: 0,
        ...(row.offered_qos_profiles ? { offeredQosProfiles: row.offered_qos_profiles } : {}),
        ...(row.type_description_hash ? { typeDescriptionHash: row.type_description_hash } : {}),
        ...(definition ? { definition } : {}),
      });
    }
    try {
      this.countMessages();
    } catch (err) {
      // The topics are readable; report the damage and let messages() read up to it.
      this.damage = this.inputError(err).message;
    }
  }

  private readDefinitions(): Map<string, { encoding: string; text: string }> {
    const rows = this.db.prepare('SELECT topic_type, encoding, encoded_message_definition FROM message_definitions').all() as {
      topic_type: string;
      encoding: string;
      encoded_message_definition: string;
    }[];
    // rosbag2 writes encoding 'unknown' and no text when it had no definition of a type.
    return new Map(
      rows.filter((r) => r.encoding !== 'unknown').map((r) => [normaliseRecordedTypeName(r.topic_type), { encoding: r.encoding, text: String(r.encoded_message_definition) }]),
    );
  }

  private countMessages(): void {
    const counts = this.db
      .prepare('SELECT topic_id, COUNT(*) AS n, MIN(timestamp) AS first, MAX(timestamp) AS last FROM messages GROUP BY topic_id')
      .safeIntegers(true)
      .all() as { topic_id: bigint; n: bigint; first: bigint; last: bigint }[];
    for (const c of counts) {
      const topic = this.topicList.find((t) => t.name === this.topicNames.get(Number(c.topic_id)));
      if (!topic) throw new Error(`${c.n} messages refer to topic id ${c.topic_id}, which the topics table lacks`);
      topic.messageCount = Number(c.n);
      this.extendRange(c.first, c.last);
    }
  }
}

/**
 * Opens read-only and immutable: SQLite then neither locks nor creates `-shm`/`-wal` files next to
 * a WAL-mode input (which a plain read-only open does). When `file:` URIs are off (better-sqlite3
 * loaded elsewhere before this module), reads a private copy instead.
 */
function openReadOnly(file: string): { db: Db; copy?: string } {
  const uri = `file:${path.resolve(file).split(path.sep).map(encodeURIComponent).join('/')}?immutable=1`;
  try {
    return { db: new Database(uri, READ_ONLY) };
  } catch (err) {
    if ((err as { code?: string }).code !== 'SQLITE_CANTOPEN') throw new InputError(`${file}: ${(err as Error).message}`);
  }
  if (!fs.existsSync(file)) throw new InputError(`${file}: no such file`);
  const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-ros-db3-')), path.basename(file));
  fs.copyFileSync(file, copy);
  return { db: new Database(copy, READ_ONLY), copy };
}
