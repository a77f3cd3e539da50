/**
 * ROS 2 names as rcl resolves them, for the in-process transport and for matching params-file
 * sections: relative names under the node's namespace, `~` for the node's own, remap rules
 * (`-r from:=to`, `-r node:from:=to`) applied after expansion.
 */
import { InputError } from '../errors';

export interface RemapRule {
  /** Only for this node name, when given as `node:from:=to`. */
  node?: string;
  from: string;
  to: string;
}

const TOKEN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks a namespace (`/`, `/car1`, `car1` → `/car1`) and returns it absolute. */
export function normaliseNamespace(ns: string): string {
  const abs = ns.startsWith('/') ? ns : `/${ns}`;
  if (abs !== '/' && !abs.slice(1).split('/').every((t) => TOKEN.test(t))) {
    throw new InputError(`invalid namespace '${ns}' (tokens of letters, digits and _ separated by /, not starting with a digit)`);
  }
  return abs;
}

/** `/car1` + `drive_node` → `/car1/drive_node`. */
export function fullyQualifiedName(namespace: string, node: string): string {
  return namespace === '/' ? `/${node}` : `${namespace}/${node}`;
}

/** Expands a topic name as rcl_expand_topic_name does: absolute, `~/x`, or relative to the namespace. */
export function expandTopicName(name: string, namespace: string, node: string): string {
  let full: string;
  if (name.startsWith('/')) full = name;
  else if (name === '~' || name.startsWith('~/')) full = fullyQualifiedName(namespace, node) + name.slice(1);
  else full = namespace === '/' ? `/${name}` : `${namespace}/${name}`;
  if (full !== '/' && !full.slice(1).split('/').every((t) => TOKEN.test(t))) {
    throw new InputError(`invalid topic name '${name}' (tokens of letters, digits and _ separated by /, not starting with a digit)`);
  }
  return full;
}

/** The expanded name after the first matching remap rule (rules for another node are skipped). */
export function resolveTopicName(name: string, namespace: string, node: string, rules: readonly RemapRule[]): string {
  const expanded = expandTopicName(name, namespace, node);
  for (const rule of rules) {
    if (rule.node !== undefined && rule.node !== node) continue;
    if (expandTopicName(rule.from, namespace, node) === expanded) return expandTopicName(rule.to, namespace, node);
  }
  return expanded;
}

/**
 * Whether a params-file node key matches a fully qualified node name, as rclcpp's
 * parameter_map_from does: a leading `/` is implied, `/*` is one token and `/**` any number.
 */
export function nodeKeyMatches(key: string, fqn: string): boolean {
  const normalised = key.startsWith('/') ? key : `/${key}`;
  const pattern = normalised
    .split('/**')
    .map((part) => part.split('/*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('(/\\w+)'))
    .join('(/\\w+)*');
  return new RegExp(`^${pattern}$`).test(fqn);
}
