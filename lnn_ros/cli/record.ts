/**
 * `lnn-ros record`: records topics into an MCAP bag. Under a sourced ROS 2 it listens on the ROS
 * graph (rclnodejs); without one the only publishers are in this process, so it can record the
 * embedded simulator (`--sim`, driven by its expert) and nothing else.
 */
import { bagOutputKind } from '../bag/mcap_writer';
import { DEMO_EXPERT, DEMO_STEERING_NOISE } from '../demo/demo_config';
import { simRecordedTopics } from '../demo/sim_topics';
import { InputError } from '../errors';
import { Output } from '../io/output';
import { Recorder, RecordedTopic } from '../nodes/recorder';
import { Condition } from '../sim/conditions';
import { SimNode } from '../sim/sim_node';
import { InProcessTransport } from '../transport/in_process';
import { RclnodejsTransport } from '../transport/rclnodejs_transport';
import { Transport } from '../transport/types';
import { Option, option, parseCommandLine } from './args';
import { Interrupt } from './interrupt';

const HELP = `usage: lnn-ros record --out DIR --topic /a:pkg/msg/Type [--topic ...] [--duration S] [--use-sim-time] [--ros-args ...]
       lnn-ros record --sim --out DIR [--topic ...] [--duration S] [--seed N] [--condition NAME] [--steering-noise RAD]

Writes the messages of the topics into a rosbag2 MCAP bag (DIR/DIR_0.mcap + metadata.yaml), with
the recorder's clock as log time. DIR must be new or empty (a recording never replaces anything).
Stops after --duration seconds (sim seconds with --sim or --use-sim-time), or on Ctrl-C (SIGINT)
or SIGTERM, closing the bag as a complete, readable bag either way, as 'ros2 bag record' does.
Without --duration the signal is how a recording ends (exit 0); a --duration recording cut short
by it exits 130 / 143.

Without --sim it needs a sourced ROS 2 (AMENT_PREFIX_PATH) and rclnodejs. --sim runs the embedded
simulator in this process, driven by its expert, and records it (all its topics when no --topic
is given): no ROS 2 needed.`;

/** `--topic /imu/data:sensor_msgs/msg/Imu`. */
const topicOption = Option.of('a TOPIC:TYPE such as /imu/data:sensor_msgs/msg/Imu', (spec): RecordedTopic | undefined => {
  const i = spec.indexOf(':');
  return i <= 0 || i === spec.length - 1 ? undefined : { topic: spec.slice(0, i), type: spec.slice(i + 1) };
});

/** Resolves after `seconds` of `now()` time (Infinity: never) or when a stop is requested. */
function stopAfter(seconds: number, now: () => bigint, interrupt: Interrupt): Promise<void> {
  return new Promise((resolve) => {
    const end = now() + BigInt(Math.round(Math.min(seconds, 1e9) * 1e9));
    const timer = setInterval(() => now() >= end && done(), 20);
    const release = interrupt.onStop(() => done());
    const done = () => {
      clearInterval(timer);
      release();
      resolve();
    };
  });
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, {
    command: 'record',
    usage: HELP,
    options: {
      out: option.string('DIR').required(),
      topic: topicOption.repeatable(),
      duration: option.number({ min: 0, minExclusive: true, unit: 'seconds' }).default(Infinity),
      'use-sim-time': option.flag(),
      sim: option.flag(),
      seed: option.int({ min: 0 }).default(1),
      condition: option.oneOf(Condition.names()).default('summer'),
      'steering-noise': option.number({ min: 0, unit: 'radians' }).default(DEMO_STEERING_NOISE.std),
    },
    // What follows --ros-args (remaps, params files) is for rclnodejs.
    rosArgs: true,
  });
  if (!args) return 0;
  const { values } = args;
  const topics = values.topic;
  const duration = values.duration;
  if (!values.sim) {
    if (!process.env.AMENT_PREFIX_PATH) {
      throw new InputError(
        'record: without a sourced ROS 2 (AMENT_PREFIX_PATH is unset) there are no publishers to record outside this process; ' +
          "source ROS 2 (and 'npm install rclnodejs'), or record the embedded simulator with --sim",
      );
    }
    if (topics.length === 0) throw new InputError(`record: give at least one --topic TOPIC:TYPE\n\n${HELP}`);
  }
  // A recording is written in place, as rosbag2 does: a killed recorder still leaves its complete chunks.
  const out = Output.claim(values.out, bagOutputKind(values.out));
  const interrupt = Interrupt.watch();
  let recorder: Recorder;
  let simSeconds: number | undefined;
  if (values.sim) {
    const transport = new InProcessTransport();
    const sim = await SimNode.create(transport, {
      seed: values.seed, condition: Condition.named(values.condition), driver: 'expert',
      // The demo's expert, so that its recordings fine-tune the shipped policy (config/train_job.yaml).
      expert: DEMO_EXPERT,
      steeringNoise: { std: values['steering-noise'], timeConstant: DEMO_STEERING_NOISE.timeConstant },
    });
    const node = await transport.createNode('lnn_recorder', { useSimTime: true });
    recorder = await Recorder.start(node, out.path, topics.length ? topics : simRecordedTopics(sim));
    const release = interrupt.onStop(() => sim.stop());
    simSeconds = (await sim.run(duration)).simSeconds;
    release();
    await recorder.close();
    sim.destroy();
  } else {
    const transport: Transport = await RclnodejsTransport.create(args.rosArgs);
    const node = await transport.createNode('lnn_recorder', { useSimTime: values['use-sim-time'] });
    recorder = await Recorder.start(node, out.path, topics);
    transport.spin();
    await stopAfter(duration, () => node.now(), interrupt);
    await recorder.close();
    await transport.shutdown();
  }
  const metadata = recorder.writer.metadata();
  const kept = `${metadata.messageCount} messages over ${(simSeconds ?? Number(metadata.durationNs) / 1e9).toFixed(1)}${simSeconds === undefined ? '' : ' sim'} s → ${recorder.writer.file}`;
  if (interrupt.requested && duration !== Infinity) return interrupt.reportStop('record', `kept a complete bag of the first ${kept}`);
  console.log(kept);
  return 0;
}
