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
  private readonly preprocessor: ImagePreprocessor | undefined;
  /** The field paths of a non-image topic. */
  readonly fields: string[] | undefined;
  private readonly paths: (string | number)[][] = [];
  /** Compressed images decoded so far (what the cache saves on the next epoch). */
  decodedImages = 0;
  /** [h, w, c] for images (known after the first frame unless `expect` is set), [n] for fields. */
  shape: number[] | undefined;

  constructor(
    readonly topic: string,
    readonly type: string,
    spec: { image?: ImageSpec; fields?: string[] },
    private readonly place: ConfigPlace,
  ) {
    if (isImageType(type)) {
      if (spec.fields) throw new ConfigError(place.file, `${place.key}.fields`, `${topic} is an image topic (${type}); use an image section`);
      const image = spec.image ?? DEFAULT_IMAGE;
      this.preprocessor = new ImagePreprocessor(image);
      if (image.expect) this.shape = this.preprocessor.outputShape(image.expect);
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
      const out = this.preprocessor.process(img);
      this.shape ??= this.preprocessor.outputShape(img);
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
      if (!Number.isFinite(v)) throw new Dropped('non-finite value', `${this.topic} ${this.fields![i]} = ${v}`);
      out[i] = v;
    }
    return out;
  }
}

/** The header stamp in ns; undefined for types without a header and for unset (zero) stamps. */
export function headerStamp(message: unknown): bigint | undefined {
  const stamp = (message as { header?: { stamp?: Stamp } } | null)?.header?.stamp;
  if (!stamp || typeof stamp.sec !== 'number') return undefined;
  const ns = BigInt(stamp.sec) * 1_000_000_000n + BigInt(stamp.nanosec ?? stamp.nsec ?? 0);
  return ns === 0n ? undefined : ns;
}
