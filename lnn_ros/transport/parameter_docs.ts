/**
 * A node's ROS parameters, declared from what its params-file parser read (every key, defaults
 * included) with a description each and whether the node applies a run-time change.
 */
import { ReadLog, ReadValue } from '../config/config_object';
import { ParameterSpec } from './types';

export interface ParameterDoc {
  description: string;
  /** The node applies `ros2 param set` of this parameter while it runs; otherwise it is read-only. */
  dynamic?: boolean;
}

/** Keyed by dotted name; `*` stands for one or more segments (an input's name, a command field such as `linear.x`). */
export type ParameterDocs = Record<string, ParameterDoc>;

function matcher(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.+')}$`);
}

/** The doc of a parameter name, or undefined (every parameter a parser reads must have one; tests check). */
export function findDoc(docs: ParameterDocs, name: string): ParameterDoc | undefined {
  return docs[name] ?? Object.entries(docs).find(([pattern]) => pattern.includes('*') && matcher(pattern).test(name))?.[1];
}

/** The bounds in words (`> 0`, `>= 0 and <= 0.9`): also what `ros2 param describe` shows, since rclnodejs 2.2.0 does not send ranges. */
function rangeText(v: ReadValue): string | null {
  const parts = [v.min !== undefined ? `${v.minExclusive ? '>' : '>='} ${v.min}` : null, v.max !== undefined ? `<= ${v.max}` : null].filter((p) => p !== null);
  return parts.length ? parts.join(' and ') : null;
}

/** Declarations for everything `log` recorded; `readOnlyNote` says why a read-only one cannot change. */
export function parameterSpecs(log: ReadLog, docs: ParameterDocs, readOnlyNote: string): ParameterSpec[] {
  return [...log.values.values()].map((v) => {
    const doc = findDoc(docs, v.name);
    if (!doc) throw new Error(`parameter '${v.name}' has no description`);
    const bounded = (v.type === 'double' || v.type === 'integer') && (v.min !== undefined || v.max !== undefined);
    return {
      name: v.name,
      type: v.type,
      value: v.value,
      description: doc.dynamic ? doc.description : `${doc.description} Read-only: ${readOnlyNote}`,
      readOnly: !doc.dynamic,
      ...(bounded ? { range: { from: v.min ?? -Number.MAX_VALUE, to: v.max ?? Number.MAX_VALUE } } : {}),
      ...(v.choices ? { constraints: `one of: ${v.choices.join(', ')}` } : bounded ? { constraints: rangeText(v)! } : {}),
    };
  });
}
