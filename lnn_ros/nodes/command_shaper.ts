/**
 * Turns raw policy outputs into a motor command that is safe to publish: finite, scaled,
 * clamped to configured limits and rate-limited in time from the last command (zero at start
 * and after a stop). Never produces NaN.
 */

export interface AxisLimits {
  /** Output = raw·scale + offset before limiting. */
  scale: number;
  offset: number;
  min: number;
  max: number;
  /** Largest change per second (Infinity: no rate limit). */
  maxRate: number;
}

export class CommandShaper {
  private readonly last: Float64Array;
  private lastNs: bigint;

  constructor(
    private axes: AxisLimits[],
    startNs: bigint,
  ) {
    this.last = new Float64Array(axes.length);
    this.lastNs = startNs;
  }

  /**
   * Shapes `raw` at time `nowNs` into `out`; returns false (leaving `out` and the internal state
   * untouched) when any raw value is not finite.
   */
  shape(raw: ArrayLike<number>, nowNs: bigint, out: Float64Array): boolean {
    for (let i = 0; i < this.axes.length; i++) if (!Number.isFinite(raw[i])) return false;
    const dt = Math.max(0, Number(nowNs - this.lastNs) / 1e9);
    this.axes.forEach((a, i) => {
      const target = Math.min(a.max, Math.max(a.min, raw[i] * a.scale + a.offset));
      const step = a.maxRate === Infinity ? Infinity : a.maxRate * dt;
      out[i] = step === Infinity ? target : Math.min(this.last[i] + step, Math.max(this.last[i] - step, target));
      this.last[i] = out[i];
    });
    this.lastNs = nowNs;
    return true;
  }

  /** New limits from the next command on (a run-time parameter change); the rate limit continues from the last command. */
  setLimits(axes: AxisLimits[]): void {
    if (axes.length !== this.axes.length) throw new Error(`expected ${this.axes.length} axes, got ${axes.length}`);
    this.axes = axes;
  }

  /** The stop command (zero, clamped into the limits): what the watchdog and shutdown publish. */
  stop(nowNs: bigint, out: Float64Array): void {
    this.axes.forEach((a, i) => {
      out[i] = Math.min(a.max, Math.max(a.min, 0));
      this.last[i] = out[i];
    });
    this.lastNs = nowNs;
  }
}
