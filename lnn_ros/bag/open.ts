/** Entry point of the recorded-data layer: opens any rosbag2 bag for reading. */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DecompressHandlers } from '@mcap/core';
import { InputError } from '../errors';
import { MessageRegistry } from '../msg/registry';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, decompressZstdFrame, guardedDecompressHandlers } from './compression';
import { McapStorage } from './mcap_reader';
import { readMetadata } from './metadata';
import { Rosbag2Reader } from './rosbag2_reader';
import { SqliteStorage } from './sqlite_reader';
import type { StorageFile } from './storage';
import type { BagReader } from './types';

export interface OpenBagOptions {
  /** Definitions to decode with (default: the standard registry); the bag's own are added to a child. */
  registry?: MessageRegistry;
  /** Receives warnings (topics skipped for lack of a definition, ignored definitions); default: stderr. */
  warn?: (message: string) => void;
  /**
   * Largest decompressed MCAP chunk or message accepted, in bytes; a damaged size field must not
   * make the decoder allocate gigabytes. Default 256 MiB.
   */
  maxDecompressedBytes?: number;
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const MCAP_MAGIC = Buffer.from([0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a]);

/**
 * Opens a bag: a directory with `metadata.yaml` and its storage files, a directory of storage
 * files without metadata, or a single `.db3` / `.mcap` file (the format is told by the file's
 * first bytes). Nothing is written next to the input. Problems are InputErrors naming the file.
 */
export async function openBag(bagPath: string, options: OpenBagOptions = {}): Promise<BagReader> {
  const warn = options.warn ?? ((message: string) => process.stderr.write(`warning: ${message}\n`));
  const handlers = await guardedDecompressHandlers(options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(bagPath);
  } catch {
    throw new InputError(`${bagPath}: no such file or directory`);
  }
  let files = [bagPath];
  let decompressMessage: ((data: Uint8Array) => Uint8Array) | undefined;
  if (stat.isDirectory()) {
    if (fs.existsSync(path.join(bagPath, 'metadata.yaml'))) {
      const metadata = readMetadata(bagPath);
      files = metadata.files;
      if (metadata.compressionMode === 'FILE') {
        throw new InputError(`${metadata.file}: compression_mode FILE (whole files compressed) is not supported; decompress the bag first`);
      }
      if (metadata.compressionMode === 'MESSAGE') {
        if (metadata.compressionFormat !== 'zstd') {
          throw new InputError(`${metadata.file}: compression_format '${metadata.compressionFormat}' is unknown (rosbag2 compresses with zstd)`);
        }
        decompressMessage = (data) => decompressZstdFrame(handlers, data);
      } else if (metadata.compressionMode !== '' && metadata.compressionMode !== 'NONE') {
        throw new InputError(`${metadata.file}: compression_mode '${metadata.compressionMode}' is unknown`);
      }
    } else {
      files = fs.readdirSync(bagPath).filter((f) => /\.(db3|mcap)$/.test(f)).sort().map((f) => path.join(bagPath, f));
      if (files.length === 0) throw new InputError(`${bagPath}: no metadata.yaml and no .db3 or .mcap file`);
      warn(`${bagPath}: no metadata.yaml; reading ${files.map((f) => path.basename(f)).join(', ')}`);
    }
  }
  const storages: StorageFile[] = [];
  try {
    for (const file of files) storages.push(await openStorage(file, handlers));
  } catch (err) {
    for (const s of storages) s.close();
    throw err;
  }
  return new Rosbag2Reader(storages, {
    name: bagPath,
    registry: options.registry ?? MessageRegistry.standard(),
    warn,
    ...(decompressMessage ? { decompressMessage } : {}),
  });
}

async function openStorage(file: string, handlers: DecompressHandlers): Promise<StorageFile> {
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  let read: number;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      read = fs.readSync(fd, head, 0, head.length, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw new InputError(`${file}: ${(err as Error).message}`);
  }
  if (read === 0) throw new InputError(`${file}: empty file`);
  if (head.subarray(0, read).equals(SQLITE_MAGIC)) return SqliteStorage.open(file);
  if (read >= MCAP_MAGIC.length && head.subarray(0, MCAP_MAGIC.length).equals(MCAP_MAGIC)) return McapStorage.open(file, handlers);
  throw new InputError(`${file}: neither a SQLite nor an MCAP file (starts with ${head.subarray(0, read).toString('hex')})`);
}
