/**
 * The robustness experiment's report: its runs summed up per model × condition over seeds and
 * roads, a Markdown table, two bar charts, and the generated section of BENCHMARKS.md. Pure
 * functions of the runs, so a finished experiment's results.json can be rendered again.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic';
import { barChartSvg } from '../io/bar_chart';
import { replaceMarkdownSection } from '../io/markdown_section';
import { describeRnn, DemoTraining } from './demo_config';
import type { SaliencyMethod } from '../model/saliency';
import type { AttentionSummary } from '../sim/attention';
import { DriveTotals, median } from './drive_stats';
import { attentionVsRoad, saliencyFigure, saliencyTable, summariseAttention } from './robustness_saliency';
import { byModelAndCondition, ROBUSTNESS_MODELS, TRAINING_CONDITION, unique } from './robustness_models';

/** What an experiment was asked to do (its options without the output folder and logger). */
export interface RobustnessSetup {
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
  /** Where the policies look: measured in the runs of these conditions. */
  saliency?: { method: SaliencyMethod; conditions: string[] };
}

/** results.json: everything the report is rendered from. */
export interface RobustnessResults {
  /** The command line that ran the experiment. */
  command: string;
  setup: RobustnessSetup;
  /** Wall time of the whole experiment; null while it is still running. */
  wall_seconds: number | null;
  runs: RobustnessRun[];
}

/** One closed-loop run: a model trained with one seed, in one condition, on one held-out road. */
export interface RobustnessRun extends DriveTotals {
  model: string;
  seed: number;
  condition: string;
  road: number;
  /** In a saliency condition: attention against the pixel classes, averaged over the run's frames. */
  attention?: AttentionSummary;
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
  /** Share of each seed's runs that left the road, in %, in seed order. */
  left_road_pct_per_seed: number[];
  /** Share of sim time with a wheel off the road, in %. */
  off_road_time_pct: number;
  /**
   * Each seed's mean |cross-track| (time-weighted over its roads): their median, min and max.
   * The median, because one policy that leaves the road drives on across the grass and its
   * error grows without bound.
   */
  mean_abs_cross_track_m: { median: number; min: number; max: number };
}

/**
 * Cells in model × condition order of first appearance, the training condition first; seeds in
 * ascending order.
 */
export function summariseRuns(runs: RobustnessRun[]): RobustnessCell[] {
  return byModelAndCondition(runs).map(({ model, condition, items: mine }) => {
    const seeds = unique(mine.map((r) => r.seed)).sort((a, b) => a - b);
    const perSeed = seeds.map((seed) => {
      const own = mine.filter((r) => r.seed === seed);
      const seconds = own.reduce((s, r) => s + r.sim_seconds, 0);
      return {
        events: own.reduce((s, r) => s + r.off_road_events, 0),
        leftRoadPct: (100 * own.filter((r) => r.off_road_events > 0).length) / own.length,
        crossTrack: own.reduce((s, r) => s + r.mean_abs_cross_track_m * r.sim_seconds, 0) / seconds,
      };
    });
    const crossTrack = perSeed.map((s) => s.crossTrack);
    const simSeconds = mine.reduce((s, r) => s + r.sim_seconds, 0);
    return {
      model,
      condition,
      runs: mine.length,
      laps_completed: mine.reduce((s, r) => s + r.laps_completed, 0),
      off_road_events: mine.reduce((s, r) => s + r.off_road_events, 0),
      off_road_events_per_seed: perSeed.map((s) => s.events),
      clean_runs: mine.filter((r) => r.off_road_events === 0).length,
      left_road_pct_per_seed: perSeed.map((s) => s.leftRoadPct),
      off_road_time_pct: simSeconds > 0 ? (100 * mine.reduce((s, r) => s + r.off_road_seconds, 0)) / simSeconds : NaN,
      mean_abs_cross_track_m: { median: median(crossTrack), min: Math.min(...crossTrack), max: Math.max(...crossTrack) },
    };
  });
}

const pct = (v: number) => `${v.toFixed(1)} %`;

