/**
 * A named driving condition — lighting, sky, verges, fog, camera timing and noise — loaded from
 * `config/conditions/<name>.yaml`. `summer` is the training condition; the others are
 * out-of-distribution tests of a policy trained on it. Every key is required, so a condition file
 * reads as the whole picture; errors name the file and the key.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { ConfigObject, describe } from '../config/config_object';
import { InputError } from '../errors';

export type Rgb = [number, number, number];

/** The package's `config/conditions/`, two levels above both `lnn_ros/sim/` (ts-node) and `dist/sim/` (compiled). */
export const CONDITIONS_DIR = path.resolve(__dirname, '..', '..', 'config', 'conditions');

export interface Lighting {
  /** Scales the daylight on every surface (1: clear day). */
  brightness: number;
  /** Per-channel colour of the daylight. */
  tint: Rgb;
  /** Strength of the car's own headlights on the road ahead (0: off). */
  headlights: number;
  /** Distance over which the headlights fade (m). */
  headlightRange: number;
}

export interface Surface {
  verge: 'grass' | 'snow';
  /** How much of the lane markings shows (0: covered, 1: fresh paint). */
  markingVisibility: number;
  /** Width of snow lying on the road inside each edge (m, ragged). */
  snowOnRoad: number;
  /** Scales the ground's texture noise (0: flat colours). */
  texture: number;
}

export interface CameraTiming {
  rateHz: number;
  /** Largest deviation of a frame from its nominal time (s), uniformly distributed. */
  jitter: number;
  /** Chance that a frame is dropped. */
  dropProbability: number;
  /** Standard deviation of per-pixel gaussian noise (0–255 scale). */
  noiseStd: number;
}

export class Condition {
  private constructor(
    readonly name: string,
    readonly description: string,
    readonly lighting: Lighting,
    readonly sky: { zenith: Rgb; horizon: Rgb },
    readonly surface: Surface,
    /** Exponential fog: a surface at distance d keeps exp(−density·d) of its colour. */
    readonly fog: { density: number; color: Rgb },
    readonly camera: CameraTiming,
  ) {}

  /** Validates a parsed condition document; `file` names it in errors. */
  static parse(value: unknown, file?: string): Condition {
    const c = ConfigObject.from(value, file);
    c.rejectUnknown(['name', 'description', 'lighting', 'sky', 'surface', 'fog', 'camera']);
    const lighting = section(c, 'lighting', ['brightness', 'tint', 'headlights', 'headlight_range_m']);
    const sky = section(c, 'sky', ['zenith', 'horizon']);
    const surface = section(c, 'surface', ['verge', 'marking_visibility', 'snow_on_road_m', 'texture']);
    const fog = section(c, 'fog', ['density', 'color']);
    const camera = section(c, 'camera', ['rate_hz', 'jitter_s', 'drop_probability', 'noise_std']);
    const rateHz = camera.number('rate_hz', { min: 0, minExclusive: true, max: 1000 });
    return new Condition(
      c.string('name'),
      c.has('description') ? c.string('description') : '',
      {
        brightness: lighting.number('brightness', { min: 0, max: 4 }),
        tint: rgb(lighting, 'tint', 2),
        headlights: lighting.number('headlights', { min: 0, max: 4 }),
        headlightRange: lighting.number('headlight_range_m', { min: 0, minExclusive: true }),
      },
      { zenith: rgb(sky, 'zenith', 255), horizon: rgb(sky, 'horizon', 255) },
      {
        verge: surface.oneOf('verge', ['grass', 'snow'] as const),
        markingVisibility: surface.number('marking_visibility', { min: 0, max: 1 }),
        snowOnRoad: surface.number('snow_on_road_m', { min: 0 }),
        texture: surface.number('texture', { min: 0, max: 4 }),
      },
      { density: fog.number('density', { min: 0 }), color: rgb(fog, 'color', 255) },
      {
        rateHz,
        // Beyond half a period frames could swap order.
        jitter: camera.number('jitter_s', { min: 0, max: 0.5 / rateHz }),
        dropProbability: camera.number('drop_probability', { min: 0, max: 0.9 }),
        noiseStd: camera.number('noise_std', { min: 0, max: 128 }),
      },
    );
  }

  static load(file: string): Condition {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new InputError(`${file}: cannot read condition (${(e as Error).message})`);
    }
    let doc: unknown;
    try {
      doc = YAML.parse(text);
    } catch (e) {
      throw new InputError(`${file}: not valid YAML: ${(e as Error).message}`);
    }
    return Condition.parse(doc, file);
  }

  /** A condition by name from `config/conditions/`, or from a path to a YAML file. */
  static named(nameOrFile: string): Condition {
    if (nameOrFile.endsWith('.yaml') || nameOrFile.includes('/')) return Condition.load(nameOrFile);
    const file = path.join(CONDITIONS_DIR, `${nameOrFile}.yaml`);
    if (!fs.existsSync(file)) throw new InputError(`no condition '${nameOrFile}' (known: ${Condition.names().join(', ')})`);
    return Condition.load(file);
  }

  /** The names of the conditions in `config/conditions/`. */
  static names(): string[] {
    return fs
      .readdirSync(CONDITIONS_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -'.yaml'.length))
      .sort();
  }
}

function section(c: ConfigObject, name: string, keys: string[]): ConfigObject {
  const s = c.object(name);
  s.rejectUnknown(keys);
  return s;
}

/** Three numbers in [0, max]: a colour (max 255) or a per-channel factor. */
function rgb(c: ConfigObject, name: string, max: number): Rgb {
  const v = c.raw(name);
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && x >= 0 && x <= max)) {
    throw c.error(name, `expected three numbers in [0, ${max}] (red, green, blue), got ${Array.isArray(v) ? `[${v.map(describe).join(', ')}]` : describe(v)}`);
  }
  return [v[0], v[1], v[2]];
}
