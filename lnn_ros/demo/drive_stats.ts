/** Closed-loop runs summed up the way summary.json and the robustness table report them. */
import { DrivingSummary } from '../sim/metrics';

export interface DriveTotals {
  laps_completed: number;
  off_road_events: number;
  off_road_seconds: number;
  mean_abs_cross_track_m: number;
  max_abs_cross_track_m: number;
  sim_seconds: number;
}

/** Nearest-rank percentile of `values` (NaN when empty). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Laps and off-road events add up; the mean cross-track is weighted by sim time. */
export function driveTotals(runs: DrivingSummary[]): DriveTotals {
  const seconds = runs.reduce((s, r) => s + r.simSeconds, 0);
  return {
    laps_completed: runs.reduce((s, r) => s + r.laps, 0),
    off_road_events: runs.reduce((s, r) => s + r.offRoadEvents, 0),
    off_road_seconds: runs.reduce((s, r) => s + r.offRoadSeconds, 0),
    mean_abs_cross_track_m: seconds > 0 ? runs.reduce((s, r) => s + r.meanAbsCrossTrack * r.simSeconds, 0) / seconds : NaN,
    max_abs_cross_track_m: Math.max(0, ...runs.map((r) => r.maxAbsCrossTrack)),
    sim_seconds: seconds,
  };
}

export const round = (v: number, digits = 3): number => Number(v.toFixed(digits));
