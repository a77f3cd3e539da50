/** Argument helpers that node:util's parseArgs lacks, shared by the commands. */
import { InputError } from '../errors';

/** `1,2,3` → [1, 2, 3]. */
export function intList(v: string, option: string): number[] {
  const list = v.split(',').map(Number);
  if (!list.every(Number.isInteger)) throw new InputError(`--${option} expects comma-separated integers (got ${v})`);
  return list;
}

/**
 * A flag whose value is optional (`--pretrained [DIR]`): it takes the next argument unless that
 * is another option. Returns whether it was given, its value, and the arguments without it (for parseArgs).
 */
export function optionalValueFlag(argv: string[], flag: string): { given: boolean; value: string | null; rest: string[] } {
  const at = argv.indexOf(flag);
  const value = at >= 0 && argv[at + 1] !== undefined && !argv[at + 1].startsWith('--') ? argv[at + 1] : null;
  const rest = at < 0 ? argv : argv.filter((_, i) => i !== at && !(value !== null && i === at + 1));
  return { given: at >= 0, value, rest };
}
