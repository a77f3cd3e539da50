/**
 * A replica of numpy's `np.random.default_rng(seed)` (SeedSequence -> PCG64 -> Generator), limited
 * to the draws the ncps FullyConnected and Random wirings make: `choice(list)` and
 * `choice(list, k, replace=False)`. BigInt is fine here: wirings are built once, at init time.
 */
const MASK_32 = 0xffffffffn;
const MASK_64 = 0xffffffffffffffffn;
const MASK_128 = (1n << 128n) - 1n;
const PCG_MULTIPLIER = (0x2360ed051fc65da4n << 64n) | 0x4385df649fccf645n;

// SeedSequence hash constants (numpy bit_generator.pyx, after Melissa O'Neill's seed_seq_fe).
const SEED_POOL_WORDS = 4;
const HASH_INIT_A = 0x43b0d7e5;
const HASH_MULT_A = 0x931e8875;
const HASH_INIT_B = 0x8b51f9dd;
const HASH_MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const HASH_SHIFT = 16;

// Generator.choice(replace=False) switches from Floyd's algorithm to a tail shuffle above this.
const FLOYD_MAX_POPULATION = 10000;
const TAIL_SHUFFLE_CUTOFF = 50;

export class Pcg64Generator {
  private state: bigint;
  private readonly increment: bigint;
  private bufferedHalf: number | null = null;

  /** Any non-negative integer seed, as `default_rng(seed)` takes it. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`default_rng seed must be a non-negative integer, got ${seed}`);
    }
    const [seedHigh, seedLow, incHigh, incLow] = seedSequenceUint64Words(seed, 4);
    // pcg64_set_seed: word 0 is the high half; then PCG's srandom: step, add seed, step.
    this.increment = ((((incHigh << 64n) | incLow) << 1n) | 1n) & MASK_128;
    this.state = 0n;
    this.step();
    this.state = (this.state + ((seedHigh << 64n) | seedLow)) & MASK_128;
    this.step();
  }

  /** PCG64 XSL-RR output, taken after the step (as numpy's `random_raw`). */
  nextUint64(): bigint {
    this.step();
    const folded = ((this.state >> 64n) ^ this.state) & MASK_64;
    const rotation = this.state >> 122n;
    return ((folded >> rotation) | (folded << ((64n - rotation) & 63n))) & MASK_64;
  }

  /** numpy splits one 64-bit output into two 32-bit draws: low half first, then high half. */
  nextUint32(): number {
    if (this.bufferedHalf !== null) {
      const half = this.bufferedHalf;
      this.bufferedHalf = null;
      return half;
    }
    const output = this.nextUint64();
    this.bufferedHalf = Number(output >> 32n);
    return Number(output & MASK_32);
  }

  /** Uniform integer in [0, max] by Lemire's multiply-shift rejection (numpy `random_bounded_uint64`). */
  bounded(max: number): number {
    if (max === 0) return 0;
    if (!Number.isInteger(max) || max < 0 || max >= 0xffffffff) {
      throw new RangeError(`bounded draw range must be an integer in [0, 2^32 - 2], got ${max}`);
    }
    const rangeSize = BigInt(max + 1);
    let product = BigInt(this.nextUint32()) * rangeSize;
    let leftover = product & MASK_32;
    if (leftover < rangeSize) {
      const threshold = (MASK_32 - BigInt(max)) % rangeSize;
      while (leftover < threshold) {
        product = BigInt(this.nextUint32()) * rangeSize;
        leftover = product & MASK_32;
      }
    }
    return Number(product >> 32n);
  }

  /** `Generator.choice(items)`: `integers(0, n)`; a single item costs no draw. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot choose from an empty list');
    return items[this.bounded(items.length - 1)];
  }

  /** `Generator.choice(items, k, replace=False)` with its default `shuffle=True`. */
  choiceWithoutReplacement<T>(items: readonly T[], count: number): T[] {
    const population = items.length;
    if (!Number.isInteger(count) || count < 0 || count > population) {
      throw new RangeError(`cannot take ${count} distinct items from ${population}`);
    }
    const picked =
      population > FLOYD_MAX_POPULATION && count > Math.floor(population / TAIL_SHUFFLE_CUTOFF)
        ? this.tailShuffleSample(population, count)
        : this.floydSample(population, count);
    return picked.map((index) => items[index]);
  }

  /** Shuffle only the last `count` slots of 0..n-1 and keep them. */
  private tailShuffleSample(population: number, count: number): number[] {
    const order = Array.from({ length: population }, (_, i) => i);
    this.shuffleFrom(order, Math.max(population - count, 1));
    return order.slice(population - count);
  }

  /** Floyd's sampling, then a full shuffle of the sample (numpy's output order depends on both). */
  private floydSample(population: number, count: number): number[] {
    const sample: number[] = [];
    const taken = new Set<number>();
    for (let j = population - count; j < population; j++) {
      const candidate = this.bounded(j);
      const value = taken.has(candidate) ? j : candidate;
      taken.add(value);
      sample.push(value);
    }
    this.shuffleFrom(sample, 1);
    return sample;
  }

  /** Fisher-Yates over indices n-1 down to `first`, with Lemire draws (Generator's `_shuffle_int`). */
  private shuffleFrom(values: number[], first: number): void {
    for (let i = values.length - 1; i >= first; i--) {
      const j = this.bounded(i);
      [values[i], values[j]] = [values[j], values[i]];
    }
  }

  private step(): void {
    this.state = (this.state * PCG_MULTIPLIER + this.increment) & MASK_128;
  }
}

/** numpy `SeedSequence(seed).generate_state(count, np.uint64)` for a plain integer seed. */
export function seedSequenceUint64Words(seed: number, count: number): bigint[] {
  const pool = seedSequencePool(seed);
  const words32: number[] = [];
  let hashConst = HASH_INIT_B;
  for (let i = 0; i < count * 2; i++) {
    let value = (pool[i % SEED_POOL_WORDS] ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, HASH_MULT_B) >>> 0;
    value = Math.imul(value, hashConst) >>> 0;
    words32.push((value ^ (value >>> HASH_SHIFT)) >>> 0);
  }
  // Pairs of 32-bit words read as little-endian uint64.
  return Array.from({ length: count }, (_, k) => (BigInt(words32[2 * k + 1]) << 32n) | BigInt(words32[2 * k]));
}

/**
 * SeedSequence entropy pool: the seed's 32-bit words (least significant first), hashed and mixed.
 * A safe integer has at most two words, so numpy's step for entropy longer than the pool never runs.
 */
function seedSequencePool(seed: number): number[] {
  const entropy: number[] = [];
  let rest = BigInt(seed);
  do {
    entropy.push(Number(rest & MASK_32));
    rest >>= 32n;
  } while (rest > 0n);

  let hashConst = HASH_INIT_A;
  const hashMix = (input: number): number => {
    let value = (input ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, HASH_MULT_A) >>> 0;
    value = Math.imul(value, hashConst) >>> 0;
    return (value ^ (value >>> HASH_SHIFT)) >>> 0;
  };
  const mix = (x: number, y: number): number => {
    const result = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
    return (result ^ (result >>> HASH_SHIFT)) >>> 0;
  };

  const pool = Array.from({ length: SEED_POOL_WORDS }, (_, i) => hashMix(i < entropy.length ? entropy[i] : 0));
  for (let source = 0; source < SEED_POOL_WORDS; source++) {
    for (let dest = 0; dest < SEED_POOL_WORDS; dest++) {
      if (source !== dest) pool[dest] = mix(pool[dest], hashMix(pool[source]));
    }
  }
  return pool;
}
