/**
 * The one command-line layer of every `lnn-ros` command: typed options declared once, values
 * checked where they enter, and errors that name the flag and the form it expects
 * (`--epochs expects a positive integer, got 'abc'`). Unlike node:util's parseArgs, a value may
 * start with '-' (`--seed -1` is a value, rejected by its range, not an "ambiguous" argument),
 * and everything from `--ros-args` on is left untouched for ROS.
 *
 *   const args = parseCommandLine(argv, { command: 'fit', usage: HELP, options: {
 *     config: option.string('FILE').required(), epochs: option.int({ min: 1 }), resume: option.flag() } });
 *   if (!args) return 0;                          // --help was printed
 *   args.values.epochs                            // number | undefined
 */

/** A wrong command line: main prints it with the command's name and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    /** The command as typed after `lnn-ros`: 'fit', 'bag convert'. */
    readonly command: string,
    message: string,
  ) {
    super(message);
  }
}

type Arity = 'value' | 'optional-value' | 'none';

interface OptionProps<T, R> {
  /** The form of the value, for messages: 'a FILE', 'a positive integer'. */
  expects: string;
  /** The value's name in the usage ('FILE'), for string options. */
  placeholder?: string;
  /** The value of the text, or undefined when it is not of the `expects` form. */
  convert: (text: string) => T | undefined;
  arity: Arity;
  fallback: R;
  required?: boolean;
  repeatable?: boolean;
  short?: string;
}

/**
 * One option: how its text becomes a value of type T, and (in R) what the command reads: T or
 * undefined, T once it has a default or is required, T[] when repeatable, T | true when its value
 * is optional (`--pretrained [DIR]`).
 */
export class Option<T, R> {
  private constructor(readonly props: OptionProps<T, R>) {}

  static of<T>(expects: string, convert: (text: string) => T | undefined, placeholder?: string): Option<T, T | undefined> {
    return new Option<T, T | undefined>({ expects, convert, placeholder, arity: 'value', fallback: undefined });
  }

  /** A boolean switch: false unless given. */
  static flag(): Option<boolean, boolean> {
    return new Option<boolean, boolean>({ expects: '', convert: () => true, arity: 'none', fallback: false });
  }

  default(value: T): Option<T, T> {
    return new Option<T, T>({ ...this.props, fallback: value });
  }

  required(): Option<T, T> {
    return new Option<T, T>({ ...this.props, fallback: undefined as T, required: true });
  }

  /** May be given several times: the values of every occurrence, in order. */
  repeatable(): Option<T, T[]> {
    return new Option<T, T[]>({ ...this.props, fallback: [], repeatable: true });
  }

  /** `--flag` alone reads as true, `--flag VALUE` as the value. */
  valueOptional(): Option<T, T | true | undefined> {
    return new Option<T, T | true | undefined>({ ...this.props, arity: 'optional-value', fallback: undefined });
  }

  short(letter: string): Option<T, R> {
    return new Option<T, R>({ ...this.props, short: letter });
  }
}

interface NumberRange {
  min?: number;
  max?: number;
  /** `min` itself is not allowed (a positive number: min 0, exclusive). */
  minExclusive?: boolean;
  /** What the number counts, for messages: 'seconds'. */
  unit?: string;
}

function describeNumber(kind: 'integer' | 'number', r: NumberRange): string {
  const unit = r.unit ? ` of ${r.unit}` : '';
  if (r.min !== undefined && r.max !== undefined) return `${kind === 'integer' ? 'an integer' : 'a number'} from ${r.min} to ${r.max}${unit}`;
  if (r.min === 0) return `${r.minExclusive ? 'a positive' : 'a non-negative'} ${kind}${unit}`;
  if (r.min === 1 && kind === 'integer') return `a positive integer${unit}`;
  if (r.min !== undefined) return `${kind === 'integer' ? 'an integer' : 'a number'} ${r.minExclusive ? 'above' : 'of at least'} ${r.min}${unit}`;
  return `${kind === 'integer' ? 'an integer' : 'a finite number'}${unit}`;
}

function parseNumber(text: string, integer: boolean, r: NumberRange): number | undefined {
  const v = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(v) || (integer && !Number.isInteger(v))) return undefined;
  if (r.min !== undefined && (v < r.min || (r.minExclusive && v === r.min))) return undefined;
  if (r.max !== undefined && v > r.max) return undefined;
  return v;
}

