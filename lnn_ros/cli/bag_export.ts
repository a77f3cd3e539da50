/**
 * `lnn-ros bag export CONFIG OUT [BAG…]`: builds the dataset a YAML describes (from the cache when
 * it is there) and exports it as .npy files or one safetensors file, for training elsewhere.
 */
import { parseArgs } from 'node:util';
import { loadDatasetConfig } from '../bag/dataset/config';
import { DatasetBuilder } from '../bag/dataset/dataset_builder';
import { exportDataset } from '../bag/dataset/export';

const USAGE = `usage: lnn-ros bag export CONFIG OUT [BAG…] [--format npy|safetensors] [--rebuild]

  CONFIG   dataset YAML (inputs, target, alignment, image preprocessing, cache)
  OUT      folder for the arrays and dataset.json
  BAG…     bags to use instead of the config's 'bags'
  --format     npy (default: one .npy per array) or safetensors (one dataset.safetensors)
  --rebuild    ignore the cache and decode the bags again
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { format: { type: 'string', default: 'npy' }, rebuild: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const format = values.format;
  if (positionals.length < 2 || (format !== 'npy' && format !== 'safetensors')) {
    console.error(`lnn-ros bag export: ${positionals.length < 2 ? 'expected CONFIG and OUT' : `--format must be npy or safetensors, got '${format}'`}\n\n${USAGE}`);
    return 2;
  }
  const [configFile, out, ...bags] = positionals;
  const config = loadDatasetConfig(configFile);
  const builder = new DatasetBuilder(config, { bags: bags.length > 0 ? bags : undefined, rebuild: values.rebuild, log: (line) => console.log(line) });
  const { dataset } = await builder.build();
  try {
    const summary = exportDataset(dataset, out, { format });
    console.log(`${out}: ${summary.steps} steps in ${summary.sequences} sequences (${Object.keys(summary.arrays).join(', ')}) as ${format}`);
  } finally {
    dataset.close();
  }
  return 0;
}
