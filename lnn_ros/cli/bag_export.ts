/**
 * `lnn-ros bag export CONFIG OUT [BAG…]`: builds the dataset a YAML describes (from the cache when
 * it is there) and exports it as .npy files or one safetensors file, for training elsewhere.
 */
import { loadDatasetConfig } from '../bag/dataset/config';
import { DatasetBuilder } from '../bag/dataset/dataset_builder';
import { exportDataset } from '../bag/dataset/export';
import { Stopped } from '../errors';
import { directoryKind, Output } from '../io/output';
import { option, parseCommandLine } from './args';
import { Interrupt } from './interrupt';

const USAGE = `usage: lnn-ros bag export CONFIG OUT [BAG…] [--format npy|safetensors] [--rebuild] [--overwrite]

  CONFIG   dataset YAML (inputs, target, alignment, image preprocessing, cache)
  OUT      a new folder for the arrays and dataset.json (it appears only when complete)
  BAG…     bags to use instead of the config's 'bags'
  --format     npy (default: one .npy per array) or safetensors (one dataset.safetensors)
  --rebuild    ignore the cache and decode the bags again
  --overwrite  replace OUT if it is an earlier export (holds dataset.json)
`;

/** An export folder: dataset.json describes the arrays beside it. */
export const EXPORT_OUTPUT = directoryKind('a dataset export', ['dataset.json']);

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, {
    command: 'bag export',
    usage: USAGE,
    options: { format: option.oneOf(['npy', 'safetensors'] as const).default('npy'), rebuild: option.flag(), overwrite: option.flag() },
    positionals: ['CONFIG', 'OUT', 'BAG...'],
  });
  if (!args) return 0;
  const { values } = args;
  const [configFile, outPath, ...bags] = args.positionals;
  const config = loadDatasetConfig(configFile);
  const out = Output.claim(outPath, EXPORT_OUTPUT, { replace: values.overwrite, inputs: [configFile, ...(bags.length > 0 ? bags : config.bags)] });
  const interrupt = Interrupt.watch();
  const shouldStop = () => interrupt.requested;
  try {
    const builder = new DatasetBuilder(config, { bags: bags.length > 0 ? bags : undefined, rebuild: values.rebuild, log: (line) => console.log(line), shouldStop });
    const { dataset } = await builder.build();
    try {
      const summary = await out.publish((staged) => exportDataset(dataset, staged, { format: values.format, shouldStop }));
      console.log(`${outPath}: ${summary.steps} steps in ${summary.sequences} sequences (${Object.keys(summary.arrays).join(', ')}) as ${values.format}`);
    } finally {
      dataset.close();
    }
  } catch (e) {
    if (!(e instanceof Stopped)) throw e;
    return interrupt.reportStop('bag export', `${e.kept}; ${outPath} is as it was`);
  }
  return 0;
}
