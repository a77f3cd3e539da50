/**
 * One simulator run on the in-process transport, optionally recorded: builds the simulator,
 * lets the caller attach its nodes (a drive node), records the simulator's topics plus any extra
 * ones into a bag, runs for the given sim time and returns the metrics and the driven path.
 */
import type { StopRequest } from '../event_loop';
import { Recorder, RecordedTopic } from '../nodes/recorder';
import { Condition } from '../sim/conditions';
import { DrivingSummary } from '../sim/metrics';
import { SimNode, SimNodeOptions } from '../sim/sim_node';
import { InProcessTransport } from '../transport/in_process';
import { simRecordedTopics } from './sim_topics';
import { DEMO_EXPERT } from './demo_config';

export interface SimRunOptions {
  seed: number;
  /** Default summer. */
  condition?: Condition;
  driver: 'expert' | 'external';
  /** Sim seconds; default: long enough for `laps` laps at the expert's cruise speed. */
  seconds?: number;
  laps?: number;
  steeringNoise?: SimNodeOptions['steeringNoise'];
  /** Bag directory to record into; none when absent. */
  bag?: string;
  /** Topics recorded besides the simulator's (e.g. what a drive node publishes). */
  extraTopics?: RecordedTopic[];
  /** Called before the run to add nodes; returns their shutdown. */
  attach?: (transport: InProcessTransport, sim: SimNode) => Promise<() => void>;
  /** Ends the run early (after the current step, the bag closed whole) when a stop is requested. */
  stop?: StopRequest;
}

export interface SimRunResult {
  summary: DrivingSummary;
  /** Rear-axle path (world m). */
  path: Array<[number, number]>;
  sim: SimNode;
  wallSeconds: number;
}

/** Sim seconds for `laps` laps of a road of `length` m at the expert's cruise, with 10% to spare. */
export function lapSeconds(length: number, laps: number): number {
  return Math.ceil((1.1 * laps * length) / DEMO_EXPERT.cruiseSpeed!) + 2;
}

export async function runSimulation(options: SimRunOptions): Promise<SimRunResult> {
  const started = performance.now();
  const transport = new InProcessTransport({ log: (level, node, message) => level !== 'debug' && level !== 'info' && process.stderr.write(`[${level}] ${node}: ${message}\n`) });
  const sim = await SimNode.create(transport, {
    seed: options.seed,
    condition: options.condition ?? Condition.named('summer'),
    driver: options.driver,
    commandType: 'twist',
    expert: DEMO_EXPERT,
    steeringNoise: options.steeringNoise,
  });
  const detach = options.attach ? await options.attach(transport, sim) : () => undefined;
  let recorder: Recorder | null = null;
  if (options.bag) {
    const node = await transport.createNode('lnn_recorder', { useSimTime: true });
    recorder = await Recorder.start(node, options.bag, [...simRecordedTopics(sim), ...(options.extraTopics ?? [])]);
  }
  const release = options.stop?.onStop(() => sim.stop());
  try {
    const summary = await sim.run(options.seconds ?? lapSeconds(sim.sim.road.length, options.laps ?? 1));
    return { summary, path: sim.sim.path, sim, wallSeconds: (performance.now() - started) / 1000 };
  } finally {
    release?.();
    detach();
    transport.flush();
    await recorder?.close();
    sim.destroy();
  }
}
