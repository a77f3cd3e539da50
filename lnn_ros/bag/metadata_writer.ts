/**
 * rosbag2's metadata.yaml (version 8, the Jazzy layout: offered QoS as a string, type description
 * hashes, per-file information, ros_distro), emitted the way rosbag2's yaml-cpp emitter writes it so
 * that `ros2 bag info/play` (Humble reads it too: it ignores keys newer than its version) and the
 * Python `rosbags` package accept it.
 */
import * as path from 'path';
import { writeFileAtomic } from '../io/atomic';

/** Version written: the newest one that still stores offered QoS as a string (v9 changed that). */
export const METADATA_VERSION = 8;

/** One topic as listed under topics_with_message_count. */
export interface TopicMetadata {
  name: string;
  /** `pkg/msg/Type`. */
  type: string;
  serializationFormat: string;
  /** v8 QoS string (see qos.ts). */
  offeredQosProfiles: string;
  /** `RIHS01_…`, or "" when unknown (rosbag2 writes "" too when it has none). */
  typeDescriptionHash: string;
  messageCount: number;
}

/** One storage file of the bag. */
export interface FileMetadata {
  /** Relative to the bag directory. */
  path: string;
  startingTimeNs: bigint;
  durationNs: bigint;
  messageCount: number;
}

/** What metadata.yaml describes. */
export interface BagMetadata {
  storageIdentifier: 'mcap' | 'sqlite3';
  startingTimeNs: bigint;
  durationNs: bigint;
  messageCount: number;
  topics: TopicMetadata[];
  /** File-level compression of rosbag2_compression; "" for MCAP (chunk compression is inside the file). */
  compressionFormat: string;
  compressionMode: string;
  files: FileMetadata[];
  customData?: Record<string, string>;
  rosDistro: string;
}

/** A YAML scalar as yaml-cpp emits a std::string: plain when unambiguous, double-quoted otherwise. */
function scalar(value: string): string {
  const plain =
    /^[A-Za-z_/][A-Za-z0-9_/.\-]*$/.test(value) &&
    !/^(true|false|yes|no|on|off|null|y|n|~)$/i.test(value);
  return plain ? value : JSON.stringify(value);
}

function block(lines: string[], indent: string): string {
  return lines.map((line) => indent + line).join('\n');
}

function topicLines(t: TopicMetadata): string[] {
  return [
    '- topic_metadata:',
    `    name: ${scalar(t.name)}`,
    `    type: ${scalar(t.type)}`,
    `    serialization_format: ${scalar(t.serializationFormat)}`,
    `    offered_qos_profiles: ${scalar(t.offeredQosProfiles)}`,
    `    type_description_hash: ${scalar(t.typeDescriptionHash)}`,
    `  message_count: ${t.messageCount}`,
  ];
}

function fileLines(f: FileMetadata): string[] {
  return [
    `- path: ${scalar(f.path)}`,
    '  starting_time:',
    `    nanoseconds_since_epoch: ${f.startingTimeNs}`,
    '  duration:',
    `    nanoseconds: ${f.durationNs}`,
    `  message_count: ${f.messageCount}`,
  ];
}

function listLines(items: string[][]): string[] {
  return items.length === 0 ? ['  []'] : items.flat().map((line) => '  ' + line);
}

function customDataLines(data: Record<string, string> | undefined): string[] {
  const entries = Object.entries(data ?? {});
  if (entries.length === 0) return ['custom_data: ~'];
  return ['custom_data:', ...entries.map(([k, v]) => `  ${scalar(k)}: ${scalar(v)}`)];
}

/** The BagMetadata node alone: what rosbag2 stores in the MCAP `rosbag2` metadata record. */
export function serializeBagMetadata(m: BagMetadata): string {
  const lines = [
    `version: ${METADATA_VERSION}`,
    `storage_identifier: ${m.storageIdentifier}`,
    'duration:',
    `  nanoseconds: ${m.durationNs}`,
    'starting_time:',
    `  nanoseconds_since_epoch: ${m.startingTimeNs}`,
    `message_count: ${m.messageCount}`,
    'topics_with_message_count:',
    ...listLines(m.topics.map(topicLines)),
    `compression_format: ${scalar(m.compressionFormat)}`,
    `compression_mode: ${scalar(m.compressionMode)}`,
    'relative_file_paths:',
    ...listLines(m.files.map((f) => [`- ${scalar(f.path)}`])),
    'files:',
    ...listLines(m.files.map(fileLines)),
    ...customDataLines(m.customData),
    `ros_distro: ${scalar(m.rosDistro)}`,
  ];
  return lines.join('\n');
}

/** The whole metadata.yaml document. */
export function metadataYaml(m: BagMetadata): string {
  return `rosbag2_bagfile_information:\n${block(serializeBagMetadata(m).split('\n'), '  ')}`;
}

/** Writes `<bagDir>/metadata.yaml` through a temporary file, so a crash never leaves half of one. */
export function writeMetadataFile(bagDir: string, m: BagMetadata): void {
  writeFileAtomic(path.join(bagDir, 'metadata.yaml'), metadataYaml(m));
}
