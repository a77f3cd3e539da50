/**
 * `lnn-ros demo` (`npm run demo`): the package end to end in one process, no ROS 2 needed —
 * record the expert in the embedded simulator, train a CNN + NCP-wired CfC policy, drive it
 * closed-loop through drive_node on held-out roads. `--pretrained` drives the shipped policy.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DEMO, runDemo } from '../demo/pipeline';
import { InputError } from '../errors';
import { initBackend } from '../kernels/backend';

/** Shipped with the package, made by this command (see its README.md). */
const PRETRAINED = path.resolve(__dirname, '..', '..', 'models', 'demo_policy');

const HELP = `usage: lnn-ros demo [--out results/demo] [--pretrained [POLICY_DIR]] [--epochs N] [--train-seeds 1,2,..] [--record-seconds S] [--test-seeds 101,..] [--laps N]

(a) records the expert driving the simulator with steering noise (camera, IMU, ground truth,
/expert/cmd_vel) into OUT/bags/, (b) trains the camera + IMU → CNN → NCP-wired CfC policy into
OUT/policy/, (c) drives it closed-loop through drive_node on held-out roads, recorded into
OUT/closed_loop/, (d) writes OUT/summary.json and OUT/track.svg.
--pretrained skips (a) and (b) and drives ${path.relative(process.cwd(), PRETRAINED) || PRETRAINED} (or POLICY_DIR).`;

/** `1,2,3` → [1, 2, 3]; also used by `lnn-ros robustness`. */
export function intList(v: string, option: string): number[] {
  const list = v.split(',').map(Number);
  if (!list.every(Number.isInteger)) throw new InputError(`--${option} expects comma-separated integers (got ${v})`);
  return list;
}

export async function run(argv: string[]): Promise<number> {
  // `--pretrained` may be followed by a directory or by the next option.
  const at = argv.indexOf('--pretrained');
  const pretrainedDir = at >= 0 && argv[at + 1] !== undefined && !argv[at + 1].startsWith('--') ? argv[at + 1] : null;
  const rest = at < 0 ? argv : argv.filter((_, i) => i !== at && !(pretrainedDir !== null && i === at + 1));
  const { values } = parseArgs({
    args: rest,
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
    pretrained: at < 0 ? null : path.resolve(pretrainedDir ?? PRETRAINED),
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
