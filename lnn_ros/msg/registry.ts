/**
 * Message definitions by type, and CDR encode/decode through @foxglove/rosmsg2-serialization.
 *
 * Sources, in the order the standard registry loads them: the common ROS 2 definitions
 * (@foxglove/rosmsg-msgs-common, Jazzy), this package's own `msg/*.msg` (package `lnn_ros`, the
 * same files rosidl builds), and `lnn_ros/msg/defs/<pkg>/msg/*.msg` (ackermann_msgs and other
 * definitions that package lacks). Bags add the definitions they carry to a child registry
 * (`extend()`), so two bags with different versions of an unknown type never collide.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MessageDefinition, MessageDefinitionField } from '@foxglove/message-definition';
import { ros2jazzy } from '@foxglove/rosmsg-msgs-common';
import { MessageReader, MessageWriter } from '@foxglove/rosmsg2-serialization';
import { InputError } from '../errors';
import { msgTextOf, parseMsgText, referencedTypes } from './msg_text';
import { normaliseTypeName, shortTypeName, splitTypeName } from './names';

interface Entry {
  fields: MessageDefinitionField[];
  /** Original ros2msg text, when the definition came as text. */
  text?: string;
  /** For a common definition (kept without text): the `.msg` file it was generated from. */
  file?: string;
}

/** What `addFromText` did. */
export interface AddResult {
  /** Types that were new to the registry (root first when it was new). */
  added: string[];
  /** Types the registry already knew with a different field layout; the known layout is kept. */
  differing: string[];
}

/** Repository root: two levels above both `lnn_ros/msg/` (ts-node) and `dist/msg/` (compiled). */
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const SEPARATOR = '='.repeat(80);
/** The `.msg` files @foxglove/rosmsg-msgs-common generated its `ros2jazzy` definitions from. */
const COMMON_MSGDEFS = path.join(path.dirname(require.resolve('@foxglove/rosmsg-msgs-common/package.json')), 'msgdefs', 'ros2jazzy');

export class MessageRegistry {
  private static standardRegistry: MessageRegistry | undefined;
  private readonly entries = new Map<string, Entry>();
  private readonly readers = new Map<string, MessageReader>();
  private readonly writers = new Map<string, MessageWriter>();

  /** @param parent consulted for every type this registry does not define itself. */
  constructor(private readonly parent?: MessageRegistry) {}

  /** The shared registry of common, own and shipped definitions (built once, on first use). */
  static standard(): MessageRegistry {
    if (!MessageRegistry.standardRegistry) {
      const registry = new MessageRegistry();
      registry.addCommonDefinitions();
      registry.addMsgDirectory('lnn_ros', path.join(PACKAGE_ROOT, 'msg'));
      const defs = path.join(PACKAGE_ROOT, 'lnn_ros', 'msg', 'defs');
      for (const pkg of fs.readdirSync(defs).sort()) registry.addMsgDirectory(pkg, path.join(defs, pkg, 'msg'));
      MessageRegistry.standardRegistry = registry;
    }
    return MessageRegistry.standardRegistry;
  }

  /** A child registry for definitions of limited scope (one bag); lookups fall back to this one. */
  extend(): MessageRegistry {
    return new MessageRegistry(this);
  }

  /** True when `type` and everything it refers to are defined, i.e. it can be decoded. */
  has(type: string): boolean {
    try {
      this.definitions(type);
      return true;
    } catch (err) {
      if (err instanceof InputError) return false;
      throw err;
    }
  }

  /** Normalised names of all types defined here and in the parents. */
  types(): string[] {
    return [...new Set([...(this.parent?.types() ?? []), ...this.entries.keys()])].sort();
  }

  /** The definition of `type` (name normalised); its complex field types are normalised names. */
  definition(type: string): MessageDefinition {
    const name = normaliseTypeName(type);
    const entry = this.entry(name);
    if (!entry) throw new InputError(`no definition of message type ${name}`);
    return { name, definitions: entry.fields };
  }

  /** `type` followed by every type it depends on: what a CDR reader or writer needs. */
  definitions(type: string): MessageDefinition[] {
    const root = normaliseTypeName(type);
    return [root, ...this.dependencies(root, false)].map((t) => this.definition(t));
  }

  /** Cached CDR reader of `type`; throws an InputError naming a missing definition. */
  reader(type: string): MessageReader {
    return this.cached(this.readers, type, (definitions) => new MessageReader(definitions));
  }

  /** Cached CDR writer of `type`. */
  writer(type: string): MessageWriter {
    return this.cached(this.writers, type, (definitions) => new MessageWriter(definitions));
  }

