/**
 * The robustness experiment: the demo's recording (summer only) trains each policy core with the
 * same encoder, data and epochs, once per training seed; each policy then drives closed-loop on
 * held-out roads under every named condition (night, fog, camera noise, irregular frame rate …).
 * Out: every run (results.json), a Markdown table per model × condition over the seeds, and two
 * bar charts (off-road events, cross-track error).
 */
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic';
import { barChartSvg } from '../io/bar_chart';
import { Condition } from '../sim/conditions';
import { DrivingSummary } from '../sim/metrics';
import { driveClosedLoop } from './closed_loop';
import { DEMO_RNN, DemoTraining, describeRnn } from './demo_config';
import { driveTotals, DriveTotals, round } from './drive_stats';
import { recordExpertBags, trainDemoPolicy } from './pipeline';

/** The cores compared; the trainer sizes their outputs (LSTM, feed-forward and fully connected CfC get a projection). */
export const ROBUSTNESS_MODELS: Record<string, Record<string, unknown>> = {
  'ncp-cfc': DEMO_RNN,
  cfc: { class: 'CfC', units: 16, backbone_units: 32 },
  ltc: { class: 'LTC', units: { wiring: 'AutoNCP', units: 16, output_size: 2, sparsity_level: 0.5, seed: 22222 } },
  lstm: { class: 'LSTM', units: 16 },
  // The CNN alone: the same encoder and a 16-unit hidden layer, no memory.
  feedforward: { class: 'FeedForward', units: 16 },
};

/** The condition the policies were trained in; every other one is out of distribution. */
const TRAINING_CONDITION = 'summer';

export interface RobustnessOptions {
  out: string;
  models: string[];
  conditions: string[];
  /** Roads (seeds) the expert is recorded on. */
  trainRoads: number[];
  recordSeconds: number;
  /** One policy per model and seed: the seed sets the weights' initialisation and the batch order. */
  seeds: number[];
  training: Omit<DemoTraining, 'rnn' | 'seed'>;
  /** Held-out roads each policy drives in each condition. */
  testRoads: number[];
  /** Laps per closed-loop run (the sim time a lap takes at cruise speed, with 10% to spare)… */
  laps: number;
  /** …or this many sim seconds per run instead. */
  seconds?: number;
  log: (line: string) => void;
}

/** One closed-loop run: a model trained with one seed, in one condition, on one held-out road. */
export interface RobustnessRun extends DriveTotals {
  model: string;
  seed: number;
  condition: string;
  road: number;
}

