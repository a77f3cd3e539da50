/**
 * ROS 2 params files (`node_name: {ros__parameters: {...}}`, `/**` for every node) and the
 * `--ros-args` that `ros2 launch` passes, read the same way for both transports.
 */
import { ConfigError } from '../errors';
import { readYamlFile } from '../model/model_dir';

export interface RosArgs {
  paramsFiles: string[];
  /** From `-r __node:=NAME`. */
  nodeName?: string;
  /** From `-p name:=value`, values parsed as YAML scalars would be (true, 3, 0.5, text). */
  overrides: Record<string, unknown>;
  /** Arguments that are not ROS arguments. */
  rest: string[];
}

function scalar(text: string): unknown {
  if (text === 'true' || text === 'false') return text === 'true';
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

export function parseRosArgs(argv: string[]): RosArgs {
  const out: RosArgs = { paramsFiles: [], overrides: {}, rest: [] };
  let inRos = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--ros-args') inRos = true;
    else if (a === '--') inRos = false;
    else if (inRos && a === '--params-file') out.paramsFiles.push(argv[++i]);
    else if (inRos && (a === '-r' || a === '--remap')) {
      const m = /^__node:=(.+)$/.exec(argv[++i] ?? '');
      if (m) out.nodeName = m[1];
    } else if (inRos && (a === '-p' || a === '--param')) {
      const [name, ...value] = (argv[++i] ?? '').split(':=');
      out.overrides[name] = scalar(value.join(':='));
    } else if (!inRos) out.rest.push(a);
  }
  return out;
}

export interface NodeParameters {
  params: Record<string, unknown>;
  /** The last file with a section for this node by name: relative paths in it resolve against it
   * (launch_ros adds temporary `/**` files for inline parameters). */
  file: string | undefined;
}

/** Merges `/**` then `nodeName` sections of each file (later files win), as rcl does. */
export function loadNodeParameters(files: string[], nodeName: string): NodeParameters {
  const merged: Record<string, unknown> = {};
  let source: string | undefined;
  for (const file of files) {
    const doc = readYamlFile(file);
    if (doc === null || typeof doc !== 'object') throw new ConfigError(file, '<root>', 'expected a mapping of node names');
    for (const key of ['/**', nodeName, `/${nodeName}`]) {
      const section = (doc as Record<string, unknown>)[key];
      if (section === undefined) continue;
      const params = (section as Record<string, unknown> | null)?.ros__parameters;
      if (params === undefined || params === null || typeof params !== 'object') {
        throw new ConfigError(file, `${key}.ros__parameters`, 'missing: a params file nests parameters under <node>.ros__parameters');
      }
      Object.assign(merged, params);
      if (key !== '/**') source = file;
    }
  }
  return { params: merged, file: source ?? files[files.length - 1] };
}

/** Nested parameter mappings as ROS names them: `camera: {topic: x}` → `camera.topic`. */
export function flattenParameters(value: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  return Object.entries(value).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? flattenParameters(v as Record<string, unknown>, `${prefix}${k}.`) : [[`${prefix}${k}`, v] as [string, unknown]],
  );
}

/** `-p camera.topic:=x` overrides into the nested form. */
export function applyOverrides(params: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(params);
  for (const [name, value] of Object.entries(overrides)) {
    const path = name.split('.');
    let node = out as Record<string, unknown>;
    for (const part of path.slice(0, -1)) {
      if (node[part] === null || typeof node[part] !== 'object') node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = value;
  }
  return out;
}