/** The Markdown report: a per-model overview (in distribution vs out of it), then every cell. */
export function robustnessTable(cells: RobustnessCell[], o: RobustnessSetup): string {
  const models = [...new Set(cells.map((c) => c.model))];
  const overview = models.map((model) => {
    const part = (inDistribution: boolean) => {
      const mine = cells.filter((c) => c.model === model && (c.condition === TRAINING_CONDITION) === inDistribution);
      const runs = mine.reduce((s, c) => s + c.runs, 0);
      return runs === 0 ? 'n/a | n/a' : `${mine.reduce((s, c) => s + c.clean_runs, 0)} / ${runs} | ${mine.reduce((s, c) => s + c.off_road_events, 0)}`;
    };
    const core = ROBUSTNESS_MODELS[model] ? describeRnn(ROBUSTNESS_MODELS[model]) : '?';
    return `| ${model} | ${core} | ${part(true)} | ${part(false)} |`;
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

/** Grouped bars (conditions × models): the share of runs that left the road, and cross-track error clipped at 1 m. */
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
  const seeds = Math.max(...cells.map((c) => c.left_road_pct_per_seed.length));
  return {
    offRoad: barChartSvg({
      title: `Runs that left the road, by condition (all ${seeds} training seed(s); whiskers: the best and worst seed)`,
      yLabel: 'runs with an off-road event (%)',
      groups,
      series: series((c) => {
        const p = c.left_road_pct_per_seed;
        return [100 - (100 * c.clean_runs) / c.runs, Math.min(...p), Math.max(...p)];
      }),
      yMax: 100,
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

/** The cells, the table and the charts of an experiment: what both writers below put on disk. */
function render(results: RobustnessResults) {
  const cells = summariseRuns(results.runs);
  return { cells, table: robustnessTable(cells, results.setup), charts: robustnessCharts(cells) };
}

/** The typical saliency maps' figure, beside the report. */
const SALIENCY_FIGURE = 'saliency_maps.png';

/** out/results.json, out/table.md, out/off_road.svg, out/cross_track.svg and, with saliency, out/saliency_maps.png. */
export function writeRobustnessReport(out: string, results: RobustnessResults): RobustnessCell[] {
  const { cells, table, charts } = render(results);
  fs.mkdirSync(out, { recursive: true });
  const figure = saliencyFigure(out, results.runs);
  if (figure) writeFileAtomic(path.join(out, SALIENCY_FIGURE), figure);
  const saliency = { cells: summariseAttention(results.runs), attention_vs_road: attentionVsRoad(results.runs) };
  writeFileAtomic(path.join(out, 'results.json'), JSON.stringify({ ...results, cells, ...(saliency.cells.length ? { saliency } : {}) }, null, 1));
  const saliencyPart = saliencyTable(results.runs, figure && SALIENCY_FIGURE);
  writeFileAtomic(path.join(out, 'table.md'), saliencyPart ? `${table}\n${saliencyPart}` : table);
  writeFileAtomic(path.join(out, 'off_road.svg'), charts.offRoad);
  writeFileAtomic(path.join(out, 'cross_track.svg'), charts.crossTrack);
  return cells;
}

/** Reads a results.json written by writeRobustnessReport. */
export function readRobustnessResults(file: string): RobustnessResults {
  let parsed: Partial<RobustnessResults>;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read the experiment's results: ${(e as Error).message}`);
  }
  if (typeof parsed.command !== 'string' || !parsed.setup || !Array.isArray(parsed.runs)) throw new Error(`${file}: not a robustness results.json (expected command, setup and runs)`);
  return { command: parsed.command, setup: parsed.setup, wall_seconds: parsed.wall_seconds ?? null, runs: parsed.runs };
}

export const BENCHMARKS_SECTION = 'robustness';
/** The generated part of BENCHMARKS.md, kept in bench/ so that `npm run bench` carries it over. */
export const BENCH_SECTION_FILE = path.join('bench', 'robustness.md');

/**
 * Writes the table and both charts (and the typical saliency maps of the experiment in
 * `experimentDir`, when it measured them) into `root`/bench and replaces the robustness section
 * of `root`/BENCHMARKS.md (appending it the first time).
 */
export function writeRobustnessBenchmarks(root: string, results: RobustnessResults, experimentDir?: string): void {
  const { table, charts } = render(results);
  const figure = experimentDir ? saliencyFigure(experimentDir, results.runs) : null;
  const figureFile = path.join('bench', 'robustness_saliency_maps.png');
  const svg = { offRoad: path.join('bench', 'robustness_off_road.svg'), crossTrack: path.join('bench', 'robustness_cross_track.svg') };
  fs.mkdirSync(path.join(root, 'bench'), { recursive: true });
  writeFileAtomic(path.join(root, svg.offRoad), charts.offRoad);
  writeFileAtomic(path.join(root, svg.crossTrack), charts.crossTrack);
  if (figure) writeFileAtomic(path.join(root, figureFile), figure);
  const wall = results.wall_seconds === null ? 'still running' : `${(results.wall_seconds / 60).toFixed(1)} min wall`;
  const section = [
    '## Robustness experiment (generated)',
    '',
    `\`${results.command}\` (${wall}; ${os.cpus()[0]?.model ?? 'CPU'}, ${os.cpus().length} logical cores), rendered into this file by \`lnn-ros robustness --benchmarks\`.`,
    table.replace(/^# .*\n/, ''), // the section has its own heading
    `![runs that left the road, by condition](${svg.offRoad})`,
    '',
    `![mean cross-track error by condition](${svg.crossTrack})`,
    '',
    saliencyTable(results.runs, figure && figureFile),
  ]
    .join('\n')
    .trimEnd();
  writeFileAtomic(path.join(root, BENCH_SECTION_FILE), section + '\n');
  const benchmarks = path.join(root, 'BENCHMARKS.md');
  const text = fs.existsSync(benchmarks) ? fs.readFileSync(benchmarks, 'utf8') : '# Benchmarks\n';
  writeFileAtomic(benchmarks, replaceMarkdownSection(text, BENCHMARKS_SECTION, section));
}
