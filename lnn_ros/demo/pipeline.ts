/**
 * The end-to-end demo: (a) record the expert driving with steering noise on some roads, (b) train
 * the CNN + NCP-wired CfC policy on those bags, (c) drive it closed-loop through drive_node on
 * held-out roads, recording those runs, (d) summary.json and a track plot. With a pretrained
 * policy, (a) and (b) are skipped. The whole output is built beside `out` and renamed into place.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stopped } from '../errors';
import type { StopRequest } from '../event_loop';
import { writeFileAtomic } from '../io/atomic';
import { entriesKind, Output, OutputKind } from '../io/output';
import { trackPlotSvg } from '../sim/track_plot';
import { PolicyTrainingResult, trainPolicy } from '../train/policy_trainer';
import { driveClosedLoop } from './closed_loop';
import { DEMO_RNN, DEMO_STEERING_NOISE, DEMO_TRAINING, demoTrainConfig, DemoTraining, describeRnn } from './demo_config';
import { driveTotals, percentile, round } from './drive_stats';
import { runSimulation } from './sim_run';

/** How a long run is controlled from outside. */
export interface RunControl {
  /** Replace an earlier output of the same kind at `out` (anything else there is never replaced). */
  overwrite?: boolean;
  /** Stops after the current lap, epoch or recording; what is complete is kept (see `runInStage`). */
  stop?: StopRequest;
}

export interface DemoOptions extends RunControl {
  /** Output folder (results/demo). */
  out: string;
  /** Use this policy directory instead of recording and training. */
  pretrained: string | null;
  /** Roads (seeds) the expert is recorded on, and for how long each (sim s). */
  trainSeeds: number[];
  recordSeconds: number;
  /** Held-out roads the policy drives, and how many laps on each. */
  testSeeds: number[];
  laps: number;
  training: DemoTraining;
  log: (line: string) => void;
}

export const DEFAULT_DEMO: Omit<DemoOptions, 'out' | 'pretrained' | 'log' | 'overwrite' | 'stop'> = {
  trainSeeds: [1, 2, 3, 4, 5, 6, 7, 8],
  recordSeconds: 60,
  testSeeds: [101, 102, 103],
  laps: 2,
  training: DEMO_TRAINING,
};

/** A demo output: only the entries the demo writes (an interrupted demo may have written some). */
export const DEMO_OUTPUT = entriesKind('a demo output', /^(bags|policy|closed_loop|summary\.json|track(_\d+)?\.svg)$/, 'entries other than bags/, policy/, closed_loop/, summary.json, track*.svg');

/** Throws Stopped when a stop was requested (between two units of the demo's work). */
function checkStop(stop: StopRequest | undefined): void {
  if (stop?.requested) throw new Stopped('');
}

/**
 * Claims `out` (before any work), runs `work` in a directory beside it and renames that into
 * place when done. Stopped on request, it still publishes what is complete (bags and policies are
 * closed whole) when there is any; otherwise `out` keeps its previous state. Paths in log lines
 * name `out`, not the directory being built.
 */
export async function runInStage<T>(
  out: string,
  kind: OutputKind,
  o: RunControl & { inputs?: string[]; log: (line: string) => void },
  work: (stage: string, log: (line: string) => void) => Promise<T>,
): Promise<T> {
  const output = Output.claim(out, kind, { replace: o.overwrite, inputs: o.inputs });
  const stage = output.stage();
  const log = (line: string) => o.log(line.split(stage).join(out));
  try {
    const result = await work(stage, log);
    output.commit();
    return result;
  } catch (e) {
    const kept = fs.readdirSync(stage);
    if (!(e instanceof Stopped) || kept.length === 0) {
      output.discard();
      if (e instanceof Stopped) throw new Stopped(`nothing was complete; ${out} is as it was`);
      throw e;
    }
    output.commit();
    throw new Stopped(`kept ${out} with what was complete (${kept.sort().join(', ')}; a stopped recording is a shorter, complete bag)`);
  }
}

/** Records the expert with steering noise on each road into `dir/seed_N`; returns the bags and their total sim seconds. */
export async function recordExpertBags(dir: string, seeds: number[], seconds: number, log: (line: string) => void, stop?: StopRequest): Promise<{ bags: string[]; simSeconds: number }> {
  const bags: string[] = [];
  let simSeconds = 0;
  for (const [i, seed] of seeds.entries()) {
    checkStop(stop);
    const bag = path.join(dir, `seed_${seed}`);
    const run = await runSimulation({ seed, driver: 'expert', seconds, steeringNoise: DEMO_STEERING_NOISE, bag, stop });
    bags.push(bag);
    simSeconds += run.summary.simSeconds;
    log(`[a] recorded the expert on road ${seed} (${i + 1}/${seeds.length}): ${run.summary.simSeconds} sim s, mean |cross-track| ${run.summary.meanAbsCrossTrack.toFixed(2)} m, ${run.wallSeconds.toFixed(1)} s → ${bag}`);
  }
  checkStop(stop);
  return { bags, simSeconds };
}

