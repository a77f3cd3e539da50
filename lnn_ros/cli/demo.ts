/**
 * `lnn-ros demo` (`npm run demo`): the package end to end in one process, no ROS 2 needed —
 * record the expert in the embedded simulator, train a CNN + NCP-wired CfC policy, drive it
 * closed-loop through drive_node on held-out roads. `--pretrained` drives the shipped policy.
 */
import * as path from 'node:path';
import { DEFAULT_DEMO, runDemo } from '../demo/pipeline';
import { Stopped } from '../errors';
import { BACKEND_NAMES, initBackend } from '../kernels/backend';
import { option, parseCommandLine } from './args';
import { Interrupt } from './interrupt';

/** Shipped with the package, made by this command (see its README.md). */
const PRETRAINED = path.resolve(__dirname, '..', '..', 'models', 'demo_policy');

const HELP = `usage: lnn-ros demo [--out results/demo] [--overwrite] [--pretrained [POLICY_DIR]] [--epochs N] [--train-seeds 1,2,..] [--record-seconds S] [--test-seeds 101,..] [--laps N]

(a) records the expert driving the simulator with steering noise (camera, IMU, ground truth,
/expert/cmd_vel) into OUT/bags/, (b) trains the camera + IMU → CNN → NCP-wired CfC policy into
OUT/policy/, (c) drives it closed-loop through drive_node on held-out roads, recorded into
OUT/closed_loop/, (d) writes OUT/summary.json and OUT/track.svg.
--pretrained skips (a) and (b) and drives ${path.relative(process.cwd(), PRETRAINED) || PRETRAINED} (or POLICY_DIR).
OUT must be new or empty; --overwrite replaces an earlier demo output (nothing else). OUT is
built beside its place and renamed into it; Ctrl-C (SIGINT) or SIGTERM stops after the current
step, keeps what is complete (bags, the best policy so far; no summary.json) and exits 130 / 143.`;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, {
    command: 'demo',
    usage: HELP,
    options: {
      out: option.string('DIR').default(path.join('results', 'demo')),
      overwrite: option.flag(),
      pretrained: option.string('POLICY_DIR').valueOptional(),
      epochs: option.int({ min: 1 }),
      'train-seeds': option.intList({ min: 0 }),
      'record-seconds': option.number({ min: 0, minExclusive: true, unit: 'seconds' }),
      'test-seeds': option.intList({ min: 0 }),
      laps: option.int({ min: 1 }),
      backend: option.oneOf(BACKEND_NAMES),
    },
  });
  if (!args) return 0;
  const { values } = args;
  await initBackend(values.backend, (line) => console.log(line));
  const d = DEFAULT_DEMO;
  const interrupt = Interrupt.watch();
  try {
    const summary = await runDemo({
      out: path.resolve(values.out),
      pretrained: values.pretrained === undefined ? null : path.resolve(values.pretrained === true ? PRETRAINED : values.pretrained),
      trainSeeds: values['train-seeds'] ?? d.trainSeeds,
      recordSeconds: values['record-seconds'] ?? d.recordSeconds,
      testSeeds: values['test-seeds'] ?? d.testSeeds,
      laps: values.laps ?? d.laps,
      training: { ...d.training, ...(values.epochs ? { epochs: values.epochs } : {}) },
      log: (line) => console.log(line),
      overwrite: values.overwrite,
      stop: interrupt,
    });
    console.log(JSON.stringify(summary, null, 2));
    return 0;
  } catch (e) {
    if (e instanceof Stopped) return interrupt.reportStop('demo', e.kept);
    throw e;
  }
}
