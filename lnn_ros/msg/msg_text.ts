/**
 * ros2msg text ↔ field lists. Parsing goes through @foxglove/rosmsg; this file adds what a bag
 * reader needs on top: the concatenated `===`/`MSG:` schemas rosbag2 stores, name resolution to
 * `pkg/msg/Name`, service event types (rosbag2 stores the `.srv` text for `<srv>_Event` topics),
 * and the reverse direction for definitions that come without text.
 */

import type { MessageDefinitionField } from '@foxglove/message-definition';
import { parse } from '@foxglove/rosmsg';
import { InputError } from '../errors';
import { normaliseTypeName, shortTypeName, splitTypeName } from './names';

/** One interface type read from ros2msg text. */
export interface ParsedType {
  /** Normalised name, e.g. `std_msgs/msg/Header`. */
  type: string;
  /** The type's own ros2msg text, without dependency sections. */
  text: string;
  /** Fields and constants; complex field types are normalised names, `time`/`duration` primitives. */
  fields: MessageDefinitionField[];
}

/** `builtin_interfaces` types that @foxglove/rosmsg turns into the `time`/`duration` primitives. */
export const TIME_TYPES: Record<string, string> = {
  time: 'builtin_interfaces/msg/Time',
  duration: 'builtin_interfaces/msg/Duration',
};

const SEPARATOR = /^=+\s*$/;
const MSG_LINE = /^MSG:\s*(\S+)\s*$/;
const SRV_SEPARATOR = /^---\s*$/m;

/**
 * Parses `text` as the definition of `type`, with the dependency sections rosbag2 appends
 * (`====…` lines followed by `MSG: pkg/Name`). Returns the root type first.
 */
export function parseMsgText(type: string, text: string): ParsedType[] {
  const root = normaliseTypeName(type);
  const sections = splitSections(root, text);
  const local = new Set(sections.map((s) => s.type));
  return sections.flatMap((s) => {
    if (!SRV_SEPARATOR.test(s.text)) return [parseSection(s.type, s.text, local)];
    if (!s.type.endsWith('_Event') || splitTypeName(s.type)[1] !== 'srv') {
      throw new InputError(`${s.type}: a '---' separator is only understood in the .srv text of a service event type`);
    }
    return serviceEvent(s.type, s.text);
  });
}

function splitSections(root: string, text: string): { type: string; text: string }[] {
  const sections = [{ type: root, lines: [] as string[] }];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!SEPARATOR.test(line)) {
      sections[sections.length - 1]?.lines.push(line);
      continue;
    }
    const name = MSG_LINE.exec(lines[i + 1] ?? '')?.[1];
    if (name === undefined) throw new InputError(`${root}: '====' separator not followed by a 'MSG: pkg/Name' line`);
    sections.push({ type: normaliseTypeName(name), lines: [] });
    i++;
  }
  return sections.map((s) => ({ type: s.type, text: trimSection(s.lines) }));
}

/** Drops the blank lines around a section, keeping one final newline. */
function trimSection(lines: string[]): string {
  const kept = [...lines];
  while (kept.length > 0 && kept[kept.length - 1]?.trim() === '') kept.pop();
  while (kept.length > 0 && kept[0]?.trim() === '') kept.shift();
  return kept.length === 0 ? '' : `${kept.join('\n')}\n`;
}

function parseSection(type: string, text: string, local: Set<string>): ParsedType {
  let parsed;
  try {
    parsed = parse(text, { ros2: true, skipTypeFixup: true });
  } catch (err) {
    throw new InputError(`${type}: ${(err as Error).message}`);
  }
  if (parsed.length !== 1 || parsed[0] === undefined) {
    throw new InputError(`${type}: expected one message definition, found ${parsed.length}`);
  }
  const fields = parsed[0].definitions.map((f) =>
    f.isComplex === true ? { ...f, type: resolveFieldType(f.type, type, local) } : f,
  );
  return { type, text, fields };
}

/** Resolves a complex field type written in the definition of `owner`. */
function resolveFieldType(written: string, owner: string, local: Set<string>): string {
  if (written.includes('/')) return normaliseTypeName(written);
  const [pkg, kind] = splitTypeName(owner);
  const sameKind = `${pkg}/${kind}/${written}`;
  return local.has(sameKind) ? sameKind : normaliseTypeName(`${pkg}/${written}`);
}

/** `pkg/srv/Name_Event` from the `.srv` text: the layout rosidl generates for service events. */
function serviceEvent(eventType: string, srvText: string): ParsedType[] {
  const [requestText = '', responseText = '', ...extra] = srvText.split(SRV_SEPARATOR);
  if (extra.length > 0) throw new InputError(`${eventType}: more than one '---' separator in a service definition`);
  const base = eventType.slice(0, -'_Event'.length);
  const local = new Set([`${base}_Request`, `${base}_Response`]);
  const request = parseSection(`${base}_Request`, trimSection(requestText.split('\n')), local);
  const response = parseSection(`${base}_Response`, trimSection(responseText.split('\n')), local);
  const fields: MessageDefinitionField[] = [
    { name: 'info', type: 'service_msgs/msg/ServiceEventInfo', isComplex: true, isArray: false },
    { name: 'request', type: request.type, isComplex: true, isArray: true, arrayUpperBound: 1 },
    { name: 'response', type: response.type, isComplex: true, isArray: true, arrayUpperBound: 1 },
  ];
  return [{ type: eventType, text: msgTextOf(fields), fields }, request, response];
}

/** ros2msg text of a field list, for definitions that come without their original text. */
export function msgTextOf(fields: MessageDefinitionField[]): string {
  return fields.map((f) => `${fieldLine(f)}\n`).join('');
}

function fieldLine(f: MessageDefinitionField): string {
  let type = TIME_TYPES[f.type] ?? f.type;
  if (f.isComplex === true || TIME_TYPES[f.type] !== undefined) type = shortTypeName(type);
  if (f.upperBound !== undefined) type += `<=${f.upperBound}`;
  if (f.isConstant === true) return `${type} ${f.name}=${f.valueText ?? formatValue(f.value)}`;
  if (f.isArray === true) {
    type += f.arrayLength !== undefined ? `[${f.arrayLength}]` : f.arrayUpperBound !== undefined ? `[<=${f.arrayUpperBound}]` : '[]';
  }
  return f.defaultValue === undefined ? `${type} ${f.name}` : `${type} ${f.name} ${formatValue(f.defaultValue)}`;
}

function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The normalised types a field list refers to, `builtin_interfaces` time types included. */
export function referencedTypes(fields: MessageDefinitionField[]): string[] {
  const out: string[] = [];
  for (const f of fields) {
    if (f.isConstant === true) continue;
    const type = f.isComplex === true ? f.type : TIME_TYPES[f.type];
    if (type !== undefined && !out.includes(type)) out.push(type);
  }
  return out;
}
