/**
 * The simulator's only source of randomness: xoshiro128** seeded through splitmix32. Every
 * consumer (road shape, camera timing, pixel noise, IMU noise, steering noise) draws from its own
 * named stream, so changing one of them (say, the camera rate) leaves the others — and so the
 * road and the vehicle's path — unchanged for the same seed.
 */

/** FNV-1a of a stream name, to derive independent streams from one seed. */
function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class SeededRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareGaussian = NaN;

  /** `seed` is any integer (only its low 32 bits and the 32 above them matter); `stream` names the consumer. */
  constructor(
    readonly seed: number,
    readonly stream = '',
  ) {
    let x = (seed ^ Math.floor(seed / 2 ** 32) ^ hashName(stream)) >>> 0;
    const splitmix = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix() || 1; // the all-zero state is a fixed point
  }

  /** An independent generator for a named consumer, derived from the same seed. */
  fork(stream: string): SeededRng {
    return new SeededRng(this.seed, this.stream ? `${this.stream}/${stream}` : stream);
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  gaussian(): number {
    if (!Number.isNaN(this.spareGaussian)) {
      const g = this.spareGaussian;
      this.spareGaussian = NaN;
      return g;
    }
    const u = 1 - this.uniform(); // (0, 1]: log stays finite
    const r = Math.sqrt(-2 * Math.log(u));
    const phi = 2 * Math.PI * this.uniform();
    this.spareGaussian = r * Math.sin(phi);
    return r * Math.cos(phi);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
