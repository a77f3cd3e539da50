/** `lnn-ros bag echo BAG [--topic T]... [--limit N] [--json]`: decoded messages in log-time order. */

import { once } from 'node:events';
import { stringify } from 'yaml';
import { openBag } from '../bag/open';
import { nsToSecondsText, nsToUtcText } from '../bag/time';
import { InputError } from '../errors';
import { messageToJson, messageToPlain } from '../msg/json';
import { option, parseCommandLine } from './args';

const TEXT_MAX_LENGTH = 128;

const USAGE = `usage: lnn-ros bag echo BAG [--topic T]... [--limit N] [--json]

Prints the decoded messages of BAG (a bag directory or a .db3 / .mcap file) in log-time order.

  -t, --topic T   only topic T (repeatable; default: every topic with a known type)
  -n, --limit N   stop after N messages
  --json          one JSON object per line: {"topic", "log_time_ns", "message"} with ROS field
                  names; times {sec, nanosec}; uint8/byte/char arrays as base64 strings; 64-bit
                  integers and log_time_ns as exact JSON integers; NaN and infinities as the
                  strings "NaN", "Infinity", "-Infinity"
Without --json: YAML documents; arrays and strings longer than ${TEXT_MAX_LENGTH} are cut with '...'.
A damaged file: the messages before the damage are printed, then the error (exit code 1).
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, {
    command: 'bag echo',
    usage: USAGE,
    options: { topic: option.string('TOPIC').short('t').repeatable(), limit: option.int({ min: 0 }).short('n').default(Infinity), json: option.flag() },
    positionals: ['BAG'],
  });
  if (!args) return 0;
  const { values, positionals: [bagPath] } = args;
  const limit = values.limit;
  const bag = await openBag(bagPath, { warn: (m) => console.error(`warning: ${m}`) });
  let printed = 0;
  let undecodable = 0;
  try {
    for await (const m of bag.messages(values.topic.length > 0 ? { topics: values.topic } : {})) {
      if (printed >= limit) break;
      let message: unknown;
      try {
        message = m.decoded();
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        console.error(`lnn-ros bag echo: ${err.message}`);
        undecodable++;
        continue;
      }
      const text = values.json
        ? `${messageToJson({ topic: m.topic, log_time_ns: m.logTimeNs, message })}\n`
        : `${stringify({
            topic: m.topic,
            log_time: `${nsToSecondsText(m.logTimeNs)} (${nsToUtcText(m.logTimeNs)})`,
            message: messageToPlain(message, TEXT_MAX_LENGTH),
          })}---\n`;
      // Respect back-pressure: a bag can be far larger than the pipe's buffer.
      if (!process.stdout.write(text)) await once(process.stdout, 'drain');
      printed++;
    }
  } finally {
    bag.close();
  }
  return undecodable > 0 ? 1 : 0;
}
