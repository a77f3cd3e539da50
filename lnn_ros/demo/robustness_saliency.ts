/**
 * Where the robustness experiment's policies look: each closed-loop run in a saliency condition
 * measures VisualBackProp attention against the simulator's pixel classes (closed_loop.ts) and
 * keeps one typical map; here those runs are summed up per model × condition (mean ± standard
 * deviation over training seeds), set against staying on the road (Spearman rank correlation
 * over policies), and the typical maps tiled into one figure (rows: models, columns: conditions).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodePng, decodePngRgb } from '../io/png';
import type { SaliencyFrame } from '../nodes/drive_node';
import { AttentionShare, AttentionSummary, mergeAttention } from '../sim/attention';
import { PIXEL_CLASSES, PixelClass } from '../sim/renderer';
import { median } from './drive_stats';
import { byModelAndCondition, TRAINING_CONDITION, unique } from './robustness_models';
import type { RobustnessRun } from './robustness_report';

/** The conditions measured by default: the training one and three far from it. */
export const SALIENCY_CONDITIONS = [TRAINING_CONDITION, 'winter', 'fog', 'night'];
/** Where a run's typical map is kept, under the experiment's folder. */
export const SALIENCY_DIR = 'saliency';
/** Overlays kept per run as candidates for its typical map: one in this many. */
const KEEP_EVERY = 10;

export function typicalMapFile(run: Pick<RobustnessRun, 'model' | 'seed' | 'condition' | 'road'>): string {
  return path.join(SALIENCY_DIR, run.model, `seed_${run.seed}`, `${run.condition}_${run.road}.png`);
}

/** Of a run's maps, the one whose share of attention on road edges is nearest the run's median. */
export class TypicalMap {
  private readonly edge: number[] = [];
  private readonly kept: Array<{ edge: number; width: number; height: number; data: Uint8Array }> = [];

  add(frame: SaliencyFrame, shares: AttentionSummary | null): void {
    if (!shares) return;
    const edge = shares.classes.road_edge.attention_fraction;
    if (this.edge.length % KEEP_EVERY === 0) this.kept.push({ edge, ...frame.overlay, data: frame.overlay.data.slice() });
    this.edge.push(edge);
  }

  /** Writes the typical map as a PNG; false when the run had no map. */
  write(file: string): boolean {
    if (this.kept.length === 0) return false;
    const m = median(this.edge);
    const best = this.kept.reduce((a, b) => (Math.abs(b.edge - m) < Math.abs(a.edge - m) ? b : a));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, encodePng(best.width, best.height, best.data));
    return true;
  }
}

function meanSd(values: number[]): { mean: number; sd: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, sd };
}

export interface ShareOverSeeds {
  /** Mean over seeds of the share of the frame's area. */
  area: number;
  /** Mean and sample standard deviation over seeds of the share of attention. */
  attention: { mean: number; sd: number };
}

/** A model in a condition: attention per class over its seeds (each seed's roads merged, frame-weighted). */
export interface SaliencyCell {
  model: string;
  condition: string;
  seeds: number;
  frames: number;
  classes: Record<PixelClass, ShareOverSeeds>;
  horizon_band: ShareOverSeeds;
}

/** Each policy's (model, seed) attention in one condition, its roads merged. */
function perPolicy(runs: RobustnessRun[]): Array<{ model: string; seed: number; condition: string; attention: AttentionSummary; clean: number }> {
  const measured = runs.filter((r) => r.attention && r.attention.frames > 0);
  const keys = unique(measured.map((r) => `${r.model}\u0000${r.seed}\u0000${r.condition}`));
  return keys.map((key) => {
    const [model, seed, condition] = key.split('\u0000');
    const own = measured.filter((r) => r.model === model && r.seed === Number(seed) && r.condition === condition);
    return { model, seed: Number(seed), condition, attention: mergeAttention(own.map((r) => r.attention!)), clean: own.filter((r) => r.off_road_events === 0).length / own.length };
  });
}