/** The option types the commands use. */
export const option = {
  /** Any text; `placeholder` names it in messages ('FILE', 'DIR'). */
  string: (placeholder: string) => Option.of(`${/^[AEIOU]/.test(placeholder) ? 'an' : 'a'} ${placeholder}`, (t) => t, placeholder),
  oneOf: <C extends string>(choices: readonly C[]) => Option.of(choices.join(' or '), (t) => (choices.includes(t as C) ? (t as C) : undefined)),
  int: (range: NumberRange = {}) => Option.of(describeNumber('integer', range), (t) => parseNumber(t, true, range)),
  number: (range: NumberRange = {}) => Option.of(describeNumber('number', range), (t) => parseNumber(t, false, range)),
  /** `1,2,3`. */
  intList: (range: NumberRange = {}) =>
    Option.of(`comma-separated ${describeNumber('integer', range).replace(/^an? /, '')}s`, (t) => {
      const list = t.split(',').map((x) => parseNumber(x, true, range));
      return list.every((x) => x !== undefined) ? (list as number[]) : undefined;
    }),
  /** `a,b,c` (empty items dropped). */
  list: (placeholder: string) =>
    Option.of(`comma-separated ${placeholder}s`, (t) => {
      const list = t.split(',').filter((x) => x !== '');
      return list.length > 0 ? list : undefined;
    }),
  flag: () => Option.flag(),
};

type AnyOption = Option<any, any>;
type Values<S extends Record<string, AnyOption>> = { [K in keyof S]: S[K] extends Option<any, infer R> ? R : never };

export interface CommandLineSpec<S extends Record<string, AnyOption>> {
  /** The command after `lnn-ros`, for messages: 'fit', 'bag convert'. */
  command: string;
  /** Printed for --help / -h. */
  usage: string;
  options: S;
  /** Names of the positional arguments in order; a last name ending in '...' takes any number (zero or more). */
  positionals?: string[];
  /** Keeps `--ros-args` and everything after it, untouched, in `rosArgs`. */
  rosArgs?: boolean;
}

export interface CommandLine<S extends Record<string, AnyOption>> {
  values: Values<S>;
  positionals: string[];
  /** `--ros-args` and what follows it (empty when absent). */
  rosArgs: string[];
}

const HELP = ['--help', '-h'];

/** Parses `argv`; returns null after printing the usage for --help. Throws UsageError naming the flag. */
export function parseCommandLine<S extends Record<string, AnyOption>>(argv: string[], spec: CommandLineSpec<S>): CommandLine<S> | null {
  const fail = (message: string) => new UsageError(spec.command, message);
  const options: Record<string, AnyOption> = spec.options;
  const byShort = new Map(Object.entries(options).filter(([, o]) => o.props.short).map(([name, o]) => [`-${o.props.short}`, name]));
  const isOption = (a: string | undefined) => a !== undefined && (a.startsWith('--') || HELP.includes(a) || byShort.has(a));
  const given = new Map<string, unknown>();
  const positionals: string[] = [];
  let rosArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (spec.rosArgs && arg === '--ros-args') {
      rosArgs = argv.slice(i);
      break;
    }
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (HELP.includes(arg)) {
      console.log(spec.usage.trimEnd());
      return null;
    }
    if (!isOption(arg)) {
      // A lone '-x' that is no number is a mistyped option, not an argument.
      if (/^-[^\d.]/.test(arg)) throw fail(`unknown option '${arg}'`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const name = flag.startsWith('--') ? flag.slice(2) : byShort.get(flag)!;
    if (!Object.hasOwn(options, name)) throw fail(`unknown option '${flag}'`);
    const o = options[name].props;
    const label = `--${name}`;
    let text = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (o.arity === 'none' && text !== undefined) throw fail(`${label} takes no value, got '${arg}'`);
    // The next argument is the value even when it looks like a negative number; only an option ends it.
    if (o.arity !== 'none' && text === undefined && argv[i + 1] !== undefined && !isOption(argv[i + 1])) text = argv[++i];
    let value: unknown = true;
    if (text !== undefined) {
      value = o.convert(text);
      if (value === undefined) throw fail(`${label} expects ${o.expects}, got '${text}'`);
    } else if (o.arity === 'value') {
      throw fail(`${label} expects ${o.expects}`);
    }
    if (o.repeatable) {
      given.set(name, [...((given.get(name) as unknown[] | undefined) ?? []), value]);
    } else {
      if (given.has(name)) throw fail(`${label} is given more than once`);
      given.set(name, value);
    }
  }
  const values: Record<string, unknown> = {};
  for (const [name, { props: o }] of Object.entries(options)) {
    if (!given.has(name) && o.required) throw fail(`--${name}${o.placeholder ? ` ${o.placeholder}` : ''} is required`);
    values[name] = given.has(name) ? given.get(name) : o.fallback;
  }
  checkPositionals(positionals, spec.positionals ?? [], fail);
  return { values: values as Values<S>, positionals, rosArgs };
}

function checkPositionals(given: string[], names: string[], fail: (message: string) => UsageError): void {
  const variadic = names.length > 0 && names[names.length - 1].endsWith('...');
  const fixed = variadic ? names.slice(0, -1) : names;
  if (given.length < fixed.length) throw fail(`missing ${fixed.slice(given.length).join(' and ')}`);
  if (!variadic && given.length > fixed.length) {
    const extra = given.slice(fixed.length).map((x) => `'${x}'`).join(' ');
    throw fail(`unexpected argument${given.length - fixed.length > 1 ? 's' : ''} ${extra} (${fixed.length === 0 ? 'it takes options only' : `expected ${fixed.join(' ')}`})`);
  }
}
