/**
 * `lnn-ros bag <subcommand>`: one module per subcommand (`bag_<name>.ts`, exporting
 * `run(argv): Promise<number>`), loaded on demand. Errors in the user's input (InputError) end
 * with exit code 1 and one line naming the file; wrong arguments (UsageError) with exit code 2, in main.
 */

import { InputError } from '../errors';

const SUBCOMMANDS: Record<string, string> = {
  info: 'storage, duration, times, topics, types and message counts of a bag',
  echo: 'print the decoded messages of a bag in log-time order',
  convert: 'convert a bag (sqlite3 or mcap) to MCAP',
  export: 'build the dataset a YAML config describes from bags and export it (.npy, safetensors)',
};

function usage(): string {
  const rows = Object.entries(SUBCOMMANDS).map(([name, summary]) => `  ${name.padEnd(10)} ${summary}`);
  return ['usage: lnn-ros bag <subcommand> [options]', '', 'subcommands:', ...rows, '', "'lnn-ros bag <subcommand> --help' for its options."].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  if (!Object.hasOwn(SUBCOMMANDS, name)) {
    console.error(`lnn-ros bag: unknown subcommand '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    const command = (await import(`./bag_${name}`)) as { run(argv: string[]): Promise<number> };
    return await command.run(rest);
  } catch (err) {
    if (err instanceof InputError) {
      console.error(`lnn-ros bag ${name}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
