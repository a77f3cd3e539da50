/**
 * `lnn-ros` command-line entry: dispatches to one module per subcommand, loaded lazily so that
 * `lnn-ros bag info` never pays for tfjs and `lnn-ros predict` never opens SQLite. A wrong command
 * line (UsageError) ends here with its message and exit code 2; other errors go to the caller.
 */
import { UsageError } from './args';
import { Interrupt } from './interrupt';

interface Command {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<number> }>;
}

const COMMANDS: Record<string, Command> = {
  predict: { summary: 'run a model directory offline on a JSON input', load: () => import('./predict') },
  drive: { summary: 'run drive_node (camera + IMU in, commands out)', load: () => import('./drive') },
  trainer: { summary: 'run trainer_node (train from bags, announce the new policy)', load: () => import('./trainer') },
  sim: { summary: 'run the embedded simulator as a node', load: () => import('./sim') },
  train: { summary: 'train or fine-tune a driving policy from bags', load: () => import('./train') },
  eval: { summary: 'replay a bag through drive_node and compare with the recorded commands', load: () => import('./eval') },
  fit: { summary: 'train a sequence model from .npy/.csv files (YAML config)', load: () => import('./fit') },
  wiring: { summary: "draw a model's wiring as SVG or Graphviz DOT", load: () => import('./wiring') },
  bag: { summary: 'inspect, print and convert rosbag2 recordings (info, echo, convert)', load: () => import('./bag') },
  record: { summary: 'record topics (or the embedded simulator) into an MCAP bag', load: () => import('./record') },
  demo: { summary: 'record the expert in the simulator, train a policy, drive it closed-loop', load: () => import('./demo') },
  saliency: { summary: 'where a policy looks: saliency maps on a bag or in the simulator', load: () => import('./saliency') },
  robustness: { summary: 'compare NCP-CfC, CfC, LTC and LSTM policies closed-loop under every condition', load: () => import('./robustness') },
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
  try {
    return await (await command.load()).run(rest);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`lnn-ros ${err.command}: ${err.message}\n('lnn-ros ${err.command} --help' for its options)`);
    return 2;
  } finally {
    // Once the command is over, signals take their default action again.
    Interrupt.release();
  }
}
