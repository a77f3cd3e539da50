/**
 * `lnn-ros demo` (`npm run demo`): the package end to end in one process, no ROS 2 needed —
 * record the expert in the embedded simulator, train a CNN + NCP-wired CfC policy, drive it
 * closed-loop through drive_node on held-out roads. `--pretrained` drives the shipped policy.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DEMO, runDemo } from '../demo/pipeline';
import { initBackend } from '../kernels/backend';
import { intList, optionalValueFlag } from './args';

/** Shipped with the package, made by this command (see its README.md). */
const PRETRAINED = path.resolve(__dirname, '..', '..', 'models', 'demo_policy');

const HELP = `usage: lnn-ros demo [--out results/demo] [--pretrained [POLICY_DIR]] [--epochs N] [--train-seeds 1,2,..] [--record-seconds S] [--test-seeds 101,..] [--laps N]

(a) records the expert driving the simulator with steering noise (camera, IMU, ground truth,
/expert/cmd_vel) into OUT/bags/, (b) trains the camera + IMU → CNN → NCP-wired CfC policy into
OUT/policy/, (c) drives it closed-loop through drive_node on held-out roads, recorded into
OUT/closed_loop/, (d) writes OUT/summary.json and OUT/track.svg.
--pretrained skips (a) and (b) and drives ${path.relative(process.cwd(), PRETRAINED) || PRETRAINED} (or POLICY_DIR).`;

export async function run(argv: string[]): Promise<number> {
  const pretrained = optionalValueFlag(argv, '--pretrained');
  const { values } = parseArgs({
    args: pretrained.rest,
    options: {
      out: { type: 'string', default: path.join('results', 'demo') }, epochs: { type: 'string' }, 'train-seeds': { type: 'string' },
      'record-seconds': { type: 'string' }, 'test-seeds': { type: 'string' }, laps: { type: 'string' }, backend: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  await initBackend(values.backend, (line) => console.log(line));
  const d = DEFAULT_DEMO;
  const summary = await runDemo({
    out: path.resolve(values.out!),
    pretrained: pretrained.given ? path.resolve(pretrained.value ?? PRETRAINED) : null,
    trainSeeds: values['train-seeds'] ? intList(values['train-seeds'], 'train-seeds') : d.trainSeeds,
    recordSeconds: values['record-seconds'] ? Number(values['record-seconds']) : d.recordSeconds,
    testSeeds: values['test-seeds'] ? intList(values['test-seeds'], 'test-seeds') : d.testSeeds,
    laps: values.laps ? Number(values.laps) : d.laps,
    training: { ...d.training, ...(values.epochs ? { epochs: Number(values.epochs) } : {}) },
    log: (line) => console.log(line),
  });
  console.log(JSON.stringify(summary, null, 2));
  return 0;
}
