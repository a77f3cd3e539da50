/**
 * `lnn-ros` command-line entry: dispatches to one module per subcommand, loaded lazily so that
 * `lnn-ros bag info` never pays for tfjs and `lnn-ros predict` never opens SQLite.
 */

interface Command {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<number> }>;
}

const COMMANDS: Record<string, Command> = {
  predict: { summary: 'run a model directory offline on a JSON input', load: () => import('./predict') },
  train: { summary: 'train or fine-tune a driving policy from bags', load: () => import('./train') },
  fit: { summary: 'train a sequence model from .npy/.csv files (YAML config)', load: () => import('./fit') },
  wiring: { summary: "draw a model's wiring as SVG or Graphviz DOT", load: () => import('./wiring') },
  bag: { summary: 'inspect, print and convert rosbag2 recordings (info, echo, convert)', load: () => import('./bag') },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return ['usage: lnn-ros <command> [options]', '', 'commands:', ...rows, '', "'lnn-ros <command> --help' for a command's options."].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`lnn-ros: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return (await command.load()).run(rest);
}
