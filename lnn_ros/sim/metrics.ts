/**
 * How well a run drove: laps completed (net progress along the road), off-road events (entries
 * into |cross-track| > road half-width − vehicle half-width, i.e. a wheel off the road) and the
 * time spent off it, mean and max |cross-track| of the rear axle, and sim seconds.
 */

export interface DrivingSummary {
  laps: number;
  offRoadEvents: number;
  /** Sim seconds with a wheel off the road. */
  offRoadSeconds: number;
  meanAbsCrossTrack: number;
  maxAbsCrossTrack: number;
  simSeconds: number;
  /** Net distance along the centre line (m); negative when driven backwards. */
  progress: number;
}

export class DrivingMetrics {
  private progress = 0;
  private lastS = NaN;
  private offRoad = false;
  private offRoadEvents = 0;
  private offRoadSteps = 0;
  private sumAbs = 0;
  private maxAbs = 0;
  private samples = 0;

  /** `offRoadThreshold`: the |cross-track| beyond which the vehicle counts as off the road (m); `dt`: the physics step (s). */
  constructor(
    private readonly roadLength: number,
    readonly offRoadThreshold: number,
    private readonly dt: number,
  ) {}

  /** Adds one physics step ending at arc length `s` with cross-track error `crossTrack`. */
  update(s: number, crossTrack: number): void {
    if (!Number.isNaN(this.lastS)) {
      const L = this.roadLength;
      // The shortest way round from the last s: crossing s = 0 is progress, not a lap back.
      this.progress += ((((s - this.lastS + L / 2) % L) + L) % L) - L / 2;
    }
    this.lastS = s;
    const abs = Math.abs(crossTrack);
    const off = abs > this.offRoadThreshold;
    if (off && !this.offRoad) this.offRoadEvents++;
    if (off) this.offRoadSteps++;
    this.offRoad = off;
    this.sumAbs += abs;
    this.maxAbs = Math.max(this.maxAbs, abs);
    this.samples++;
  }

  summary(): DrivingSummary {
    return {
      laps: Math.max(0, Math.floor(this.progress / this.roadLength)),
      offRoadEvents: this.offRoadEvents,
      offRoadSeconds: this.offRoadSteps * this.dt,
      meanAbsCrossTrack: this.samples ? this.sumAbs / this.samples : 0,
      maxAbsCrossTrack: this.maxAbs,
      simSeconds: this.samples * this.dt,
      progress: this.progress,
    };
  }
}
