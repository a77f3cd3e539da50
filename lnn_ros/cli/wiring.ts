/** `lnn-ros wiring`: draws a model's (or a wiring config's) wiring as SVG or Graphviz DOT. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../errors';
import { writeFileAtomic } from '../io/atomic';
import { readModelConfig } from '../model/model_dir';
import { FullyConnectedWiring, Wiring, wiringFromConfig, wiringToDot, wiringToSvg } from '../model/wirings';

const HELP = `usage: lnn-ros wiring --model DIR --output FILE.svg|FILE.dot

Builds the wiring that DIR/config.yaml declares (units: {wiring: ...}, or a fully connected
layer for integer units) for its input_size and writes it as a diagram: SVG to open in a
browser, or DOT for Graphviz (by the output's extension).`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, output: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.model || !values.output) throw new InputError(`wiring: --model and --output are required\n\n${HELP}`);
  const ext = path.extname(values.output).toLowerCase();
  if (ext !== '.svg' && ext !== '.dot') throw new InputError(`wiring: --output must end in .svg or .dot, got '${values.output}'`);
  const config = readModelConfig(values.model);
  const file = path.join(values.model, 'config.yaml');
  const wiring: Wiring =
    typeof config.units === 'number' ? new FullyConnectedWiring({ units: config.units }) : wiringFromConfig(config.units, file);
  wiring.build(config.input_size);
  fs.mkdirSync(path.dirname(path.resolve(values.output)), { recursive: true });
  writeFileAtomic(values.output, ext === '.svg' ? wiringToSvg(wiring) : wiringToDot(wiring));
  console.log(`${values.output}: ${wiring.units} neurons, ${wiring.synapseCount} synapses, ${wiring.sensorySynapseCount} sensory synapses`);
  return 0;
}
