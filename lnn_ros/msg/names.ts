/** ROS interface type names: the one spelling used as a key everywhere (`pkg/msg/Name`). */

import { InputError } from '../errors';

const PART = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * `sensor_msgs/Image` (ROS 1, rosbag2 2019 bags) → `sensor_msgs/msg/Image`; names that already
 * carry an interface kind (`pkg/msg/X`, `pkg/srv/X_Event`, `pkg/action/X_Feedback`) are kept.
 */
export function normaliseTypeName(name: string): string {
  const parts = name.trim().split('/');
  if (parts.length === 2 && parts.every((p) => PART.test(p))) return `${parts[0]}/msg/${parts[1]}`;
  if (parts.length === 3 && parts.every((p) => PART.test(p))) return parts.join('/');
  throw new InputError(`'${name}' is not a ROS message type name (expected pkg/msg/Name or pkg/Name)`);
}

/**
 * Like normaliseTypeName, but keeps a name that is not a type name as it is (a damaged bag): its
 * topic is then listed as undecodable instead of failing the whole bag.
 */
export function normaliseRecordedTypeName(name: string): string {
  try {
    return normaliseTypeName(name);
  } catch {
    return name;
  }
}

/** `sensor_msgs/msg/Image` → `sensor_msgs/Image`, as `MSG:` lines of concatenated schemas spell it. */
export function shortTypeName(type: string): string {
  const [pkg, kind, name] = type.split('/');
  return kind === 'msg' && name !== undefined ? `${pkg}/${name}` : type;
}

/** `pkg/kind/Name` → [pkg, kind, Name] of a normalised name. */
export function splitTypeName(type: string): [string, string, string] {
  const [pkg = '', kind = '', name = ''] = type.split('/');
  return [pkg, kind, name];
}
