/**
 * When a sensor samples: at nominal times start + k/rate (k = 1, 2, …), each moved by a uniform jitter and
 * dropped with some probability, taken at the first physics step at or after that time (the
 * message is stamped with the step's time, as a driver stamps on arrival).
 */
import { SeededRng } from './rng';

export interface SensorTiming {
  rateHz: number;
  /** Largest deviation from the nominal time (s); keep below half a period so samples stay in order. */
  jitter: number;
  /** Chance that a sample is dropped. */
  dropProbability: number;
}

export class SensorClock {
  private readonly periodNs: number;
  private k = 1;
  private nextNs = 0;
  private nextDropped = false;

  constructor(
    private readonly timing: SensorTiming,
    private readonly startNs: number,
    private readonly rng: SeededRng,
  ) {
    this.periodNs = 1e9 / timing.rateHz;
    this.draw();
  }

  /** Whether a sample is due at `nowNs`; called once per physics step, in time order. */
  due(nowNs: number): boolean {
    if (nowNs < this.nextNs) return false;
    const sample = !this.nextDropped;
    // Sampling faster than the physics: the steps in between have nothing new to show.
    do {
      this.k++;
      this.draw();
    } while (this.nextNs <= nowNs);
    return sample;
  }

  private draw(): void {
    const { jitter, dropProbability } = this.timing;
    this.nextNs = this.startNs + this.k * this.periodNs + (jitter > 0 ? this.rng.range(-jitter, jitter) * 1e9 : 0);
    this.nextDropped = dropProbability > 0 && this.rng.uniform() < dropProbability;
  }
}
