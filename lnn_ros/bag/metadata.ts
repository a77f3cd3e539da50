/** `metadata.yaml` of a rosbag2 bag directory: the parts a reader needs, validated. */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ConfigError, InputError } from '../errors';

/** What a reader takes from metadata.yaml: where the storage files are and how they are compressed. */
export interface BagLayout {
  /** Path of the metadata.yaml this came from. */
  file: string;
  /** Absolute paths of the storage files, in the order listed (their format is told by their bytes). */
  files: string[];
  /** `zstd`, or '' for uncompressed bags. */
  compressionFormat: string;
  /** `FILE`, `MESSAGE`, or '' (upper-cased; rosbag2 has written both cases). */
  compressionMode: string;
}

const ROOT = 'rosbag2_bagfile_information';

/** Reads `<dir>/metadata.yaml`; every problem is a ConfigError naming the file and key. */
export function readMetadata(dir: string): BagLayout {
  const file = path.join(dir, 'metadata.yaml');
  let doc: unknown;
  try {
    // Errors throw; warnings would otherwise become process warnings nobody asked for.
    doc = parse(fs.readFileSync(file, 'utf8'), { logLevel: 'error' });
  } catch (err) {
    throw new InputError(`${file}: ${(err as Error).message}`);
  }
  const info = field(doc, ROOT);
  if (!isRecord(info)) throw new ConfigError(file, ROOT, 'missing or not a mapping');
  const text = (key: string): string => {
    const value = field(info, key) ?? '';
    if (typeof value !== 'string') throw new ConfigError(file, `${ROOT}.${key}`, 'not a string');
    return value;
  };
  const relative = field(info, 'relative_file_paths');
  if (!Array.isArray(relative) || relative.length === 0 || !relative.every((p) => typeof p === 'string' && p !== '')) {
    throw new ConfigError(file, `${ROOT}.relative_file_paths`, 'missing, empty or not a list of file names');
  }
  return {
    file,
    files: (relative as string[]).map((p) => resolveStorageFile(dir, p, file)),
    compressionFormat: text('compression_format'),
    compressionMode: text('compression_mode').toUpperCase(),
  };
}

/** Paths are relative to the bag directory; Dashing/Eloquent bags also repeat the directory name. */
function resolveStorageFile(dir: string, relative: string, metadataFile: string): string {
  for (const candidate of [path.resolve(dir, relative), path.resolve(dir, path.basename(relative))]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new InputError(`${metadataFile}: storage file '${relative}' listed in relative_file_paths does not exist in ${dir}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}
