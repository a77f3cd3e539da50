/**
 * One topic's decoded messages → a float32 feature vector (and the header stamp, when the type has
 * a header). Images go through decode + ImagePreprocessor; everything else is a list of numeric
 * fields, with defaults for the types the issue names.
 */
import { ConfigError } from '../../errors';
import { DEFAULT_IMAGE, type ImageSpec, isImageType } from './config';
import { Dropped } from './dropped';
import { decodeCompressedImage, rawImageView } from './image_decode';
import { ImagePreprocessor } from './image_preprocessor';

const XYZ = (prefix: string) => ['x', 'y', 'z'].map((a) => `${prefix}.${a}`);

/** Field lists used when the YAML gives none. */
export const DEFAULT_FIELDS: Record<string, string[]> = {
  'sensor_msgs/msg/Imu': [...XYZ('angular_velocity'), ...XYZ('linear_acceleration')],
  'geometry_msgs/msg/Twist': ['linear.x', 'angular.z'],
  'geometry_msgs/msg/TwistStamped': ['twist.linear.x', 'twist.angular.z'],
  'ackermann_msgs/msg/AckermannDriveStamped': ['drive.speed', 'drive.steering_angle'],
};

/** Where in the YAML this topic was configured, for errors. */
export interface ConfigPlace {
  file?: string;
  /** e.g. `inputs[1]` or `target`. */
  key: string;
}

interface Stamp {
  sec: number;
  nanosec?: number;
  nsec?: number;
}

export class FeatureExtractor {
  readonly preprocessor: ImagePreprocessor | undefined;
  /** The field paths of a non-image topic. */
  readonly fields: string[] | undefined;
  private readonly paths: (string | number)[][] = [];
  /** Compressed images decoded so far (what the cache saves on the next epoch). */
  decodedImages = 0;
  /**
   * [h, w, c] for images, [n] for fields. Images: the given `shape` (a policy's input), else what
   * `expect` or resize fixes, else the first frame's (a dataset's frames must all agree).
   */
  shape: number[] | undefined;

  constructor(
    readonly topic: string,
    readonly type: string,
    spec: { image?: ImageSpec; fields?: string[]; shape?: number[] },
    private readonly place: ConfigPlace,
  ) {
    if (isImageType(type)) {
      if (spec.fields) throw new ConfigError(place.file, `${place.key}.fields`, `${topic} is an image topic (${type}); use an image section`);
      const image = spec.image ?? DEFAULT_IMAGE;
      this.preprocessor = new ImagePreprocessor(image);
      this.shape = spec.shape ?? (image.expect ? this.preprocessor.outputShape(image.expect) : undefined);
      return;
    }
    if (spec.image) throw new ConfigError(place.file, `${place.key}.image`, `${topic} has type ${type}, not an image type`);
    this.fields = spec.fields ?? DEFAULT_FIELDS[type];
    if (!this.fields) {
      throw new ConfigError(place.file, `${place.key}.fields`, `${topic} has type ${type}: list the numeric fields to use (no default for this type)`);
    }
    this.paths = this.fields.map((f) => f.split(/[.[\]]+/).filter((p) => p !== '').map((p) => (/^\d+$/.test(p) ? Number(p) : p)));
    this.shape = [this.fields.length];
  }

  /** Feature vector of one decoded message; throws Dropped for unusable content. */
  extract(message: unknown): Float32Array {
    if (this.preprocessor) {
      const msg = message as Parameters<typeof rawImageView>[0] & Parameters<typeof decodeCompressedImage>[0];
      let img;
      if (this.type === 'sensor_msgs/msg/Image') {
        img = rawImageView(msg);
      } else {
        this.decodedImages++;
        img = decodeCompressedImage(msg);
      }
      // The frame's own output shape, checked before any work on its pixels.
      const shape = this.preprocessor.outputShape(img);
      if (this.shape && shape.join() !== this.shape.join()) {
        throw new Dropped('image size mismatch', `a ${img.width}x${img.height} frame gives ${shape.join('×')}, expected ${this.shape.join('×')}`);
      }
      const out = this.preprocessor.process(img);
      this.shape ??= shape;
      return out;
    }
    const out = new Float32Array(this.paths.length);
    for (let i = 0; i < this.paths.length; i++) {
      let v: unknown = message;
      for (const p of this.paths[i]) v = v === null || typeof v !== 'object' ? undefined : (v as Record<string | number, unknown>)[p];
      if (typeof v === 'bigint') v = Number(v);
      if (typeof v !== 'number') {
        throw new ConfigError(this.place.file, `${this.place.key}.fields[${i}]`, `'${this.fields![i]}' is not a numeric field of ${this.type}`);
      }
      // Beyond float32 range a value becomes ±Infinity in the feature vector.
      if (!Number.isFinite(Math.fround(v))) throw new Dropped('non-finite value', `${this.topic} ${this.fields![i]} = ${v}${Number.isFinite(v) ? ' (beyond float32 range)' : ''}`);
      out[i] = v;
    }
    return out;
  }
}

/**
 * The header stamp in ns; undefined for types without a header and for unset (zero) stamps.
 * A stamp that is there but not a valid time is dropped, naming the field.
 */
export function headerStamp(message: unknown): bigint | undefined {
  const stamp = (message as { header?: { stamp?: Stamp } } | null)?.header?.stamp;
  if (!stamp || typeof stamp !== 'object') return undefined;
  const sec = stamp.sec as unknown;
  const nanosec = (stamp.nanosec ?? stamp.nsec ?? 0) as unknown;
  if (typeof sec !== 'number' || !Number.isInteger(sec)) throw new Dropped('malformed', `header.stamp.sec = ${String(sec)} is not an integer`);
  if (typeof nanosec !== 'number' || !Number.isInteger(nanosec) || nanosec < 0 || nanosec >= 1e9) {
    throw new Dropped('malformed', `header.stamp.nanosec = ${String(nanosec)} is not an integer in [0, 1e9)`);
  }
  const ns = BigInt(sec) * 1_000_000_000n + BigInt(nanosec);
  return ns === 0n ? undefined : ns;
}

/** The header stamp in ns of a message that must have one (a policy input). */
export function requireHeaderStamp(message: unknown): bigint {
  const ns = headerStamp(message);
  if (ns === undefined) throw new Dropped('malformed', 'no header stamp (header.stamp missing or zero)');
  return ns;
}
