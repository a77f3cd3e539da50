/**
 * A replica of numpy's legacy `np.random.RandomState(seed)` (MT19937), limited to the draws the
 * ncps NCP wiring makes: `choice(list)` and `choice(list, k, replace=False)`.
 * Matching numpy draw for draw is the point: an NCP wiring built here equals the one ncps builds.
 */
const STATE_WORDS = 624;
const SHIFT_WORDS = 397;
const UPPER_BIT = 0x80000000;
const LOWER_BITS = 0x7fffffff;
const TWIST_XOR = 0x9908b0df;

export class LegacyRandomState {
  private readonly words = new Uint32Array(STATE_WORDS);
  private position = STATE_WORDS;

  /** numpy accepts seeds in [0, 2^32 - 1] and seeds MT19937 with `init_genrand`. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`RandomState seed must be an integer in [0, 2^32 - 1], got ${seed}`);
    }
    this.words[0] = seed;
    for (let i = 1; i < STATE_WORDS; i++) {
      const previous = this.words[i - 1];
      this.words[i] = Math.imul(1812433253, previous ^ (previous >>> 30)) + i;
    }
  }

  nextUint32(): number {
    if (this.position >= STATE_WORDS) this.twist();
    let y = this.words[this.position++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform integer in [0, max] by masked rejection (numpy `random_interval`, also legacy `randint`). */
  interval(max: number): number {
    if (max === 0) return 0;
    const mask = bitMaskCovering(max);
    let value: number;
    do {
      value = (this.nextUint32() & mask) >>> 0;
    } while (value > max);
    return value;
  }

  /** `RandomState.choice(items)`: one `randint(0, n)`; a single item costs no draw. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot choose from an empty list');
    return items[this.interval(items.length - 1)];
  }

  /**
   * `RandomState.choice(items, k, replace=False)`: numpy shuffles the whole index range and
   * keeps the first k, so it always spends n - 1 draws, even for k = 0.
   */
  choiceWithoutReplacement<T>(items: readonly T[], count: number): T[] {
    if (!Number.isInteger(count) || count < 0 || count > items.length) {
      throw new RangeError(`cannot take ${count} distinct items from ${items.length}`);
    }
    return this.permutation(items.length)
      .slice(0, count)
      .map((index) => items[index]);
  }

  /** Legacy `permutation(n)`: Fisher-Yates from the top, j = interval(i). */
  permutation(n: number): number[] {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i >= 1; i--) {
      const j = this.interval(i);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }

  private twist(): void {
    const w = this.words;
    for (let i = 0; i < STATE_WORDS; i++) {
      const y = (w[i] & UPPER_BIT) | (w[(i + 1) % STATE_WORDS] & LOWER_BITS);
      w[i] = w[(i + SHIFT_WORDS) % STATE_WORDS] ^ (y >>> 1) ^ (y & 1 ? TWIST_XOR : 0);
    }
    this.position = 0;
  }
}

/** Smallest 2^k - 1 that is >= value (value < 2^32). */
function bitMaskCovering(value: number): number {
  let mask = value;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  return mask >>> 0;
}
