/**
 * The robustness experiment: the demo's recording (summer only) trains each recurrent core with
 * the same encoder, data and epochs; each policy then drives closed-loop on held-out roads under
 * every named condition (night, fog, camera noise, irregular frame rate …). Out: a Markdown table
 * of laps, off-road events and mean |cross-track| per model × condition, and an SVG of the latter.
 *
 * No feed-forward baseline: every policy core here is recurrent (CfC, LTC, LSTM); a CNN without
 * memory would need a policy class the package does not have.
 */
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic';
import { lineChartSvg } from '../io/line_chart';
import { Condition } from '../sim/conditions';
import { DrivingSummary } from '../sim/metrics';
import { driveClosedLoop } from './closed_loop';
import { DEMO_RNN, DemoTraining, describeRnn } from './demo_config';
import { driveTotals, DriveTotals } from './drive_stats';
import { recordExpertBags, trainDemoPolicy } from './pipeline';

/** The recurrent cores compared; the trainer sizes their outputs (LSTM and fully connected CfC get a projection). */
export const ROBUSTNESS_MODELS: Record<string, Record<string, unknown>> = {
  'ncp-cfc': DEMO_RNN,
  cfc: { class: 'CfC', units: 16, backbone_units: 32 },
  ltc: { class: 'LTC', units: { wiring: 'AutoNCP', units: 16, output_size: 2, sparsity_level: 0.5, seed: 22222 } },
  lstm: { class: 'LSTM', units: 16 },
};

export interface RobustnessOptions {
  out: string;
  models: string[];
  conditions: string[];
  trainSeeds: number[];
  recordSeconds: number;
  training: Omit<DemoTraining, 'rnn'>;
  testSeeds: number[];
  /** Sim seconds per closed-loop run. */
  seconds: number;
  log: (line: string) => void;
}

export interface RobustnessCell extends DriveTotals {
  model: string;
  condition: string;
  runs: number;
}

function table(cells: RobustnessCell[], o: RobustnessOptions): string {
  const rows = cells.map((c) => `| ${c.model} | ${c.condition} | ${c.laps_completed} | ${c.off_road_events} | ${c.mean_abs_cross_track_m.toFixed(3)} | ${c.max_abs_cross_track_m.toFixed(2)} |`);
  return [
    `# Robustness: ${o.models.length} models × ${o.conditions.length} conditions`,
    '',
    `Trained on the expert in summer (roads ${o.trainSeeds.join(', ')}, ${o.recordSeconds} s each, ${o.training.epochs} epochs, frames ${o.training.image.width}×${o.training.image.height}); ` +
      `each cell sums ${o.testSeeds.length} held-out road(s) (${o.testSeeds.join(', ')}) of ${o.seconds} sim s.`,
    '',
    '| model | condition | laps | off-road events | mean abs cross-track (m) | max abs cross-track (m) |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

export async function runRobustness(o: RobustnessOptions): Promise<RobustnessCell[]> {
  for (const m of o.models) if (!ROBUSTNESS_MODELS[m]) throw new Error(`unknown model '${m}' (have ${Object.keys(ROBUSTNESS_MODELS).join(', ')})`);
  const conditions = o.conditions.map((name) => Condition.named(name));
  const { bags } = await recordExpertBags(path.join(o.out, 'bags'), o.trainSeeds, o.recordSeconds, o.log);
  const cells: RobustnessCell[] = [];
  for (const model of o.models) {
    const rnn = ROBUSTNESS_MODELS[model];
    const policy = path.join(o.out, 'policies', model);
    await trainDemoPolicy(bags, policy, { ...o.training, rnn }, o.log);
    for (const condition of conditions) {
      const runs: DrivingSummary[] = [];
      for (const seed of o.testSeeds) runs.push((await driveClosedLoop(policy, { seed, condition, seconds: o.seconds })).summary);
      const cell = { model, condition: condition.name, runs: runs.length, ...driveTotals(runs) };
      cells.push(cell);
      o.log(`[c] ${model} (${describeRnn(rnn)}) in ${condition.name}: ${cell.laps_completed} laps, ${cell.off_road_events} off-road, mean |cross-track| ${cell.mean_abs_cross_track_m.toFixed(3)} m`);
    }
  }
  writeFileAtomic(path.join(o.out, 'table.md'), table(cells, o));
  writeFileAtomic(path.join(o.out, 'results.json'), JSON.stringify(cells, null, 1));
  writeFileAtomic(
    path.join(o.out, 'cross_track.svg'),
    lineChartSvg({
      title: `mean |cross-track| by condition (${o.conditions.map((c, i) => `${i}=${c}`).join(', ')})`,
      xLabel: 'condition',
      yLabel: 'mean |cross-track| (m)',
      series: o.models.map((model) => ({ name: model, points: cells.filter((c) => c.model === model).map((c, i) => [i, c.mean_abs_cross_track_m] as [number, number]) })),
      width: 900,
    }),
  );
  return cells;
}