/** Trains the demo's policy on `bags` into `output` (a new directory), logging each epoch. */
export async function trainDemoPolicy(bags: string[], output: string, training: DemoTraining, log: (line: string) => void, stop?: StopRequest): Promise<PolicyTrainingResult> {
  log(`[b] training CNN + ${describeRnn(training.rnn ?? DEMO_RNN)} on ${bags.length} bags (${training.epochs} epochs, frames ${training.image.width}×${training.image.height})`);
  const result = await trainPolicy(demoTrainConfig(bags, output, training), {
    progress: null,
    log: (line) => log(`    ${line}`),
    onEpoch: (e, total) => log(`[b] epoch ${e.epoch}/${total}: train loss ${e.train_loss.toFixed(4)}, val_mse ${e.val_mse.toFixed(5)} (${e.seconds.toFixed(0)} s)`),
    shouldStop: () => stop?.requested ?? false,
  });
  log(`[b] val_mse ${result.val_mse.toFixed(5)} vs baseline_mse ${result.baseline_mse.toFixed(5)} (best epoch ${result.best_epoch}) → ${output}`);
  return result;
}

async function recordAndTrain(out: string, o: DemoOptions, log: (line: string) => void): Promise<{ policy: string; training: PolicyTrainingResult; recordSimSeconds: number }> {
  const { bags, simSeconds } = await recordExpertBags(path.join(out, 'bags'), o.trainSeeds, o.recordSeconds, log, o.stop);
  const policy = path.join(out, 'policy');
  return { policy, training: await trainDemoPolicy(bags, policy, o.training, log, o.stop), recordSimSeconds: simSeconds };
}

/** Runs the demo into `o.out` (see runInStage); returns the summary written to `out/summary.json`. */
export async function runDemo(o: DemoOptions): Promise<Record<string, unknown>> {
  return runInStage(o.out, DEMO_OUTPUT, { overwrite: o.overwrite, inputs: o.pretrained ? [o.pretrained] : [], log: o.log }, (stage, log) => demoIn(stage, o, log));
}

async function demoIn(out: string, o: DemoOptions, log: (line: string) => void): Promise<Record<string, unknown>> {
  const started = performance.now();
  const trained = o.pretrained ? null : await recordAndTrain(out, o, log);
  const policy = o.pretrained ?? trained!.policy;
  const closedDir = path.join(out, 'closed_loop');
  const roads = [];
  const latencies: number[] = [];
  for (const seed of o.testSeeds) {
    checkStop(o.stop);
    const run = await driveClosedLoop(policy, { seed, laps: o.laps, bag: path.join(closedDir, `seed_${seed}`), stop: o.stop });
    checkStop(o.stop);
    const s = run.summary;
    latencies.push(...run.latenciesMs);
    log(`[c] policy on held-out road ${seed}: ${s.laps} lap(s), ${s.offRoadEvents} off-road, mean |cross-track| ${s.meanAbsCrossTrack.toFixed(2)} m (max ${s.maxAbsCrossTrack.toFixed(2)}), ${s.simSeconds.toFixed(0)} sim s in ${run.wallSeconds.toFixed(1)} s`);
    // The expert on the same road without noise, for the plot and as the reference.
    const expert = await runSimulation({ seed, driver: 'expert', seconds: s.simSeconds });
    const road = run.sim.sim.road;
    const svg = trackPlotSvg(road, [{ name: 'expert', points: expert.path }, { name: `policy (${path.basename(policy)})`, points: run.path }], { title: `held-out road ${seed}: ${s.laps} lap(s), ${s.offRoadEvents} off-road events` });
    writeFileAtomic(path.join(out, roads.length === 0 ? 'track.svg' : `track_${seed}.svg`), svg);
    roads.push({ seed, road_length_m: round(road.length, 1), summary: s, expert_mean_abs_cross_track_m: round(expert.summary.meanAbsCrossTrack) });
  }
  const totals = driveTotals(roads.map((r) => r.summary));
  const summary = {
    laps_completed: totals.laps_completed,
    off_road_events: totals.off_road_events,
    mean_abs_cross_track_m: round(totals.mean_abs_cross_track_m),
    max_abs_cross_track_m: round(totals.max_abs_cross_track_m),
    inference_latency_ms: { p50: round(percentile(latencies, 0.5)), p99: round(percentile(latencies, 0.99)) },
    sim_seconds: round(totals.sim_seconds, 2),
    wall_seconds: round((performance.now() - started) / 1000, 1),
    policy: path.relative(process.cwd(), o.pretrained ?? path.join(o.out, 'policy')),
    pretrained: o.pretrained !== null,
    roads: roads.map((r) => ({
      seed: r.seed, road_length_m: r.road_length_m, laps: r.summary.laps, off_road_events: r.summary.offRoadEvents,
      mean_abs_cross_track_m: round(r.summary.meanAbsCrossTrack), max_abs_cross_track_m: round(r.summary.maxAbsCrossTrack),
      expert_mean_abs_cross_track_m: r.expert_mean_abs_cross_track_m, sim_seconds: round(r.summary.simSeconds, 2),
    })),
    training: trained && {
      train_seeds: o.trainSeeds, record_sim_seconds: trained.recordSimSeconds, image: o.training.image, epochs: o.training.epochs,
      val_mse: round(trained.training.val_mse, 5), baseline_mse: round(trained.training.baseline_mse, 5), best_epoch: trained.training.best_epoch,
      windows: trained.training.windows, wall_seconds: round(trained.training.wall_seconds, 1),
    },
  };
  writeFileAtomic(path.join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}
