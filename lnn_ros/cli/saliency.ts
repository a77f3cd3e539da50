/**
 * `lnn-ros saliency`: where a policy looks, frame by frame. The frames go through drive_node as
 * on the robot — replayed from a bag, or closed-loop in the embedded simulator — and each camera
 * step's saliency map is written over the frame the policy saw (PNG per frame and one animated
 * PNG). In the simulator, whose renderer knows what every pixel shows, the map's mass is also
 * measured per class of pixels (road edges, road, verge, sky) and in a band around the horizon.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { driveClosedLoop, EVERY_FRAME } from '../demo/closed_loop';
import { round } from '../demo/drive_stats';
import { InputError } from '../errors';
import { ApngWriter, encodePng } from '../io/png';
import { directoryKind, Output } from '../io/output';
import { BACKEND_NAMES, initBackend } from '../kernels/backend';
import { SALIENCY_METHODS, SaliencyMethod } from '../model/saliency';
import { DriveNode, SaliencyFrame } from '../nodes/drive_node';
import { AttentionSummary } from '../sim/attention';
import { Condition } from '../sim/conditions';
import { InProcessTransport } from '../transport/in_process';
import { option, parseCommandLine } from './args';
import { policyTopics, replayBag } from './bag_replay';
import { Interrupt } from './interrupt';

const HELP = `usage: lnn-ros saliency --policy DIR (--bag BAG | --sim [--condition NAME] [--road N] [--seconds S]) --out OUT
         [--method ${SALIENCY_METHODS.join('|')}] [--backend ${BACKEND_NAMES.join('|')}] [--overwrite]

Runs the policy through drive_node — on a bag's frames and IMU (replayed as on the robot,
stepping on frames as config/drive.yaml does), or
driving the embedded simulator closed-loop (--sim: road --road, default 101, for --seconds of sim
time, default 20, under --condition, default summer) — and writes, for every camera step, the
saliency map over the frame the policy saw: OUT/frames/NNNNNN.png, all of them as one animated
PNG OUT/animation.png (opens in a browser), and OUT/saliency.json. With --sim, saliency.json
also holds, per class of pixels (road_edge, road, verge, sky) and for the band around the
horizon, the share of the frame's area and of the map's mass, averaged over frames.
--method visual_backprop (default): from the encoder's own activations, cheap; gradient:
|d steering / d pixel| through the encoder and one step of the recurrent core.
OUT must be new or empty; --overwrite replaces an earlier saliency output. Ctrl-C (SIGINT) or
SIGTERM stops after the current frame and keeps the frames so far (exit 130 / 143).`;

/** A saliency output, recognised by its saliency.json. */
const SALIENCY_OUTPUT = directoryKind('a saliency output', ['saliency.json']);
const DEFAULT_SIM = { road: 101, seconds: 20, condition: 'summer' };
/** The animation's delay for its first frame, and for frames whose stamps do not advance (ms). */
const DEFAULT_DELAY_MS = 50;

/** Writes each map's overlay as a PNG of its own and as a frame of the animation. */
class FrameWriter {
  frames = 0;
  private readonly animation: ApngWriter;
  private lastStamp: bigint | null = null;

  constructor(private readonly dir: string) {
    fs.mkdirSync(path.join(dir, 'frames'));
    this.animation = new ApngWriter(path.join(dir, 'animation.png'));
  }

  add(frame: SaliencyFrame): void {
    const { width, height, data } = frame.overlay;
    fs.writeFileSync(path.join(this.dir, 'frames', `${String(this.frames).padStart(6, '0')}.png`), encodePng(width, height, data));
    const delayMs = this.lastStamp === null ? 0 : Number(frame.stamp - this.lastStamp) / 1e6;
    this.animation.addFrame(width, height, data, delayMs > 0 ? delayMs : DEFAULT_DELAY_MS);
    this.lastStamp = frame.stamp;
    this.frames++;
  }

