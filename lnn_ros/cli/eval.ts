/**
 * `lnn-ros eval --model DIR --bag BAG [--output DIR]`: replays a bag through drive_node exactly as
 * it would run on the robot (in-process transport, sim time from header stamps) and reports the
 * error of its commands against the commands recorded in the bag, with a plot of both.
 */
import * as path from 'node:path';
import { InputError } from '../errors';
import { writeTree } from '../io/atomic';
import { lineChartSvg } from '../io/line_chart';
import { directoryKind, Output } from '../io/output';
import { initBackend } from '../kernels/backend';
import { DriveNode } from '../nodes/drive_node';
import { InProcessTransport } from '../transport/in_process';
import { RELIABLE } from '../transport/qos';
import { option, parseCommandLine } from './args';
import { policyTopics, replayBag } from './bag_replay';
import { Interrupt } from './interrupt';

const HELP = `usage: lnn-ros eval --model POLICY_DIR --bag BAG [--output DIR] [--tolerance S] [--overwrite]

Replays BAG through drive_node as on the robot and writes DIR/eval.json (MSE and MAE of each
command field against the recorded commands) and DIR/commands.svg; DIR defaults to
results/eval/<bag name>. DIR must be new or empty; --overwrite replaces an earlier eval report.
Ctrl-C (SIGINT) or SIGTERM stops the replay, writes nothing and exits 130 / 143.`;

/** An eval report directory, recognised by its eval.json. */
const EVAL_OUTPUT = directoryKind('an eval report', ['eval.json']);

function field(message: unknown, dotted: string): number {
  let v: unknown = message;
  for (const part of dotted.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
  return Number(v);
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, {
    command: 'eval',
    usage: HELP,
    options: {
      model: option.string('POLICY_DIR').required(),
      bag: option.string('BAG').required(),
      output: option.string('DIR'),
      tolerance: option.number({ min: 0, minExclusive: true, unit: 'seconds' }).default(0.05),
      overwrite: option.flag(),
    },
  });
  if (!args) return 0;
  const { values } = args;
  const tolerance = values.tolerance;
  const outDir = values.output ?? path.join('results', 'eval', path.basename(path.resolve(values.bag)));
  const output = Output.claim(outDir, EVAL_OUTPUT, { replace: values.overwrite, inputs: [values.model, values.bag] });
  const interrupt = Interrupt.watch();
  await initBackend();
  const { inputs, target } = policyTopics(values.model);
  if (!target) throw new InputError(`${values.model}/policy.yaml: inputs.target missing (train it with lnn-ros train)`);

  const transport = new InProcessTransport({ log: () => undefined });
  const drive = await DriveNode.start(transport, { params: { use_sim_time: true, policy: path.resolve(values.model), policy_state: { rate: 0 }, watchdog: { timeout: 1e6, period: 1e3 } } });
  const listener = await transport.createNode('eval_listener', { useSimTime: true });
  const produced: Array<{ t: number; values: number[] }> = [];
  const fields = target.fields.map((f) => f.replace(/^twist\./, ''));
  listener.createSubscription('geometry_msgs/msg/Twist', '/cmd_vel', RELIABLE, (m) => produced.push({ t: Number(listener.now()) / 1e9, values: fields.map((f) => field(m, f)) }));
  const recorded: Array<{ t: number; values: number[] }> = [];
  try {
    await replayBag(transport, values.bag, inputs, {
      otherTopics: [target.topic],
      onOther: (_topic, msg, timeNs) => recorded.push({ t: Number(timeNs) / 1e9, values: target.fields.map((f) => field(msg, f)) }),
      interrupt,
    });
  } finally {
    drive.stop();
  }
  if (interrupt.requested) return interrupt.reportStop('eval', `nothing written; ${outDir} is as it was`);
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
  const t0 = recorded[0]?.t ?? 0;
  const chart = lineChartSvg({
    title: `${path.basename(values.model)} on ${path.basename(path.resolve(values.bag))}`,
    xLabel: 'time (s)',
    yLabel: 'command',
    series: fields.flatMap((f, k) => [
      { name: `recorded ${f}`, points: recorded.map((r) => [r.t - t0, r.values[k]] as [number, number]) },
      { name: `policy ${f}`, points: produced.map((p) => [p.t - t0, p.values[k]] as [number, number]) },
    ]),
  });
  await output.publish((dir) => writeTree(dir, { 'eval.json': JSON.stringify(report, null, 1), 'commands.svg': chart }));
  console.log(JSON.stringify(report));
  return 0;
}
