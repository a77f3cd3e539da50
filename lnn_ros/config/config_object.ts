/**
 * Typed reads from a parsed YAML/JSON mapping, each error naming the file and the dotted key.
 * Every config in the package is validated through this, once, where it enters.
 */
import { ConfigError } from '../errors';

/** A scalar a parse read (its default when absent), as a node declares it as a ROS parameter. */
export interface ReadValue {
  /** Dotted key below the recorder's root. */
  name: string;
  type: 'bool' | 'integer' | 'double' | 'string' | 'string_array';
  value: boolean | number | string | string[];
  min?: number;
  max?: number;
  minExclusive?: boolean;
  choices?: readonly string[];
}

/**
 * Collects every scalar a parse reads, so a node's parameter declarations come from the same code
 * that validates its params file (no second schema to drift). Keys are relative to `root`.
 */
export class ReadLog {
  readonly values = new Map<string, ReadValue>();

  constructor(private readonly root: string) {}

  add(key: string, value: Omit<ReadValue, 'name'>): void {
    const name = this.root && key.startsWith(`${this.root}.`) ? key.slice(this.root.length + 1) : key;
    this.values.set(name, { name, ...value });
  }
}

interface NumberOptions<D> {
  /** Value when the key is absent (or null, where null is not allowed). Required key when omitted. */
  default?: D;
  min?: number;
  max?: number;
  /** The bound is exclusive. */
  minExclusive?: boolean;
}

export class ConfigObject {
  private constructor(
    readonly value: Record<string, unknown>,
    readonly file: string | undefined,
    private readonly path: string,
    private readonly log: ReadLog | undefined,
  ) {}

  /** `log`, when given, records every scalar read through this object and the objects below it. */
  static from(value: unknown, file: string | undefined, path = '', log?: ReadLog): ConfigObject {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ConfigError(file, path || '<root>', `expected a mapping, got ${describe(value)}`);
    }
    return new ConfigObject(value as Record<string, unknown>, file, path, log);
  }

  /** An object for the (possibly absent) mapping at `name`: absent reads as empty, so its defaults still apply and are logged. */
  section(name: string): ConfigObject {
    return this.has(name) ? this.object(name) : new ConfigObject({}, this.file, this.key(name), this.log);
  }

  key(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  error(name: string, problem: string): ConfigError {
    return new ConfigError(this.file, this.key(name), problem);
  }

  has(name: string): boolean {
    return this.value[name] !== undefined;
  }

  raw(name: string): unknown {
    return this.value[name];
  }

  /** Throws on the first key not in `allowed`; `hints` explains keys that are known but misplaced. */
  rejectUnknown(allowed: readonly string[], hints: Record<string, string> = {}): void {
    for (const name of Object.keys(this.value)) {
      if (allowed.includes(name)) continue;
      throw this.error(name, hints[name] ?? `unknown key (expected one of: ${allowed.join(', ')})`);
    }
  }

  private present<D>(name: string, fallback: D | undefined, allowNull: boolean): unknown {
    const v = this.value[name];
    if (v === undefined || (v === null && !allowNull)) {
      if (fallback === undefined) throw this.error(name, 'required key is missing');
      return fallback;
    }
    return v;
  }

  number(name: string, options: NumberOptions<number> = {}): number {
    const v = this.present(name, options.default, false);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.error(name, `expected a finite number, got ${describe(v)}`);
    checkRange(this, name, v, options);
    this.log?.add(this.key(name), { type: 'double', value: v, min: options.min, max: options.max, minExclusive: options.minExclusive });
    return v;
  }

  int(name: string, options: NumberOptions<number> = {}): number {
    const v = this.number(name, options);
    if (!Number.isInteger(v)) throw this.error(name, `expected an integer, got ${v}`);
    this.log?.add(this.key(name), { type: 'integer', value: v, min: options.min, max: options.max, minExclusive: options.minExclusive });
    return v;
  }

  /** An integer or null (absent keys take `default`, which may itself be null). */
  optionalInt(name: string, options: NumberOptions<number | null> = {}): number | null {
    const v = this.value[name];
    if (v === undefined) return options.default ?? null;
    if (v === null) return null;
    return this.int(name, { ...options, default: undefined });
  }

  bool(name: string, fallback?: boolean): boolean {
    const v = this.present(name, fallback, false);
    if (typeof v !== 'boolean') throw this.error(name, `expected true or false, got ${describe(v)}`);
    this.log?.add(this.key(name), { type: 'bool', value: v });
    return v;
  }

  string(name: string, fallback?: string): string {
    const v = this.present(name, fallback, false);
    if (typeof v !== 'string' || v === '') throw this.error(name, `expected a non-empty string, got ${describe(v)}`);
    this.log?.add(this.key(name), { type: 'string', value: v });
    return v;
  }

  /** A list of non-empty strings. */
  stringList(name: string, fallback?: string[]): string[] {
    const v = this.present(name, fallback, false);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== '')) throw this.error(name, `expected a list of non-empty strings, got ${describe(v)}`);
    this.log?.add(this.key(name), { type: 'string_array', value: v });
    return v;
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback?: T): T {
    const v = this.string(name, fallback);
    if (!(choices as readonly string[]).includes(v)) throw this.error(name, `'${v}' is not one of: ${choices.join(', ')}`);
    this.log?.add(this.key(name), { type: 'string', value: v, choices });
    return v as T;
  }

  object(name: string): ConfigObject {
    return ConfigObject.from(this.present(name, undefined, false), this.file, this.key(name), this.log);
  }
}

function checkRange(obj: ConfigObject, name: string, v: number, o: NumberOptions<unknown>): void {
  if (o.min !== undefined && (o.minExclusive ? v <= o.min : v < o.min)) {
    throw obj.error(name, `${v} is out of range (must be ${o.minExclusive ? '>' : '>='} ${o.min})`);
  }
  if (o.max !== undefined && v > o.max) throw obj.error(name, `${v} is out of range (must be <= ${o.max})`);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}
