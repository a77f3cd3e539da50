/**
 * `lnn-ros bag convert IN OUT`: rewrites any bag the reader opens (rosbag2 SQLite of every schema
 * version, MCAP; a directory or a single file) as an MCAP rosbag2 bag, like `ros2 bag convert`:
 * payloads byte for byte, log times kept, schemas as ros2msg definitions (the bag's own when it
 * carries them, else the registry's), offered QoS and type hashes kept. A damaged input (a
 * recording that was killed) is converted up to the damage, which makes it whole again.
 */
import * as path from 'node:path';
import { InputError } from '../errors';
import { bagOutputKind, McapBagWriter } from '../bag/mcap_writer';
import { openBag } from '../bag/open';
import { nsToSecondsText } from '../bag/time';
import { Output } from '../io/output';
import { MessageRegistry } from '../msg/registry';
import { option, parseCommandLine } from './args';
import { Interrupt } from './interrupt';

const USAGE = `usage: lnn-ros bag convert IN OUT [--compression none|zstd] [--topics T[,T…]]… [--chunk-size BYTES] [--overwrite]

  IN    a rosbag2 bag: a directory (with or without metadata.yaml) or a .db3 / .mcap file
  OUT   a new bag directory: OUT/<name of OUT>_0.mcap + OUT/metadata.yaml, as 'ros2 bag record -o OUT'
        writes it; or, when OUT ends in .mcap, that single self-describing MCAP file
        (no metadata.yaml; 'ros2 bag info/play OUT.mcap' and Foxglove open it directly)
  --compression   zstd chunk compression (default none, rosbag2's MCAP default)
  --topics        only these topics (comma separated, or the option repeated)
  --chunk-size    uncompressed chunk size in bytes (default 786432)
  --overwrite     replace OUT if it is a bag (anything else is never replaced)

OUT appears only when complete. Ctrl-C (SIGINT) or SIGTERM closes it as a valid bag of the
messages converted so far and exits 130 / 143.
`;

interface ConvertOptions {
  compression: 'none' | 'zstd';
  chunkSize?: number;
  topics?: string[];
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, {
    command: 'bag convert',
    usage: USAGE,
    options: {
      compression: option.oneOf(['none', 'zstd'] as const).default('none'),
      topics: option.list('TOPIC').repeatable(),
      'chunk-size': option.int({ min: 1 }),
      overwrite: option.flag(),
    },
    positionals: ['IN', 'OUT'],
  });
  if (!args) return 0;
  const { values } = args;
  const [input, output] = args.positionals;
  const out = Output.claim(output, bagOutputKind(output), { replace: values.overwrite, inputs: [input] });
  const topics = values.topics.length > 0 ? values.topics.flat() : undefined;
  return convert(input, out, { compression: values.compression, chunkSize: values['chunk-size'], topics });
}

async function convert(input: string, out: Output, options: ConvertOptions): Promise<number> {
  const started = Date.now();
  const interrupt = Interrupt.watch();
  const warn = (line: string) => console.error(`warning: ${line}`);
  const reader = await openBag(input, { warn });
  try {
    const available = reader.topics();
    const wanted = options.topics ?? available.map((t) => t.name);
    const missing = wanted.filter((t) => !available.some((a) => a.name === t));
    if (missing.length > 0) throw new InputError(`${input}: no topic ${missing.join(', ')} (topics: ${available.map((t) => t.name).join(', ')})`);
    // Written beside OUT and renamed into place when closed, so OUT is never a half-written bag.
    const staged = out.stage();
    let writer: McapBagWriter;
    try {
      writer = await McapBagWriter.open(staged, { ...options, name: path.basename(out.path), codec: MessageRegistry.standard(), warn });
    } catch (e) {
      out.discard();
      throw e;
    }
    let damage: string | undefined;
    let lastNs: bigint | undefined;
    try {
      for (const t of available.filter((a) => wanted.includes(a.name))) {
        // QoS and type hashes the input does not record stay unrecorded ('') rather than made up.
        await writer.addTopic({ name: t.name, type: t.type, definition: t.definition, offeredQos: t.offeredQosProfiles ?? '', typeDescriptionHash: t.typeDescriptionHash ?? '' });
      }
      // Topics without a known definition are copied too: conversion never decodes.
      for await (const msg of reader.messages({ topics: wanted, includeUndecodable: true })) {
        await writer.write(msg.topic, msg.logTimeNs, msg.data);
        lastNs = msg.logTimeNs;
        if (await interrupt.poll()) break;
      }
    } catch (err) {
      if (!(err instanceof InputError)) {
        await writer.close().catch(() => undefined);
        out.discard();
        throw err;
      }
      damage = err.message;
    }
    const meta = await writer.close();
    out.commit();
    const written = `${meta.messageCount} messages on ${meta.topics.length} topics`;
    if (interrupt.requested) {
      return interrupt.reportStop('bag convert', `kept ${out.path}: a complete bag of the first ${written}${lastNs === undefined ? '' : ` (log times up to ${nsToSecondsText(lastNs)})`}; the rest of ${input} was not converted`);
    }
    console.log(`${out.path}: ${written} written in ${((Date.now() - started) / 1000).toFixed(2)} s`);
    if (damage === undefined) return 0;
    console.error(`lnn-ros bag convert: ${damage}\nlnn-ros bag convert: the output holds the ${meta.messageCount} messages before the damage`);
    return 1;
  } finally {
    reader.close();
  }
}
