/**
 * ROS 2 type description hashes (REP 2011, "RIHS01"), as rosidl_generator_type_description
 * computes them at build time and rosbag2 (Iron and later) records them per topic.
 *
 * A type's description lists its fields (constants are not fields) as {name, type_id, capacity,
 * string_capacity, nested_type_name}, with type ids from type_description_interfaces/FieldType;
 * every type it refers to, directly or not, follows in `referenced_type_descriptions`, sorted by
 * name. The hash is the SHA-256 of that structure serialised as Python's `json.dumps` does with
 * `separators=(', ', ': ')` (keys in the order above; default values are left out), prefixed
 * with `RIHS01_`. The field layout comes from the IDL that rosidl makes of a `.msg`: `char` is a
 * uint8, `byte` an octet, and a struct without fields gets `uint8 structure_needs_at_least_one_member`.
 */

import { createHash } from 'node:crypto';
import type { MessageDefinitionField } from '@foxglove/message-definition';
import { InputError } from '../errors';
import { TIME_TYPES } from './msg_text';
import { normaliseTypeName } from './names';
import type { MessageRegistry } from './registry';

/** type_description_interfaces/msg/FieldType of one field. */
export interface FieldTypeDescription {
  type_id: number;
  capacity: number;
  string_capacity: number;
  nested_type_name: string;
}

/** type_description_interfaces/msg/IndividualTypeDescription, without the (unhashed) default values. */
export interface IndividualTypeDescription {
  type_name: string;
  fields: { name: string; type: FieldTypeDescription }[];
}

/** type_description_interfaces/msg/TypeDescription: what the hash is computed over. */
export interface TypeDescription {
  type_description: IndividualTypeDescription;
  referenced_type_descriptions: IndividualTypeDescription[];
}

/** FieldType ids of single values; arrays add 48, bounded sequences 96, unbounded sequences 144. */
const VALUE_TYPE_IDS: Record<string, number> = {
  int8: 2, uint8: 3, int16: 4, uint16: 5, int32: 6, uint32: 7, int64: 8, uint64: 9,
  float32: 10, float64: 11, bool: 15, byte: 16, string: 17, wstring: 18,
};
const NESTED_TYPE = 1;
const BOUNDED_STRING = 21;
const BOUNDED_WSTRING = 22;
const ARRAY_OFFSET = 48;
const BOUNDED_SEQUENCE_OFFSET = 96;
const UNBOUNDED_SEQUENCE_OFFSET = 144;

const RIHS01_PREFIX = 'RIHS01_';
/** The uint8 field rosidl puts into a struct that has none (IDL structs cannot be empty). */
const EMPTY_STRUCT_MEMBER = 'structure_needs_at_least_one_member';
/** A `byte` field (not a constant) in ros2msg text: `byte x`, `byte[4] x`, `byte[<=4] x`, `byte[] x`. */
const BYTE_FIELD = /^\s*byte\s*(?:\[[^\]]*\])?\s+([A-Za-z]\w*)\s*(=)?/;

/** `RIHS01_<sha256 hex>` of `type` (e.g. `sensor_msgs/msg/Imu`); InputError when a definition is missing. */
export function typeDescriptionHash(registry: MessageRegistry, type: string): string {
  const description = typeDescription(registry, type);
  return RIHS01_PREFIX + createHash('sha256').update(pythonJson(description), 'utf8').digest('hex');
}

/** The type description of `type` and of every type it refers to, as the hash sees it. */
export function typeDescription(registry: MessageRegistry, type: string): TypeDescription {
  const root = normaliseTypeName(type);
  const individual = (name: string, neededBy?: string): IndividualTypeDescription => {
    try {
      return individualDescription(registry, name);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const via = neededBy === undefined ? '' : ` (needed by ${neededBy})`;
      throw new InputError(`cannot compute the type description hash of ${root}: ${err.message}${via}`);
    }
  };
  const top = individual(root);
  const referenced = new Map<string, IndividualTypeDescription>();
  const queue: [string, string][] = nestedTypes(top).map((t) => [t, root]);
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    const [name, neededBy] = next;
    if (referenced.has(name)) continue;
    const description = individual(name, neededBy);
    referenced.set(name, description);
    for (const t of nestedTypes(description)) queue.push([t, name]);
  }
  const names = [...referenced.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { type_description: top, referenced_type_descriptions: names.map((n) => referenced.get(n)!) };
}

function individualDescription(registry: MessageRegistry, type: string): IndividualTypeDescription {
  const bytes = byteFields(registry.declaredText(type));
  const fields = registry
    .definition(type)
    .definitions.filter((f) => f.isConstant !== true)
    .map((f) => ({ name: f.name, type: fieldType(bytes.has(f.name) ? { ...f, type: 'byte' } : f) }));
  if (fields.length === 0) fields.push({ name: EMPTY_STRUCT_MEMBER, type: fieldType({ name: EMPTY_STRUCT_MEMBER, type: 'uint8' }) });
  return { type_name: type, fields };
}

/** Names of the fields declared `byte`, which the parser has turned into uint8. */
function byteFields(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const match = BYTE_FIELD.exec(line);
    if (match?.[1] !== undefined && match[2] === undefined) names.add(match[1]);
  }
  return names;
}

function fieldType(f: Pick<MessageDefinitionField, 'name' | 'type' | 'isComplex' | 'isArray' | 'arrayLength' | 'arrayUpperBound' | 'upperBound'>): FieldTypeDescription {
  const nested = f.isComplex === true ? f.type : TIME_TYPES[f.type];
  let typeId: number;
  if (nested !== undefined) typeId = NESTED_TYPE;
  else if (f.upperBound !== undefined && f.type === 'string') typeId = BOUNDED_STRING;
  else if (f.upperBound !== undefined && f.type === 'wstring') typeId = BOUNDED_WSTRING;
  else {
    const id = VALUE_TYPE_IDS[f.type];
    if (id === undefined) throw new InputError(`field ${f.name}: type ${f.type} has no type description id`);
    typeId = id;
  }
  let capacity = 0;
  if (f.isArray === true) {
    if (f.arrayLength !== undefined) {
      typeId += ARRAY_OFFSET;
      capacity = f.arrayLength;
    } else if (f.arrayUpperBound !== undefined) {
      typeId += BOUNDED_SEQUENCE_OFFSET;
      capacity = f.arrayUpperBound;
    } else {
      typeId += UNBOUNDED_SEQUENCE_OFFSET;
    }
  }
  return { type_id: typeId, capacity, string_capacity: f.upperBound ?? 0, nested_type_name: nested ?? '' };
}

function nestedTypes(description: IndividualTypeDescription): string[] {
  return description.fields.map((f) => f.type.nested_type_name).filter((n) => n !== '');
}

/** `json.dumps(value, separators=(', ', ': '), ensure_ascii=True)` of plain data, keys in insertion order. */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  throw new Error(`type description: cannot serialise ${String(value)}`);
}
