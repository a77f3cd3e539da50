/**
 * The robustness experiment: the demo's recording (summer only) trains each policy core with the
 * same encoder, data and epochs, once per training seed; each policy then drives closed-loop on
 * held-out roads under every named condition (night, fog, camera noise, irregular frame rate …),
 * and in the saliency conditions also measures where it looks (robustness_saliency.ts).
 * Every run goes into results.json, rendered as the report (robustness_report.ts) after each
 * policy, so that an interrupted experiment keeps what it measured. The output is built beside
 * `out` and renamed into place when done or stopped (pipeline.ts's runInStage).
 */
import * as path from 'node:path';
import { Stopped } from '../errors';
import type { StopRequest } from '../event_loop';
import { entriesKind } from '../io/output';
import { Condition } from '../sim/conditions';
import { DrivingSummary } from '../sim/metrics';
import { driveClosedLoop } from './closed_loop';
import { describeRnn } from './demo_config';
import { driveTotals, round } from './drive_stats';
import { recordExpertBags, RunControl, runInStage, trainDemoPolicy } from './pipeline';
import { RobustnessResults, RobustnessRun, RobustnessSetup, writeRobustnessReport } from './robustness_report';
import { ROBUSTNESS_MODELS } from './robustness_models';
import { TypicalMap, typicalMapFile } from './robustness_saliency';

export interface RobustnessOptions extends RobustnessSetup {
  out: string;
  /** The command line, for the report. */
  command: string;
  log: (line: string) => void;
}

/** An experiment's folder: only the entries it writes (an interrupted one may lack some). */
export const ROBUSTNESS_OUTPUT = entriesKind(
  'a robustness experiment',
  /^(bags|policies|saliency|results\.json|table\.md|off_road\.svg|cross_track\.svg|saliency_maps\.png)$/,
  'entries other than bags/, policies/, saliency/, results.json, table.md, the two charts and saliency_maps.png',
);

/** Runs the experiment into `o.out`; stopped, it keeps the runs measured so far with their report. */
export async function runRobustness(o: RobustnessOptions, control: RunControl = {}): Promise<RobustnessResults> {
  for (const m of o.models) if (!ROBUSTNESS_MODELS[m]) throw new Error(`unknown model '${m}' (have ${Object.keys(ROBUSTNESS_MODELS).join(', ')})`);
  if (o.seeds.length === 0) throw new Error('no training seeds');
  for (const c of o.saliency?.conditions ?? []) if (!o.conditions.includes(c)) throw new Error(`saliency condition '${c}' is not one of the experiment's conditions (${o.conditions.join(', ')})`);
  return runInStage(o.out, ROBUSTNESS_OUTPUT, { ...control, log: o.log }, (stage, log) => experimentIn(stage, o, log, control.stop));
}

async function experimentIn(out: string, o: RobustnessOptions, log: (line: string) => void, stop: StopRequest | undefined): Promise<RobustnessResults> {
  const started = performance.now();
  const conditions = o.conditions.map((name) => Condition.named(name));
  const { out: _target, command, log: _log, ...setup } = o;
  const results: RobustnessResults = { command, setup, wall_seconds: null, runs: [] };
  const { bags } = await recordExpertBags(path.join(out, 'bags'), o.trainRoads, o.recordSeconds, log, stop);
  for (const model of o.models) {
    const rnn = ROBUSTNESS_MODELS[model];
    for (const seed of o.seeds) {
      const policy = path.join(out, 'policies', model, `seed_${seed}`);
      await trainDemoPolicy(bags, policy, { ...o.training, rnn, seed }, log, stop);
      for (const condition of conditions) {
        const summaries: DrivingSummary[] = [];
        const measured = o.saliency?.conditions.includes(condition.name) ?? false;
        for (const road of o.testRoads) {
          const typical = new TypicalMap();
          const saliency = measured ? { method: o.saliency!.method, onFrame: typical.add.bind(typical) } : undefined;
          const { summary, attention } = await driveClosedLoop(policy, { seed: road, condition, laps: o.laps, seconds: o.seconds, stop, saliency });
          if (stop?.requested) {
            // A stopped run is shorter than asked: left out, the report holds only whole runs.
            writeRobustnessReport(out, results);
            throw new Stopped('');
          }
          summaries.push(summary);
          const run: RobustnessRun = { model, seed, condition: condition.name, road, ...driveTotals([summary]), ...(attention ? { attention } : {}) };
          if (measured) typical.write(path.join(out, typicalMapFile(run)));
          results.runs.push(run);
        }
        const t = driveTotals(summaries);
        log(`[c] ${model} seed ${seed} (${describeRnn(rnn)}) in ${condition.name}: ${t.laps_completed} laps, ${t.off_road_events} off-road (${round(t.off_road_seconds, 1)} s), mean |cross-track| ${t.mean_abs_cross_track_m.toFixed(3)} m`);
      }
      writeRobustnessReport(out, results);
    }
  }
  results.wall_seconds = round((performance.now() - started) / 1000, 1);
  writeRobustnessReport(out, results);
  return results;
}