/** A model in a condition over every seed and road. */
export interface RobustnessCell {
  model: string;
  condition: string;
  runs: number;
  laps_completed: number;
  off_road_events: number;
  /** Off-road events of each seed's policy (over its roads), in seed order. */
  off_road_events_per_seed: number[];
  /** Runs with no off-road event. */
  clean_runs: number;
  /** Share of sim time with a wheel off the road, in %. */
  off_road_time_pct: number;
  /**
   * Each seed's mean |cross-track| (time-weighted over its roads): their median, min and max.
   * The median, because one policy that leaves the road drives on across the grass and its
   * error grows without bound.
   */
  mean_abs_cross_track_m: { median: number; min: number; max: number };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Cells in model × condition order of first appearance; seeds in ascending order. */
export function summariseRuns(runs: RobustnessRun[]): RobustnessCell[] {
  const unique = <T>(values: T[]) => [...new Set(values)];
  const cells: RobustnessCell[] = [];
  for (const model of unique(runs.map((r) => r.model))) {
    for (const condition of unique(runs.map((r) => r.condition))) {
      const mine = runs.filter((r) => r.model === model && r.condition === condition);
      if (mine.length === 0) continue;
      const seeds = unique(mine.map((r) => r.seed)).sort((a, b) => a - b);
      const perSeed = seeds.map((seed) => {
        const own = mine.filter((r) => r.seed === seed);
        const seconds = own.reduce((s, r) => s + r.sim_seconds, 0);
        return { events: own.reduce((s, r) => s + r.off_road_events, 0), crossTrack: own.reduce((s, r) => s + r.mean_abs_cross_track_m * r.sim_seconds, 0) / seconds };
      });
      const crossTrack = perSeed.map((s) => s.crossTrack);
      const simSeconds = mine.reduce((s, r) => s + r.sim_seconds, 0);
      cells.push({
        model,
        condition,
        runs: mine.length,
        laps_completed: mine.reduce((s, r) => s + r.laps_completed, 0),
        off_road_events: mine.reduce((s, r) => s + r.off_road_events, 0),
        off_road_events_per_seed: perSeed.map((s) => s.events),
        clean_runs: mine.filter((r) => r.off_road_events === 0).length,
        off_road_time_pct: simSeconds > 0 ? (100 * mine.reduce((s, r) => s + r.off_road_seconds, 0)) / simSeconds : NaN,
        mean_abs_cross_track_m: { median: median(crossTrack), min: Math.min(...crossTrack), max: Math.max(...crossTrack) },
      });
    }
  }
  return cells;
}

const pct = (v: number) => `${v.toFixed(1)} %`;

/** The Markdown report: a per-model overview (in distribution vs out of it), then every cell. */
export function robustnessTable(cells: RobustnessCell[], o: Omit<RobustnessOptions, 'out' | 'log'>): string {
  const models = [...new Set(cells.map((c) => c.model))];
  const overview = models.map((model) => {
    const part = (inDistribution: boolean) => {
      const mine = cells.filter((c) => c.model === model && (c.condition === TRAINING_CONDITION) === inDistribution);
      const runs = mine.reduce((s, c) => s + c.runs, 0);
      return runs === 0 ? 'n/a | n/a' : `${mine.reduce((s, c) => s + c.clean_runs, 0)} / ${runs} | ${mine.reduce((s, c) => s + c.off_road_events, 0)}`;
    };
    return `| ${model} | ${describeRnn(ROBUSTNESS_MODELS[model])} | ${part(true)} | ${part(false)} |`;
  });
  const rows = cells.map((c) => {
    const x = c.mean_abs_cross_track_m;
    return `| ${c.model} | ${c.condition} | ${c.laps_completed} | ${c.off_road_events} (${c.off_road_events_per_seed.join(' / ')}) | ${c.clean_runs} / ${c.runs} | ${pct(c.off_road_time_pct)} | ${x.median.toFixed(3)} (${x.min.toFixed(3)}–${x.max.toFixed(3)}) |`;
  });
  const ood = o.conditions.filter((c) => c !== TRAINING_CONDITION);
  return [
    `# Robustness: ${o.models.length} models × ${o.conditions.length} conditions × ${o.seeds.length} training seeds`,
    '',
    `Trained on the expert in ${TRAINING_CONDITION} (roads ${o.trainRoads.join(', ')}, ${o.recordSeconds} s each, ${o.training.epochs} epochs, frames ${o.training.image.width}×${o.training.image.height}), ` +
      `once per training seed (${o.seeds.join(', ')}); each policy drives held-out roads ${o.testRoads.join(', ')} ${o.seconds ? `for ${o.seconds} sim s` : `for ${o.laps} lap(s)`} in every condition.`,
    '',
    `Clean runs: runs without an off-road event. Out of distribution: ${ood.join(', ') || 'none'}.`,
    '',
    `| model | core | ${TRAINING_CONDITION}: clean runs | ${TRAINING_CONDITION}: off-road events | out of distribution: clean runs | out of distribution: off-road events |`,
    '|---|---|---|---|---|---|',
    ...overview,
    '',
    'Per condition: off-road events in total (per seed), share of time off the road, and the median over seeds of their mean |cross-track| (min–max).',
    '',
    '| model | condition | laps | off-road events (per seed) | clean runs | time off road | mean abs cross-track (m) |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** Grouped bars (conditions × models): off-road events per seed's policy, and cross-track error clipped at 1 m. */
export function robustnessCharts(cells: RobustnessCell[]): { offRoad: string; crossTrack: string } {
  const models = [...new Set(cells.map((c) => c.model))];
  const groups = [...new Set(cells.map((c) => c.condition))];
  const cell = (model: string, condition: string) => cells.find((c) => c.model === model && c.condition === condition);
  const series = (pick: (c: RobustnessCell) => [number, number, number]) =>
    models.map((name) => {
      const values = groups.map((g) => {
        const c = cell(name, g);
        return c ? pick(c) : [NaN, NaN, NaN];
      });
      return { name, values: values.map((v) => v[0]), low: values.map((v) => v[1]), high: values.map((v) => v[2]) };
    });
  const seeds = Math.max(...cells.map((c) => c.off_road_events_per_seed.length));
  return {
    offRoad: barChartSvg({
      title: `Off-road events per policy by condition (mean over ${seeds} training seed(s), whiskers min–max)`,
      yLabel: 'off-road events',
      groups,
      series: series((c) => {
        const e = c.off_road_events_per_seed;
        return [e.reduce((a, b) => a + b, 0) / e.length, Math.min(...e), Math.max(...e)];
      }),
      width: 1000,
    }),
    crossTrack: barChartSvg({
      title: `Mean |cross-track| by condition (median over training seeds, whiskers min–max; clipped at 1 m)`,
      yLabel: 'mean |cross-track| (m)',
      groups,
      series: series((c) => [c.mean_abs_cross_track_m.median, c.mean_abs_cross_track_m.min, c.mean_abs_cross_track_m.max]),
      yMax: 1,
      width: 1000,
    }),
  };
}

function writeReport(runs: RobustnessRun[], o: RobustnessOptions): RobustnessCell[] {
  const cells = summariseRuns(runs);
  writeFileAtomic(path.join(o.out, 'results.json'), JSON.stringify({ runs, cells }, null, 1));
  writeFileAtomic(path.join(o.out, 'table.md'), robustnessTable(cells, o));
  const charts = robustnessCharts(cells);
  writeFileAtomic(path.join(o.out, 'off_road.svg'), charts.offRoad);
  writeFileAtomic(path.join(o.out, 'cross_track.svg'), charts.crossTrack);
  return cells;
}

export async function runRobustness(o: RobustnessOptions): Promise<RobustnessCell[]> {
  for (const m of o.models) if (!ROBUSTNESS_MODELS[m]) throw new Error(`unknown model '${m}' (have ${Object.keys(ROBUSTNESS_MODELS).join(', ')})`);
  if (o.seeds.length === 0) throw new Error('no training seeds');
  const conditions = o.conditions.map((name) => Condition.named(name));
  const { bags } = await recordExpertBags(path.join(o.out, 'bags'), o.trainRoads, o.recordSeconds, o.log);
  const runs: RobustnessRun[] = [];
  let cells: RobustnessCell[] = [];
  for (const model of o.models) {
    const rnn = ROBUSTNESS_MODELS[model];
    for (const seed of o.seeds) {
      const policy = path.join(o.out, 'policies', model, `seed_${seed}`);
      await trainDemoPolicy(bags, policy, { ...o.training, rnn, seed }, o.log);
      for (const condition of conditions) {
        const summaries: DrivingSummary[] = [];
        for (const road of o.testRoads) {
          const { summary } = await driveClosedLoop(policy, { seed: road, condition, laps: o.laps, seconds: o.seconds });
          summaries.push(summary);
          runs.push({ model, seed, condition: condition.name, road, ...driveTotals([summary]) });
        }
        const t = driveTotals(summaries);
        o.log(`[c] ${model} seed ${seed} (${describeRnn(rnn)}) in ${condition.name}: ${t.laps_completed} laps, ${t.off_road_events} off-road (${round(t.off_road_seconds, 1)} s), mean |cross-track| ${t.mean_abs_cross_track_m.toFixed(3)} m`);
      }
      // Written after every policy, so that an interrupted experiment keeps what it measured.
      cells = writeReport(runs, o);
    }
  }
  return cells;
}
