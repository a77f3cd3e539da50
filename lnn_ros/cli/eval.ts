/**
 * `lnn-ros eval --model DIR --bag BAG [--output DIR]`: replays a bag through drive_node exactly as
 * it would run on the robot (in-process transport, sim time from header stamps) and reports the
 * error of its commands against the commands recorded in the bag, with a plot of both.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { headerStamp } from '../bag/dataset/feature_extractor';
import { openBag } from '../bag/open';
import { InputError } from '../errors';
import { writeFileAtomic } from '../io/atomic';
import { lineChartSvg } from '../io/line_chart';
import { initBackend } from '../kernels/backend';
import { readYamlFile } from '../model/model_dir';
import { DriveNode } from '../nodes/drive_node';
import { InProcessTransport } from '../transport/in_process';
import { RELIABLE, SENSOR_DATA } from '../transport/qos';
import { toRosTime } from '../transport/types';

const HELP = 'usage: lnn-ros eval --model POLICY_DIR --bag BAG [--output DIR] [--tolerance S]';

interface Target {
  topic: string;
  type: string;
  fields: string[];
}

function field(message: unknown, dotted: string): number {
  let v: unknown = message;
  for (const part of dotted.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
  return Number(v);
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { model: { type: 'string' }, bag: { type: 'string' }, output: { type: 'string' }, tolerance: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.model || !values.bag) throw new InputError(`eval: --model and --bag are required\n${HELP}`);
  const tolerance = Number(values.tolerance ?? 0.05);
  await initBackend();
  const policyDoc = readYamlFile(path.join(values.model, 'policy.yaml')) as { inputs?: { dataset?: Array<{ topic: string; type: string }>; target?: Target } };
  const target = policyDoc.inputs?.target;
  const inputs = policyDoc.inputs?.dataset;
  if (!target || !inputs) throw new InputError(`${values.model}/policy.yaml: inputs.dataset / inputs.target missing (train it with lnn-ros train)`);

  const transport = new InProcessTransport({ log: () => undefined });
  const drive = await DriveNode.start(transport, { params: { use_sim_time: true, policy: path.resolve(values.model), policy_state: { rate: 0 }, watchdog: { timeout: 1e6, period: 1e3 } } });
  const player = await transport.createNode('eval_player', { useSimTime: true });
  const clock = player.createPublisher('rosgraph_msgs/msg/Clock', '/clock', RELIABLE);
  const publishers = new Map(inputs.map((i) => [i.topic, player.createPublisher(i.type, i.topic, SENSOR_DATA)]));
  const produced: Array<{ t: number; values: number[] }> = [];
  const fields = target.fields.map((f) => f.replace(/^twist\./, ''));
  player.createSubscription('geometry_msgs/msg/Twist', '/cmd_vel', RELIABLE, (m) => produced.push({ t: Number(player.now()) / 1e9, values: fields.map((f) => field(m, f)) }));
  const recorded: Array<{ t: number; values: number[] }> = [];
  const bag = await openBag(values.bag);
  let offsetNs = 0n; // header clock − log clock, for targets without a header (sim recordings)
  let last = 0n;
  try {
    for await (const m of bag.messages({ topics: [...publishers.keys(), target.topic] })) {
      const msg = m.decoded();
      const stamp = headerStamp(msg);
      if (m.topic === target.topic) {
        recorded.push({ t: Number(stamp ?? m.logTimeNs + offsetNs) / 1e9, values: target.fields.map((f) => field(msg, f)) });
        continue;
      }
      if (stamp === undefined) continue;
      offsetNs = stamp - m.logTimeNs;
      if (stamp > last) clock.publish({ clock: toRosTime(stamp) });
      last = stamp > last ? stamp : last;
      publishers.get(m.topic)!.publish(msg);
      transport.flush();
    }
  } finally {
    bag.close();
    drive.stop();
  }
  // Pair every command with the recorded one nearest in time, within the tolerance.
  recorded.sort((a, b) => a.t - b.t);
  const se = fields.map(() => 0);
  const ae = fields.map(() => 0);
  let pairs = 0;
  let j = 0;
  for (const p of produced) {
    while (j + 1 < recorded.length && Math.abs(recorded[j + 1].t - p.t) <= Math.abs(recorded[j].t - p.t)) j++;
    if (!recorded[j] || Math.abs(recorded[j].t - p.t) > tolerance) continue;
    p.values.forEach((v, k) => {
      se[k] += (v - recorded[j].values[k]) ** 2;
      ae[k] += Math.abs(v - recorded[j].values[k]);
    });
    pairs++;
  }
  if (pairs === 0) throw new InputError(`${values.bag}: no command of the policy fell within ${tolerance} s of a recorded ${target.topic} message`);
  const report = {
    bag: values.bag,
    model: values.model,
    commands: produced.length,
    paired: pairs,
    mse: Object.fromEntries(fields.map((f, k) => [f, se[k] / pairs])),
    mae: Object.fromEntries(fields.map((f, k) => [f, ae[k] / pairs])),
    dropped: drive.counters.dropped,
    resets: drive.counters.resets,
  };
  const out = values.output ?? path.join('results', 'eval', path.basename(path.resolve(values.bag)));
  fs.mkdirSync(out, { recursive: true });
  writeFileAtomic(path.join(out, 'eval.json'), JSON.stringify(report, null, 1));
  const t0 = recorded[0]?.t ?? 0;
  writeFileAtomic(path.join(out, 'commands.svg'), lineChartSvg({
    title: `${path.basename(values.model)} on ${path.basename(path.resolve(values.bag))}`,
    xLabel: 'time (s)',
    yLabel: 'command',
    series: fields.flatMap((f, k) => [
      { name: `recorded ${f}`, points: recorded.map((r) => [r.t - t0, r.values[k]] as [number, number]) },
      { name: `policy ${f}`, points: produced.map((p) => [p.t - t0, p.values[k]] as [number, number]) },
    ]),
  }));
  console.log(JSON.stringify(report));
  return 0;
}