  /**
   * Decodes a CDR payload (with its 4-byte encapsulation header). Integers of 64 bits come back as
   * bigint, `uint8`/`byte`/`char` arrays as Uint8Array, times as `{sec, nanosec}`. Damaged input
   * gives an InputError, never an out-of-bounds read into neighbouring data.
   */
  decode(type: string, bytes: Uint8Array): unknown {
    const reader = this.reader(type);
    if (bytes.byteLength < 4) throw new InputError(`cannot decode ${type}: ${bytes.byteLength} bytes, less than a CDR header`);
    if (bytes[0] !== 0 || ((bytes[1] ?? 0) & 1) === 0) {
      const kind = ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0);
      throw new InputError(`cannot decode ${type}: CDR encapsulation 0x${kind.toString(16).padStart(4, '0')} is not a little-endian CDR kind`);
    }
    // A private buffer ends where the message ends, so a damaged length can only fail, not read
    // into the next message; starting it 4 bytes into an 8-aligned buffer puts the CDR body on
    // an 8-byte boundary, so typed arrays are views (no copy sized by an untrusted count).
    const own = new Uint8Array(new ArrayBuffer(bytes.byteLength + 4), 4, bytes.byteLength);
    own.set(bytes);
    try {
      const value = reader.readMessage(own);
      if (reader.lastReadByteLength() > bytes.byteLength) throw new Error('data ends inside the message');
      return value;
    } catch (err) {
      const hint = err instanceof RangeError ? ' (a length or offset in the data is out of range)' : '';
      throw new InputError(`cannot decode ${normaliseTypeName(type)} from ${bytes.byteLength} bytes: ${(err as Error).message}${hint}`);
    }
  }

  /** CDR payload (little-endian, with encapsulation header) of `message`. */
  encode(type: string, message: unknown): Uint8Array {
    const writer = this.writer(type);
    try {
      return writer.writeMessage(message);
    } catch (err) {
      throw new InputError(`cannot encode ${normaliseTypeName(type)}: ${(err as Error).message}`);
    }
  }

  /**
   * Adds the definitions in ros2msg `text` (with `MSG:` dependency sections as bags store them;
   * for `pkg/srv/X_Event` the `.srv` text). Types already defined keep their definition.
   */
  addFromText(type: string, text: string): AddResult {
    const result: AddResult = { added: [], differing: [] };
    for (const parsed of parseMsgText(type, text)) {
      const known = this.entry(parsed.type);
      if (!known) {
        this.entries.set(parsed.type, { fields: parsed.fields, text: parsed.text });
        result.added.push(parsed.type);
      } else if (layoutKey(known.fields) !== layoutKey(parsed.fields)) {
        result.differing.push(parsed.type);
      }
    }
    return result;
  }

  /** Adds every `*.msg` file of `dir` as `pkg/msg/<file name>`. */
  addMsgDirectory(pkg: string, dir: string): void {
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.msg')).sort()) {
      this.addFromText(`${pkg}/msg/${path.basename(file, '.msg')}`, fs.readFileSync(path.join(dir, file), 'utf8'));
    }
  }

  /**
   * The full ros2msg schema of `type` as rosbag2_storage_mcap writes it into MCAP schema records:
   * the type's text, then for every dependency a line of 80 `=`, `MSG: pkg/Name` and its text.
   */
  schemaText(type: string): string {
    const root = normaliseTypeName(type);
    const sections = [this.textOf(root)];
    for (const dep of this.dependencies(root, true)) sections.push(`${SEPARATOR}\nMSG: ${shortTypeName(dep)}\n${this.textOf(dep)}`);
    return sections.join('\n');
  }

  /**
   * The ros2msg text `type` itself was declared with (no dependency sections): the text it was
   * added with, or for a common definition its `.msg` file. Unlike the fields (the parser reads
   * both `byte` and `char` as uint8) it keeps `byte`, which the type description hash tells apart.
   */
  declaredText(type: string): string {
    const name = normaliseTypeName(type);
    const entry = this.entry(name);
    if (!entry) throw new InputError(`no definition of message type ${name}`);
    if (entry.text !== undefined) return entry.text;
    if (entry.file === undefined || !fs.existsSync(entry.file)) throw new InputError(`${name}: the text of its definition is not available`);
    return parseMsgText(name, fs.readFileSync(entry.file, 'utf8'))[0]?.text ?? '';
  }

  private addCommonDefinitions(): void {
    for (const [name, def] of Object.entries(ros2jazzy) as [string, MessageDefinition][]) {
      const fields = def.definitions.map((f) => (f.isComplex === true ? { ...f, type: normaliseTypeName(f.type) } : f));
      const type = normaliseTypeName(name);
      const [pkg, kind, short] = splitTypeName(type);
      this.entries.set(type, { fields, file: path.join(COMMON_MSGDEFS, pkg, kind, `${short}.msg`) });
    }
  }

  private cached<T>(cache: Map<string, T>, type: string, make: (definitions: MessageDefinition[]) => T): T {
    const name = normaliseTypeName(type);
    let value = cache.get(name);
    if (value === undefined) {
      value = make(this.definitions(name));
      cache.set(name, value);
    }
    return value;
  }

  private entry(type: string): Entry | undefined {
    return this.entries.get(type) ?? this.parent?.entry(type);
  }

  private textOf(type: string): string {
    const entry = this.entry(type);
    if (!entry) throw new InputError(`no definition of message type ${type}`);
    return entry.text ?? msgTextOf(entry.fields);
  }

  /**
   * Depth-first, first-use order of the types `root` depends on (`withTime`: also the
   * builtin_interfaces types behind the `time`/`duration` primitives). Rejects missing and
   * recursive definitions, which no CDR layout can have.
   */
  private dependencies(root: string, withTime: boolean): string[] {
    const order: string[] = [];
    const visit = (type: string, stack: string[]): void => {
      const entry = this.entry(type);
      if (!entry) {
        const via = stack.length > 0 ? ` (needed by ${stack[stack.length - 1]})` : '';
        throw new InputError(`no definition of message type ${type}${via}`);
      }
      for (const dep of referencedTypes(entry.fields)) {
        const isTime = !entry.fields.some((f) => f.isComplex === true && f.type === dep);
        if (isTime && !withTime) continue;
        if (dep === root || stack.includes(dep)) throw new InputError(`message type ${dep} contains itself`);
        if (!order.includes(dep)) {
          order.push(dep);
          visit(dep, [...stack, type]);
        }
      }
    };
    visit(root, []);
    return order;
  }
}

/** What decides the CDR layout: field order, names, types, array shapes and bounds. */
function layoutKey(fields: MessageDefinitionField[]): string {
  return JSON.stringify(
    fields.filter((f) => f.isConstant !== true).map((f) => [f.name, f.type, f.isArray === true, f.arrayLength, f.arrayUpperBound, f.upperBound]),
  );
}