/** Cells in the runs' model order, the training condition first. */
export function summariseAttention(runs: RobustnessRun[]): SaliencyCell[] {
  return byModelAndCondition(perPolicy(runs)).map(({ model, condition, items: mine }) => {
    const over = (pick: (a: AttentionSummary) => AttentionShare): ShareOverSeeds => ({
      area: meanSd(mine.map((p) => pick(p.attention).area_fraction)).mean,
      attention: meanSd(mine.map((p) => pick(p.attention).attention_fraction)),
    });
    return {
      model,
      condition,
      seeds: mine.length,
      frames: mine.reduce((s, p) => s + p.attention.frames, 0),
      classes: Object.fromEntries(PIXEL_CLASSES.map((c) => [c, over((a) => a.classes[c])])) as Record<PixelClass, ShareOverSeeds>,
      horizon_band: over((a) => a.horizon_band),
    };
  });
}

/** Ranks from 1, ties sharing their mean rank. */
function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) out[order[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation (Pearson on tie-averaged ranks); NaN when either side is constant. */
export function spearman(x: number[], y: number[]): number {
  const [rx, ry] = [ranks(x), ranks(y)];
  const mx = meanSd(rx).mean;
  const my = meanSd(ry).mean;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < rx.length; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

export interface AttentionVsRoad {
  /** A condition; 'out of distribution' for all of them together; or the training condition's maps against every out-of-distribution run. */
  scope: string;
  /** Policies (model × seed, per condition) compared. */
  points: number;
  /** ρ against the share of runs that stayed on the road, of the share of attention on road edges… */
  edge: number;
  /** …of that share over the edges' share of the frame (a car that stays on the road keeps more edge in view)… */
  edgeOverArea: number;
  /** …and of the share in the horizon band. */
  horizon: number;
}

/**
 * Does attention on edges (or the horizon) go with staying on the road? Per out-of-distribution
 * condition, over all of them, and — before anything went wrong — the training condition's
 * attention against the share of each policy's out-of-distribution runs that stayed on the road.
 */
export function attentionVsRoad(runs: RobustnessRun[]): AttentionVsRoad[] {
  const policies = perPolicy(runs);
  const ood = policies.filter((p) => p.condition !== TRAINING_CONDITION);
  if (ood.length === 0) return [];
  const row = (scope: string, points: Array<{ attention: AttentionSummary; clean: number }>): AttentionVsRoad => {
    const edge = points.map((p) => p.attention.classes.road_edge);
    const clean = points.map((p) => p.clean);
    return {
      scope,
      points: points.length,
      edge: spearman(edge.map((e) => e.attention_fraction), clean),
      edgeOverArea: spearman(edge.map((e) => (e.area_fraction > 0 ? e.attention_fraction / e.area_fraction : 0)), clean),
      horizon: spearman(points.map((p) => p.attention.horizon_band.attention_fraction), clean),
    };
  };
  const trained = policies
    .filter((p) => p.condition === TRAINING_CONDITION)
    .map((p) => {
      const away = runs.filter((r) => r.model === p.model && r.seed === p.seed && r.condition !== TRAINING_CONDITION);
      return { attention: p.attention, clean: away.filter((r) => r.off_road_events === 0).length / away.length };
    });
  const conditions = unique(ood.map((p) => p.condition));
  return [
    ...conditions.map((c) => row(c, ood.filter((p) => p.condition === c))),
    row('out of distribution', ood),
    ...(trained.length > 0 ? [row(`${TRAINING_CONDITION} maps → all out-of-distribution runs`, trained)] : []),
  ];
}

const pct = (v: number) => (100 * v).toFixed(1);
const rho = (v: number) => (Number.isNaN(v) ? 'n/a' : v.toFixed(2));

/** The Markdown part: attention per model × condition, then attention against staying on the road. */
export function saliencyTable(runs: RobustnessRun[], figure: string | null): string {
  const cells = summariseAttention(runs);
  if (cells.length === 0) return '';
  // Attention, then in brackets the area it is set against: a class's share of the frame varies with where the car drives.
  const share = (s: ShareOverSeeds) => `${pct(s.attention.mean)} ± ${pct(s.attention.sd)} (${pct(s.area)})`;
  const rows = cells.map((c) => {
    const edge = c.classes.road_edge;
    return `| ${c.model} | ${c.condition} | ${share(edge)} | ${(edge.attention.mean / edge.area).toFixed(2)} | ${share(c.classes.road)} | ${share(c.classes.verge)} | ${share(c.classes.sky)} | ${share(c.horizon_band)} |`;
  });
  const vs = attentionVsRoad(runs).map((r) => `| ${r.scope} | ${r.points} | ${rho(r.edge)} | ${rho(r.edgeOverArea)} | ${rho(r.horizon)} |`);
  const models = unique(cells.map((c) => c.model));
  const conditions = unique(cells.map((c) => c.condition));
  return [
    '### Where the policies look (VisualBackProp against the renderer\'s pixel classes)',
    '',
    `Every map of every run in ${conditions.join(', ')}: the share of the map's mass on each class of pixels, per frame, averaged over the frames of a policy's runs; then mean ± standard deviation over the training seeds (in %). ` +
      `Each cell: attention ± sd (the class's share of the frame's area, mean over seeds). Edge ×: attention on road edges over their area (1: no preference). Horizon band: rows within 10 % of the image height of the horizon.`,
    '',
    '| model | condition | road edge | edge × | road | verge | sky | horizon band |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Does attention go with staying on the road? Spearman rank correlation, over policies (model × training seed) in each out-of-distribution condition, of their share of attention on road edges (also divided by the edges\' share of the frame: a car that stays on the road keeps more edge in view), or in the horizon band, against their share of runs without an off-road event; the last row takes each policy\'s attention in the training condition against its share of clean runs in every out-of-distribution condition.',
    '',
    '| condition | policies | ρ (road-edge attention) | ρ (road-edge attention / its area) | ρ (horizon-band attention) |',
    '|---|---|---|---|---|',
    ...vs,
    '',
    ...(figure
      ? [`![typical VisualBackProp maps: rows ${models.join(', ')}; columns ${conditions.join(', ')}](${figure})`, '', `Typical maps, rows ${models.join(', ')}; columns ${conditions.join(', ')}: of each model and condition, the run whose share of attention on road edges is nearest the median over its runs, and of that run the map nearest its own median (the map over the 64×24 frame the policy saw; white-yellow: most attention).`, '']
      : []),
  ].join('\n');
}

/** Gap between tiles (px, black). */
const GAP = 4;

/** The typical maps tiled (rows: models, columns: conditions) as a PNG, from the experiment folder `dir`; null without any. */
export function saliencyFigure(dir: string, runs: RobustnessRun[]): Buffer | null {
  const cells = summariseAttention(runs);
  if (cells.length === 0) return null;
  const models = unique(cells.map((c) => c.model));
  const conditions = unique(cells.map((c) => c.condition));
  const tiles = new Map<string, ReturnType<typeof decodePngRgb>>();
  for (const c of cells) {
    const mine = runs.filter((r) => r.model === c.model && r.condition === c.condition && r.attention && r.attention.frames > 0);
    const m = median(mine.map((r) => r.attention!.classes.road_edge.attention_fraction));
    const best = mine
      .filter((r) => fs.existsSync(path.join(dir, typicalMapFile(r))))
      .sort((a, b) => Math.abs(a.attention!.classes.road_edge.attention_fraction - m) - Math.abs(b.attention!.classes.road_edge.attention_fraction - m))[0];
    if (best) tiles.set(`${c.model}/${c.condition}`, decodePngRgb(fs.readFileSync(path.join(dir, typicalMapFile(best)))));
  }
  const any = [...tiles.values()][0];
  if (!any) return null;
  const width = conditions.length * (any.width + GAP) - GAP;
  const height = models.length * (any.height + GAP) - GAP;
  const rgb = new Uint8Array(width * height * 3);
  models.forEach((model, row) =>
    conditions.forEach((condition, col) => {
      const tile = tiles.get(`${model}/${condition}`);
      if (!tile || tile.width !== any.width || tile.height !== any.height) return;
      for (let y = 0; y < tile.height; y++) {
        const to = ((row * (any.height + GAP) + y) * width + col * (any.width + GAP)) * 3;
        rgb.set(tile.rgb.subarray(y * tile.width * 3, (y + 1) * tile.width * 3), to);
      }
    }),
  );
  return encodePng(width, height, rgb);
}
