/**
 * ROS 2 params files and the `--ros-args` that `ros2 launch` and `ros2 run` pass, read as rcl and
 * rclcpp read them, for both transports: every section whose node key matches the node's fully
 * qualified name (`/**`, `drive_node`, `/car2/drive_node`, `/**\/drive_node`, or the nested
 * `car2: drive_node:` form) contributes, in the order the sections first appear, later files and
 * then `-p` overrides winning, name by name (nested mappings are dotted names, as ROS names them).
 */
import { ConfigError, InputError } from '../errors';
import { readYamlFile } from '../model/model_dir';
import { fullyQualifiedName, nodeKeyMatches, normaliseNamespace, RemapRule } from './names';

export interface RosArgs {
  paramsFiles: string[];
  /** From `-r __node:=NAME` (or `__name`). */
  nodeName?: string;
  /** From `-r __ns:=/ns`. */
  namespace?: string;
  /** Topic remaps (`-r from:=to`, `-r node:from:=to`). */
  remaps: RemapRule[];
  /** From `-p name:=value`, values parsed as YAML scalars would be (true, 3, 0.5, text). */
  overrides: Record<string, unknown>;
  /** Arguments that are not ROS arguments. */
  rest: string[];
}

/** ROS arguments that take a value, besides -r/-p/--params-file (ignored here, rcl reads them). */
const VALUED = new Set(['-e', '--enclave', '--log-level', '--log-config-file', '--log-file-name']);

function scalar(text: string): unknown {
  if (text === 'true' || text === 'false') return text === 'true';
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

function value(argv: string[], i: number, flag: string): string {
  const v = argv[i];
  if (v === undefined || v === '--ros-args' || v === '--') throw new InputError(`--ros-args ${flag} expects a value`);
  return v;
}

export function parseRosArgs(argv: string[]): RosArgs {
  const out: RosArgs = { paramsFiles: [], remaps: [], overrides: {}, rest: [] };
  let inRos = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--ros-args') inRos = true;
    else if (a === '--') inRos = false;
    else if (!inRos) out.rest.push(a);
    else if (a === '--params-file') out.paramsFiles.push(value(argv, ++i, a));
    else if (a === '-r' || a === '--remap') {
      const rule = value(argv, ++i, a);
      const m = /^(?:([A-Za-z_]\w*):)?([^:]+):=(.*)$/.exec(rule);
      if (!m) throw new InputError(`--ros-args ${a} '${rule}': expected from:=to`);
      const [, node, from, to] = m;
      if (from === '__node' || from === '__name') out.nodeName = to;
      else if (from === '__ns') out.namespace = normaliseNamespace(to);
      else out.remaps.push({ node, from, to });
    } else if (a === '-p' || a === '--param') {
      const rule = value(argv, ++i, a);
      const at = rule.indexOf(':=');
      if (at <= 0) throw new InputError(`--ros-args ${a} '${rule}': expected name:=value`);
      out.overrides[rule.slice(0, at)] = scalar(rule.slice(at + 2));
    } else if (VALUED.has(a)) i++;
  }
  return out;
}

export interface NodeParameters {
  /** Nested form of the merged parameters (`camera.topic` → `{camera: {topic}}`), for the config parsers. */
  params: Record<string, unknown>;
  /** The last file with a section matching this node by name (not `/**`), else the last file: errors name it. */
  file: string | undefined;
  /** The file a parameter came from (undefined for `-p` overrides): relative paths in it resolve against it. */
  sources: Map<string, string | undefined>;
}

/** The node sections of one params file, keyed as rcl_yaml_param_parser names them. */
function nodeSections(file: string): Array<[string, Record<string, unknown>]> {
  const doc = readYamlFile(file);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(file, '<root>', 'expected a mapping of node names');
  const out: Array<[string, Record<string, unknown>]> = [];
  const walk = (map: Record<string, unknown>, prefix: string) => {
    for (const [key, section] of Object.entries(map)) {
      const name = prefix ? `${prefix}/${key.replace(/^\//, '')}` : key;
      if (section === null || typeof section !== 'object' || Array.isArray(section)) {
        throw new ConfigError(file, `${name}`, 'expected <node>: ros__parameters: {...} (or a namespace mapping around it)');
      }
      const s = section as Record<string, unknown>;
      if ('ros__parameters' in s) {
        const params = s.ros__parameters;
        if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new ConfigError(file, `${name}.ros__parameters`, 'expected a mapping of parameters');
        out.push([name, params as Record<string, unknown>]);
      } else walk(s, name);
    }
  };
  walk(doc as Record<string, unknown>, '');
  return out;
}

/** Merges the sections of `files` that match `fqn`, then applies `overrides`. */
export function loadNodeParameters(files: string[], fqn: string, overrides: Record<string, unknown> = {}): NodeParameters {
  // rcl keeps one entry per node key, in the order keys first appear; later files overwrite within it.
  const sections = new Map<string, Map<string, { value: unknown; file: string }>>();
  let byName: string | undefined;
  for (const file of files) {
    for (const [key, params] of nodeSections(file)) {
      if (!nodeKeyMatches(key, fqn)) continue;
      if (key !== '/**') byName = file;
      let section = sections.get(key);
      if (!section) sections.set(key, (section = new Map()));
      for (const [name, v] of flattenParameters(params)) section.set(name, { value: v, file });
    }
  }
  const flat = new Map<string, unknown>();
  const sources = new Map<string, string | undefined>();
  for (const section of sections.values()) {
    for (const [name, { value: v, file }] of section) {
      flat.set(name, v);
      sources.set(name, file);
    }
  }
  for (const [name, v] of Object.entries(overrides)) {
    flat.set(name, v);
    sources.set(name, undefined);
  }
  return { params: unflattenParameters(flat), file: byName ?? files[files.length - 1], sources };
}

/** The node's fully qualified name after `__node` / `__ns` remaps. */
export function nodeFqn(ros: RosArgs, defaultName: string): string {
  return fullyQualifiedName(ros.namespace ?? '/', ros.nodeName ?? defaultName);
}

/** Nested parameter mappings as ROS names them: `camera: {topic: x}` → `camera.topic`. */
export function flattenParameters(value: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  return Object.entries(value).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? flattenParameters(v as Record<string, unknown>, `${prefix}${k}.`) : [[`${prefix}${k}`, v] as [string, unknown]],
  );
}

/** Dotted names back into nested mappings, split at every dot (`limits.linear.x.max` → limits → linear → x → max). */
export function unflattenParameters(flat: Iterable<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of flat) {
    const path = name.split('.');
    let node = out;
    for (const part of path.slice(0, -1)) {
      if (node[part] === null || typeof node[part] !== 'object' || Array.isArray(node[part])) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = v;
  }
  return out;
}
