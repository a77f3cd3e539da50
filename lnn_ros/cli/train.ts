/**
 * `lnn-ros train`: fine-tunes or trains a driving policy from recorded bags, offline (the
 * trainer node runs the same job under ROS).
 */
import { openBag } from '../bag/open';
import { isImageType } from '../bag/dataset/config';
import { InputError, Stopped } from '../errors';
import { BACKEND_NAMES, initBackend } from '../kernels/backend';
import { readYamlFile } from '../model/model_dir';
import { trainPolicy } from '../train/policy_trainer';
import { parseTrainConfig, PolicyTrainingConfig } from '../train/train_config';
import { option, parseCommandLine, UsageError } from './args';
import { Interrupt } from './interrupt';

const HELP = `usage: lnn-ros train --config FILE.yaml [--overwrite]
       lnn-ros train --bag BAG --inputs /imu[,/camera/image_raw] --target /cmd_vel --out DIR [--epochs N] [--base POLICY_DIR] [--overwrite]

Builds a dataset from the bag(s) (aligned by header stamps, cached), trains the policy (CNN
encoder for a camera + NCP-wired CfC by default), holds out the last 20% of every sequence for
validation, and writes the best policy directory to OUT with metrics.json (val_mse,
baseline_mse = always predicting the training mean command) and learning_curves.svg.

OUT must be new or empty; --overwrite replaces an earlier policy directory (nothing else). Each
better epoch publishes the whole directory at once. Ctrl-C (SIGINT) or SIGTERM stops after the
current batch, keeping the best complete epoch, and exits 130 / 143.`;

/** Frames are resized so the default encoder stays small; override with a --config file. */
const QUICK_IMAGE = { resize: { width: 96, height: 40 }, color: 'rgb', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
const QUICK_ENCODER = { conv: [{ filters: 16, kernel: 5, stride: 2 }, { filters: 32, kernel: 3, stride: 2 }, { filters: 32, kernel: 3, stride: 2 }], features: 16 };

interface QuickOptions {
  bag?: string;
  inputs?: string[];
  target?: string;
  out?: string;
  epochs?: number;
  base?: string;
}

async function quickConfig(v: QuickOptions): Promise<PolicyTrainingConfig> {
  for (const key of ['bag', 'inputs', 'target', 'out'] as const) {
    if (!v[key]) throw new UsageError('train', `--${key} is required without --config`);
  }
  const bag = await openBag(v.bag!);
  const types = new Map(bag.topics().map((t) => [t.name, t.type]));
  bag.close();
  const inputs = v.inputs!.map((topic) => {
    const type = types.get(topic);
    if (!type) throw new InputError(`${v.bag}: no topic ${topic} (has ${[...types.keys()].join(', ')})`);
    return isImageType(type) ? { topic, image: QUICK_IMAGE } : { topic };
  });
  if (!types.has(v.target!)) throw new InputError(`${v.bag}: no topic ${v.target}`);
  return parseTrainConfig({
    dataset: { bags: [v.bag], inputs, target: { topic: v.target } },
    encoder: QUICK_ENCODER,
    ...(v.base ? { base: v.base } : {}),
    training: v.epochs === undefined ? {} : { epochs: v.epochs },
    output: v.out,
  });
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, {
    command: 'train',
    usage: HELP,
    options: {
      config: option.string('FILE'), bag: option.string('BAG'), inputs: option.list('TOPIC'), target: option.string('TOPIC'),
      out: option.string('DIR'), epochs: option.int({ min: 1 }), base: option.string('POLICY_DIR'), backend: option.oneOf(BACKEND_NAMES),
      overwrite: option.flag(),
    },
  });
  if (!args) return 0;
  const { values } = args;
  const config = values.config ? parseTrainConfig(readYamlFile(values.config), values.config) : await quickConfig(values);
  await initBackend(values.backend);
  const interrupt = Interrupt.watch();
  try {
    const result = await trainPolicy(config, { log: (l) => console.error(l), overwrite: values.overwrite, shouldStop: () => interrupt.requested });
    console.log(`val_mse ${result.val_mse.toFixed(5)} vs baseline_mse ${result.baseline_mse.toFixed(5)} (best epoch ${result.best_epoch}, ${result.wall_seconds.toFixed(0)} s) → ${result.output}`);
    return 0;
  } catch (e) {
    if (e instanceof Stopped) return interrupt.reportStop('train', e.kept);
    throw e;
  }
}