  /** Finishes the animation (or, without frames, leaves its unfinished file to be discarded). */
  close(): void {
    if (this.frames > 0) this.animation.close();
    else this.animation.abandon();
  }
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, {
    command: 'saliency',
    usage: HELP,
    options: {
      policy: option.string('DIR').required(),
      bag: option.string('BAG'),
      sim: option.flag(),
      condition: option.string('NAME'),
      road: option.int({ min: 0 }),
      seconds: option.number({ min: 0, minExclusive: true, unit: 'seconds' }),
      out: option.string('DIR').required(),
      method: option.oneOf(SALIENCY_METHODS).default('visual_backprop'),
      backend: option.oneOf(BACKEND_NAMES),
      overwrite: option.flag(),
    },
  });
  if (!args) return 0;
  const v = args.values;
  if ((v.bag === undefined) === !v.sim) throw new InputError('give either --bag BAG or --sim');
  if (v.bag !== undefined && (v.condition ?? v.road ?? v.seconds) !== undefined) throw new InputError('--condition, --road and --seconds go with --sim, not --bag');
  const condition = v.sim ? Condition.named(v.condition ?? DEFAULT_SIM.condition) : null;
  const output = Output.claim(v.out, SALIENCY_OUTPUT, { replace: v.overwrite, inputs: [v.policy, ...(v.bag ? [v.bag] : [])] });
  await initBackend(v.backend, () => undefined);
  const interrupt = Interrupt.watch();
  const stage = output.stage();
  const writer = new FrameWriter(stage);
  let report: Record<string, unknown>;
  const common = { policy: v.policy, method: v.method };
  try {
    if (condition) {
      const sim = { condition: condition.name, road: v.road ?? DEFAULT_SIM.road, seconds: v.seconds ?? DEFAULT_SIM.seconds };
      const run = await driveClosedLoop(path.resolve(v.policy), { seed: sim.road, condition, seconds: sim.seconds, stop: interrupt, saliency: { method: v.method, onFrame: (f) => writer.add(f) } });
      const s = run.summary;
      report = {
        ...common,
        sim,
        ...attentionReport(run.attention!),
        driving: { laps: s.laps, off_road_events: s.offRoadEvents, mean_abs_cross_track_m: round(s.meanAbsCrossTrack), sim_seconds: round(s.simSeconds, 2) },
      };
    } else {
      await replayThroughDriveNode(v.policy, v.bag!, v.method, writer, interrupt);
      // A bag has no ground truth of what its pixels show.
      report = { ...common, bag: v.bag, classes: null, horizon_band: null };
    }
  } catch (e) {
    writer.close();
    output.discard();
    throw e;
  }
  writer.close();
  if (writer.frames === 0) {
    output.discard();
    throw new InputError(`no saliency map: the policy took no camera step${v.bag ? ` on ${v.bag} (does it hold the policy's input topics: ${policyTopics(v.policy).inputs.map((i) => i.topic).join(', ')}?)` : ''}`);
  }
  fs.writeFileSync(path.join(stage, 'saliency.json'), JSON.stringify({ frames: writer.frames, complete: !interrupt.requested, ...report }, null, 1) + '\n');
  output.commit();
  console.log(`${writer.frames} saliency maps → ${path.join(v.out, 'frames')}/, ${path.join(v.out, 'animation.png')}, ${path.join(v.out, 'saliency.json')}`);
  return interrupt.requested ? interrupt.reportStop('saliency', `kept ${v.out} with the ${writer.frames} frames so far`) : 0;
}

/** saliency.json's attention part: `frames` there counts every map, `attention_frames` those with mass. */
function attentionReport(a: AttentionSummary): Record<string, unknown> {
  const share = (s: { area_fraction: number; attention_fraction: number }) => ({ area_fraction: round(s.area_fraction, 4), attention_fraction: round(s.attention_fraction, 4) });
  return {
    attention_frames: a.frames,
    classes: Object.fromEntries(Object.entries(a.classes).map(([k, s]) => [k, share(s)])),
    horizon_band: share(a.horizon_band),
  };
}

/**
 * The bag's policy inputs through drive_node, replayed as `eval` does, stepping on camera frames
 * as the shipped config/drive.yaml does (the IMU averaged between them), with a map at every step.
 */
async function replayThroughDriveNode(policy: string, bag: string, method: SaliencyMethod, writer: FrameWriter, interrupt: Interrupt): Promise<void> {
  const { inputs } = policyTopics(policy);
  const transport = new InProcessTransport({ log: () => undefined });
  const params = { use_sim_time: true, policy: path.resolve(policy), step_on: 'camera', policy_state: { rate: 0 }, watchdog: { timeout: 1e6, period: 1e3 }, saliency: { rate: EVERY_FRAME, method } };
  const drive = await DriveNode.start(transport, { params }, { onSaliency: (f) => writer.add(f) });
  try {
    await replayBag(transport, bag, inputs, { interrupt });
  } finally {
    drive.stop();
  }
}
