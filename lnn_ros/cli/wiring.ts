/** `lnn-ros wiring`: draws a model's (or a wiring config's) wiring as SVG or Graphviz DOT. */
import * as path from 'node:path';
import { fileKind, Output } from '../io/output';
import { readModelConfig } from '../model/model_dir';
import { FullyConnectedWiring, Wiring, wiringFromConfig, wiringToDot, wiringToSvg } from '../model/wirings';
import { option, parseCommandLine, UsageError } from './args';

const HELP = `usage: lnn-ros wiring --model DIR --output FILE.svg|FILE.dot [--overwrite]

Builds the wiring that DIR/config.yaml declares (units: {wiring: ...}, or a fully connected
layer for integer units) for its input_size and writes it as a diagram: SVG to open in a
browser, or DOT for Graphviz (by the output's extension). FILE must not exist; --overwrite
replaces an earlier wiring diagram (nothing else).`;

/** A diagram wiringToSvg or wiringToDot drew. */
const DIAGRAM_OUTPUT = fileKind('a wiring diagram', 'synapse groups or "digraph wiring"', (head) => /<g class="synapses"|^digraph wiring \{/m.test(head.toString('utf8')));

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, {
    command: 'wiring',
    usage: HELP,
    options: { model: option.string('DIR').required(), output: option.string('FILE').required(), overwrite: option.flag() },
  });
  if (!args) return 0;
  const { values } = args;
  const ext = path.extname(values.output).toLowerCase();
  if (ext !== '.svg' && ext !== '.dot') throw new UsageError('wiring', `--output expects a FILE ending in .svg or .dot, got '${values.output}'`);
  const output = Output.claim(values.output, DIAGRAM_OUTPUT, { replace: values.overwrite, inputs: [values.model] });
  const config = readModelConfig(values.model);
  const file = path.join(values.model, 'config.yaml');
  const wiring: Wiring =
    typeof config.units === 'number' ? new FullyConnectedWiring({ units: config.units }) : wiringFromConfig(config.units, file);
  wiring.build(config.input_size);
  await output.writeFile(ext === '.svg' ? wiringToSvg(wiring) : wiringToDot(wiring));
  console.log(`${values.output}: ${wiring.units} neurons, ${wiring.synapseCount} synapses, ${wiring.sensorySynapseCount} sensory synapses`);
  return 0;
}
