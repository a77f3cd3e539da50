/**
 * Ornstein–Uhlenbeck noise: a mean-reverting random walk, smooth enough to look like a driver's
 * wandering steering hand, whose stationary standard deviation and correlation time are the options.
 */
import { SeededRng } from './rng';

export interface OuNoiseOptions {
  /** Stationary standard deviation (0: off). */
  std: number;
  /** Correlation time, 1/θ (s). */
  timeConstant: number;
}

export class OrnsteinUhlenbeck {
  private x = 0;

  constructor(
    readonly options: OuNoiseOptions,
    private readonly rng: SeededRng,
  ) {}

  /** Advances by `dt` seconds (exact discretisation) and returns the new value. */
  next(dt: number): number {
    const { std, timeConstant } = this.options;
    if (std === 0) return 0;
    const decay = Math.exp(-dt / timeConstant);
    this.x = this.x * decay + std * Math.sqrt(1 - decay * decay) * this.rng.gaussian();
    return this.x;
  }
}
