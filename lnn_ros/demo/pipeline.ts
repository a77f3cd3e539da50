/**
 * The end-to-end demo: (a) record the expert driving with steering noise on some roads, (b) train
 * the CNN + NCP-wired CfC policy on those bags, (c) drive it closed-loop through drive_node on
 * held-out roads, recording those runs, (d) summary.json and a track plot. With a pretrained
 * policy, (a) and (b) are skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic';
import { trackPlotSvg } from '../sim/track_plot';
import { PolicyTrainingResult, trainPolicy } from '../train/policy_trainer';
import { driveClosedLoop } from './closed_loop';
import { DEMO_RNN, DEMO_STEERING_NOISE, DEMO_TRAINING, demoTrainConfig, DemoTraining, describeRnn } from './demo_config';
import { driveTotals, percentile, round } from './drive_stats';
import { runSimulation } from './sim_run';

export interface DemoOptions {
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

export const DEFAULT_DEMO: Omit<DemoOptions, 'out' | 'pretrained' | 'log'> = {
  trainSeeds: [1, 2, 3, 4, 5, 6, 7, 8],
  recordSeconds: 60,
  testSeeds: [101, 102, 103],
  laps: 2,
  training: DEMO_TRAINING,
};

/** The demo's own subfolders are replaced on every run (bag writers refuse to overwrite). */
function freshDir(dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  return dir;
}

/** Records the expert with steering noise on each road into `dir/seed_N`; returns the bags and their total sim seconds. */
export async function recordExpertBags(dir: string, seeds: number[], seconds: number, log: (line: string) => void): Promise<{ bags: string[]; simSeconds: number }> {
  freshDir(dir);
  const bags: string[] = [];
  let simSeconds = 0;
  for (const [i, seed] of seeds.entries()) {
    const bag = path.join(dir, `seed_${seed}`);
    const run = await runSimulation({ seed, driver: 'expert', seconds, steeringNoise: DEMO_STEERING_NOISE, bag });
    bags.push(bag);
    simSeconds += run.summary.simSeconds;
    log(`[a] recorded the expert on road ${seed} (${i + 1}/${seeds.length}): ${run.summary.simSeconds} sim s, mean |cross-track| ${run.summary.meanAbsCrossTrack.toFixed(2)} m, ${run.wallSeconds.toFixed(1)} s → ${bag}`);
  }
  return { bags, simSeconds };
}

/** Trains the demo's policy on `bags` into `output` (replaced), logging each epoch. */
export async function trainDemoPolicy(bags: string[], output: string, training: DemoTraining, log: (line: string) => void): Promise<PolicyTrainingResult> {
  freshDir(output);
  log(`[b] training CNN + ${describeRnn(training.rnn ?? DEMO_RNN)} on ${bags.length} bags (${training.epochs} epochs, frames ${training.image.width}×${training.image.height})`);
  const result = await trainPolicy(demoTrainConfig(bags, output, training), {
    progress: null,
    log: (line) => log(`    ${line}`),
    onEpoch: (e, total) => log(`[b] epoch ${e.epoch}/${total}: train loss ${e.train_loss.toFixed(4)}, val_mse ${e.val_mse.toFixed(5)} (${e.seconds.toFixed(0)} s)`),
  });
  log(`[b] val_mse ${result.val_mse.toFixed(5)} vs baseline_mse ${result.baseline_mse.toFixed(5)} (best epoch ${result.best_epoch}) → ${output}`);
  return result;
}

async function recordAndTrain(o: DemoOptions): Promise<{ policy: string; training: PolicyTrainingResult; recordSimSeconds: number }> {
  const { bags, simSeconds } = await recordExpertBags(path.join(o.out, 'bags'), o.trainSeeds, o.recordSeconds, o.log);
  const policy = path.join(o.out, 'policy');
  return { policy, training: await trainDemoPolicy(bags, policy, o.training, o.log), recordSimSeconds: simSeconds };
}

/** Runs the demo; returns the summary written to `out/summary.json`. */
export async function runDemo(o: DemoOptions): Promise<Record<string, unknown>> {
  const started = performance.now();
  fs.mkdirSync(o.out, { recursive: true });
  const trained = o.pretrained ? null : await recordAndTrain(o);
  const policy = o.pretrained ?? trained!.policy;
  const closedDir = freshDir(path.join(o.out, 'closed_loop'));
  const roads = [];
  const latencies: number[] = [];
  for (const seed of o.testSeeds) {
    const run = await driveClosedLoop(policy, { seed, laps: o.laps, bag: path.join(closedDir, `seed_${seed}`) });
    const s = run.summary;
    latencies.push(...run.latenciesMs);
    o.log(`[c] policy on held-out road ${seed}: ${s.laps} lap(s), ${s.offRoadEvents} off-road, mean |cross-track| ${s.meanAbsCrossTrack.toFixed(2)} m (max ${s.maxAbsCrossTrack.toFixed(2)}), ${s.simSeconds.toFixed(0)} sim s in ${run.wallSeconds.toFixed(1)} s`);
    // The expert on the same road without noise, for the plot and as the reference.
    const expert = await runSimulation({ seed, driver: 'expert', seconds: s.simSeconds });
    const road = run.sim.sim.road;
    const svg = trackPlotSvg(road, [{ name: 'expert', points: expert.path }, { name: `policy (${path.basename(policy)})`, points: run.path }], { title: `held-out road ${seed}: ${s.laps} lap(s), ${s.offRoadEvents} off-road events` });
    writeFileAtomic(path.join(o.out, roads.length === 0 ? 'track.svg' : `track_${seed}.svg`), svg);
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
    policy: path.relative(process.cwd(), policy) || policy,
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
  writeFileAtomic(path.join(o.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}
