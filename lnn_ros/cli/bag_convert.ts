/**
 * `lnn-ros bag convert IN OUT`: rewrites any bag the reader opens (rosbag2 SQLite of every schema
 * version, MCAP; a directory or a single file) as an MCAP rosbag2 bag, like `ros2 bag convert`:
 * payloads byte for byte, log times kept, schemas as ros2msg definitions (the bag's own when it
 * carries them, else the registry's), offered QoS and type hashes kept. A damaged input (a
 * recording that was killed) is converted up to the damage, which makes it whole again.
 */
import { parseArgs } from 'node:util';
import { InputError } from '../errors';
import { McapBagWriter } from '../bag/mcap_writer';
import { openBag } from '../bag/open';
import { MessageRegistry } from '../msg/registry';

const USAGE = `usage: lnn-ros bag convert IN OUT [--compression none|zstd] [--topics T[,T…]]… [--chunk-size BYTES]

  IN    a rosbag2 bag: a directory (with or without metadata.yaml) or a .db3 / .mcap file
  OUT   a new bag directory: OUT/<name of OUT>_0.mcap + OUT/metadata.yaml, as 'ros2 bag record -o OUT'
        writes it; or, when OUT ends in .mcap, that single self-describing MCAP file
        (no metadata.yaml; 'ros2 bag info/play OUT.mcap' and Foxglove open it directly)
  --compression   zstd chunk compression (default none, rosbag2's MCAP default)
  --topics        only these topics (comma separated, or the option repeated)
  --chunk-size    uncompressed chunk size in bytes (default 786432)
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      compression: { type: 'string', default: 'none' },
      topics: { type: 'string', multiple: true },
      'chunk-size': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const compression = values.compression;
  const chunkSize = values['chunk-size'] === undefined ? undefined : Number(values['chunk-size']);
  const problem =
    positionals.length !== 2
      ? `expected IN and OUT, got ${positionals.length} argument(s)`
      : compression !== 'none' && compression !== 'zstd'
        ? `--compression must be none or zstd, got '${compression}'`
        : chunkSize !== undefined && !(Number.isInteger(chunkSize) && chunkSize > 0)
          ? `--chunk-size must be a positive integer, got '${values['chunk-size']}'`
          : undefined;
  if (problem) {
    console.error(`lnn-ros bag convert: ${problem}\n\n${USAGE}`);
    return 2;
  }
  const [input, output] = positionals;
  const topics = values.topics?.flatMap((t) => t.split(',')).filter((t) => t !== '');
  return convert(input, output, { compression: compression as 'none' | 'zstd', chunkSize, topics });
}

async function convert(input: string, output: string, options: { compression: 'none' | 'zstd'; chunkSize?: number; topics?: string[] }): Promise<number> {
  const started = Date.now();
  const warn = (line: string) => console.error(`warning: ${line}`);
  const reader = await openBag(input, { warn });
  try {
    const available = reader.topics();
    const wanted = options.topics ?? available.map((t) => t.name);
    const missing = wanted.filter((t) => !available.some((a) => a.name === t));
    if (missing.length > 0) throw new InputError(`${input}: no topic ${missing.join(', ')} (topics: ${available.map((t) => t.name).join(', ')})`);
    const writer = await McapBagWriter.open(output, { compression: options.compression, chunkSize: options.chunkSize, codec: MessageRegistry.standard(), warn });
    for (const t of available.filter((a) => wanted.includes(a.name))) {
      // QoS and type hashes the input does not record stay unrecorded ('') rather than made up.
      await writer.addTopic({ name: t.name, type: t.type, definition: t.definition, offeredQos: t.offeredQosProfiles ?? '', typeDescriptionHash: t.typeDescriptionHash ?? '' });
    }
    let damage: string | undefined;
    try {
      // Topics without a known definition are copied too: conversion never decodes.
      for await (const msg of reader.messages({ topics: wanted, includeUndecodable: true })) await writer.write(msg.topic, msg.logTimeNs, msg.data);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      damage = err.message;
    }
    const meta = await writer.close();
    const seconds = ((Date.now() - started) / 1000).toFixed(2);
    console.log(`${output}: ${meta.messageCount} messages on ${meta.topics.length} topics written to ${writer.file} in ${seconds} s`);
    if (damage === undefined) return 0;
    console.error(`lnn-ros bag convert: ${damage}\nlnn-ros bag convert: the output holds the ${meta.messageCount} messages before the damage`);
    return 1;
  } finally {
    reader.close();
  }
}
