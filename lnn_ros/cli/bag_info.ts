/** `lnn-ros bag info BAG [--json]`: what `ros2 bag info` shows. */

import * as fs from 'node:fs';
import { openBag } from '../bag/open';
import { nsToSecondsText, nsToUtcText } from '../bag/time';
import type { BagSummary } from '../bag/types';
import { messageToJson } from '../msg/json';
import { option, parseCommandLine } from './args';

const USAGE = `usage: lnn-ros bag info BAG [--json]

Files, size, storage, duration, start and end (UTC), message count and, per topic, type, count
and serialization format. BAG is a bag directory or a single .db3 / .mcap file.

  --json   one JSON object {"storage", "start_ns", "end_ns", "duration_s", "message_count",
           "topics": [{"name", "type", "count"}]}; nanosecond times are exact JSON integers
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, { command: 'bag info', usage: USAGE, options: { json: option.flag() }, positionals: ['BAG'] });
  if (!args) return 0;
  const { values, positionals: [bagPath] } = args;
  const bag = await openBag(bagPath, { warn: (m) => console.error(`warning: ${m}`) });
  try {
    const summary = bag.summary();
    process.stdout.write(values.json ? `${messageToJson(jsonSummary(summary))}\n` : textSummary(summary));
    for (const problem of summary.problems ?? []) console.error(`lnn-ros bag info: ${problem}`);
    return summary.problems ? 1 : 0;
  } finally {
    bag.close();
  }
}

function jsonSummary(s: BagSummary): object {
  return {
    storage: s.storage,
    start_ns: s.startNs,
    end_ns: s.endNs,
    duration_s: Number(s.endNs - s.startNs) / 1e9,
    message_count: s.messageCount,
    topics: s.topics.map((t) => ({ name: t.name, type: t.type, count: t.messageCount })),
  };
}

function textSummary(s: BagSummary): string {
  const bytes = s.files.reduce((n, f) => n + fs.statSync(f).size, 0);
  const topicLines = s.topics.map(
    (t) => `Topic: ${t.name} | Type: ${t.type} | Count: ${t.messageCount} | Serialization Format: ${t.serializationFormat}${t.decodable === false ? ' | no definition' : ''}`,
  );
  const rows: [string, string[]][] = [
    ['Files:', s.files],
    ['Bag size:', [formatBytes(bytes)]],
    ['Storage id:', [s.storage]],
    ['Duration:', [`${nsToSecondsText(s.endNs - s.startNs)}s`]],
    ['Start:', [`${nsToUtcText(s.startNs)} (${nsToSecondsText(s.startNs)})`]],
    ['End:', [`${nsToUtcText(s.endNs)} (${nsToSecondsText(s.endNs)})`]],
    ['Messages:', [String(s.messageCount)]],
    ['Topic information:', topicLines.length > 0 ? topicLines : ['']],
  ];
  return rows.map(([label, lines]) => lines.map((line, i) => `${(i === 0 ? label : '').padEnd(19)}${line}`.trimEnd()).join('\n')).join('\n') + '\n';
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
