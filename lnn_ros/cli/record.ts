/**
 * `lnn-ros record`: records topics into an MCAP bag. Under a sourced ROS 2 it listens on the ROS
 * graph (rclnodejs); without one the only publishers are in this process, so it can record the
 * embedded simulator (`--sim`, driven by its expert) and nothing else.
 */
import { parseArgs } from 'node:util';
import { simRecordedTopics } from '../demo/sim_topics';
import { InputError } from '../errors';
import { Recorder, RecordedTopic } from '../nodes/recorder';
import { Condition } from '../sim/conditions';
import { SimNode } from '../sim/sim_node';
import { InProcessTransport } from '../transport/in_process';
import { RclnodejsTransport } from '../transport/rclnodejs_transport';
import { Transport } from '../transport/types';

const HELP = `usage: lnn-ros record --out DIR --topic /a:pkg/msg/Type [--topic ...] [--duration S] [--use-sim-time]
       lnn-ros record --sim --out DIR [--topic ...] [--duration S] [--seed N] [--condition NAME] [--steering-noise RAD]

Writes the messages of the topics into a rosbag2 MCAP bag (DIR/DIR_0.mcap + metadata.yaml), with
the recorder's clock as log time. Stops after --duration seconds (sim seconds with --sim or
--use-sim-time), or on Ctrl-C.

Without --sim it needs a sourced ROS 2 (AMENT_PREFIX_PATH) and rclnodejs. --sim runs the embedded
simulator in this process, driven by its expert, and records it (all its topics when no --topic
is given): no ROS 2 needed.`;

function parseTopic(spec: string): RecordedTopic {
  const i = spec.indexOf(':');
  if (i <= 0 || i === spec.length - 1) throw new InputError(`record: --topic '${spec}': expected TOPIC:TYPE, e.g. /imu/data:sensor_msgs/msg/Imu`);
  return { topic: spec.slice(0, i), type: spec.slice(i + 1) };
}

/** Calls `stop` on Ctrl-C (so the bag is still closed properly); returns the un-registration. */
function onInterrupt(stop: () => void): () => void {
  process.once('SIGINT', stop);
  return () => process.off('SIGINT', stop);
}

/** Resolves after `seconds` of `now()` time (Infinity: never) or on Ctrl-C. */
function stopAfter(seconds: number, now: () => bigint): Promise<void> {
  return new Promise((resolve) => {
    const end = now() + BigInt(Math.round(Math.min(seconds, 1e9) * 1e9));
    const timer = setInterval(() => now() >= end && done(), 20);
    const release = onInterrupt(() => done());
    const done = () => {
      clearInterval(timer);
      release();
      resolve();
    };
  });
}

export async function run(argv: string[]): Promise<number> {
  // What follows --ros-args (remaps, params files) is for rclnodejs.
  const rosArgs = argv.indexOf('--ros-args');
  const { values } = parseArgs({
    args: rosArgs < 0 ? argv : argv.slice(0, rosArgs),
    options: {
      out: { type: 'string' }, topic: { type: 'string', multiple: true }, duration: { type: 'string' }, 'use-sim-time': { type: 'boolean' },
      sim: { type: 'boolean' }, seed: { type: 'string', default: '1' }, condition: { type: 'string', default: 'summer' }, 'steering-noise': { type: 'string', default: '0.05' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.out) throw new InputError(`record: --out is required\n\n${HELP}`);
  const topics = (values.topic ?? []).map(parseTopic);
  const duration = values.duration === undefined ? Infinity : Number(values.duration);
  if (!(duration > 0)) throw new InputError(`record: --duration must be a positive number of seconds (got ${values.duration})`);
  if (values.sim) {
    const transport = new InProcessTransport();
    const sim = await SimNode.create(transport, {
      seed: Number(values.seed), condition: Condition.named(values.condition!), driver: 'expert',
      steeringNoise: { std: Number(values['steering-noise']), timeConstant: 0.5 },
    });
    const node = await transport.createNode('lnn_recorder', { useSimTime: true });
    const recorder = await Recorder.start(node, values.out, topics.length ? topics : simRecordedTopics(sim));
    const release = onInterrupt(() => sim.stop());
    const summary = await sim.run(duration);
    release();
    const metadata = await recorder.close();
    sim.destroy();
    console.log(`${metadata.messageCount} messages over ${summary.simSeconds.toFixed(1)} sim s → ${recorder.writer.file}`);
    return 0;
  }
  if (!process.env.AMENT_PREFIX_PATH) {
    throw new InputError(
      'record: without a sourced ROS 2 (AMENT_PREFIX_PATH is unset) there are no publishers to record outside this process; ' +
        "source ROS 2 (and 'npm install rclnodejs'), or record the embedded simulator with --sim",
    );
  }
  if (topics.length === 0) throw new InputError(`record: give at least one --topic TOPIC:TYPE\n\n${HELP}`);
  const transport: Transport = await RclnodejsTransport.create(rosArgs < 0 ? [] : argv.slice(rosArgs));
  const node = await transport.createNode('lnn_recorder', { useSimTime: values['use-sim-time'] ?? false });
  const recorder = await Recorder.start(node, values.out, topics);
  transport.spin();
  await stopAfter(duration, () => node.now());
  const metadata = await recorder.close();
  await transport.shutdown();
  console.log(`${metadata.messageCount} messages → ${recorder.writer.file}`);
  return 0;
}
