/**
 * `lnn-ros predict --model DIR --input IN.json --output OUT.json`: runs a model directory
 * offline. JSON arrays are batch-major whatever the model's batch_first:
 * IN {x: [B][T][F], timespans?: [T] | [B][T], hx?: [B][state], cx?: [B][state]}
 * OUT {output: [B][T][out] | [B][out], final_state: [B][state], final_cell_state?: [B][state]}.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors';
import { fileKind, Output } from '../io/output';
import { BACKEND_NAMES, initBackend } from '../kernels/backend';
import { loadModelDir } from '../model/model_dir';
import { SequenceModel } from '../model/sequence_model';
import { option, parseCommandLine } from './args';
import { FlatArray, parseNumberArray, toNested } from './json_tensor';

const HELP = `usage: lnn-ros predict --model DIR --input IN.json --output OUT.json [--backend wasm|cpu|tensorflow] [--overwrite]

Runs the model in DIR (config.yaml + weights.safetensors) on IN.json:
  {"x": [batch][time][features], "timespans": [time] or [batch][time] (optional, 1.0 each step),
   "hx": [batch][state] (optional), "cx": [batch][state] (optional, mixed memory only)}
and writes OUT.json:
  {"output": [batch][time][out] (or [batch][out] without return_sequences),
   "final_state": [batch][state], "final_cell_state": [batch][state] (mixed memory only)}
OUT.json must not exist; --overwrite replaces an earlier prediction (nothing else). An output
that is not finite (an input too large for the model) is refused, naming the input.`;

/** What predict writes: compact JSON whose first key is "output" (as `predictJson` orders it). */
const PREDICTION_OUTPUT = fileKind('a prediction', 'leading {"output":[', (head) => head.toString('latin1').startsWith('{"output":['));

const IN_KEYS = ['x', 'timespans', 'hx', 'cx'];

export function predictJson(model: SequenceModel, input: unknown, file: string): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new InputError(`${file}: expected a JSON object with key "x"`);
  const doc = input as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (!IN_KEYS.includes(key)) throw new InputError(`${file}: ${key}: unknown key (expected ${IN_KEYS.join(', ')})`);
  }
  if (doc.x === undefined) throw new InputError(`${file}: x: missing (expected [batch][time][features])`);
  const x = parseNumberArray(doc.x, [null, null, { size: model.inputSize, what: 'input_size' }], 'x', file);
  const [batch, steps] = x.shape;
  const state = { size: model.stateSize, what: 'state size' };
  const rows = { size: batch, what: 'batch' };
  let timespans: FlatArray | undefined;
  if (doc.timespans !== undefined) {
    const perSample = Array.isArray(doc.timespans) && Array.isArray(doc.timespans[0]);
    timespans = perSample
      ? parseNumberArray(doc.timespans, [rows, { size: steps, what: 'time' }], 'timespans', file)
      : parseNumberArray(doc.timespans, [{ size: steps, what: 'time' }], 'timespans', file);
  }
  const hx = doc.hx === undefined ? undefined : parseNumberArray(doc.hx, [rows, state], 'hx', file);
  if (doc.cx !== undefined && !model.lstm) throw new InputError(`${file}: cx: given, but the model has no mixed memory`);
  const cx = doc.cx === undefined ? undefined : parseNumberArray(doc.cx, [rows, state], 'cx', file);

  const run = () => {
    const batchFirst = model.config.batch_first;
    const xs = tf.tensor3d(x.data, x.shape as [number, number, number]);
    let ts = timespans ? tf.tensor(timespans.data, timespans.shape) : undefined;
    if (!batchFirst && ts?.rank === 2) ts = tf.transpose(ts);
    const result = model.forward(batchFirst ? xs : tf.transpose(xs, [1, 0, 2]), {
      timespans: ts,
      hx: hx && tf.tensor2d(hx.data, hx.shape as [number, number]),
      cx: cx && tf.tensor2d(cx.data, cx.shape as [number, number]),
    });
    let output = result.output;
    if (!batchFirst && model.config.return_sequences) output = tf.transpose(output, [1, 0, 2]);
    const arrays: Array<[string, tf.Tensor]> = [['output', output], ['final_state', result.h]];
    if (result.c) arrays.push(['final_cell_state', result.c]);
    return Object.fromEntries(arrays.map(([name, t]) => [name, toNested(finite(t.dataSync(), t.shape, name, file), t.shape)]));
  };
  tf.engine().startScope();
  try {
    return run();
  } finally {
    tf.engine().endScope();
  }
}

/** The data, when every value is finite; else an error naming the input and where the first bad value is. */
function finite(data: ArrayLike<number>, shape: number[], name: string, file: string): ArrayLike<number> {
  for (let i = 0; i < data.length; i++) {
    if (Number.isFinite(data[i])) continue;
    const at = shape.map((_, d) => Math.floor(i / shape.slice(d + 1).reduce((a, b) => a * b, 1)) % shape[d]);
    throw new InputError(`${file}: the model's ${name}${at.map((k) => `[${k}]`).join('')} is ${data[i]} for this input (inputs too large for the model?); nothing written`);
  }
  return data;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, {
    command: 'predict',
    usage: HELP,
    options: {
      model: option.string('DIR').required(),
      input: option.string('IN.json').required(),
      output: option.string('OUT.json').required(),
      backend: option.oneOf(BACKEND_NAMES),
      overwrite: option.flag(),
    },
  });
  if (!args) return 0;
  const { values } = args;
  const output = Output.claim(values.output, PREDICTION_OUTPUT, { replace: values.overwrite, inputs: [values.input, values.model] });
  await initBackend(values.backend);
  const model = loadModelDir(values.model);
  try {
    let input: unknown;
    try {
      input = JSON.parse(fs.readFileSync(values.input, 'utf8'));
    } catch (e) {
      throw new InputError(`${values.input}: cannot read JSON (${(e as Error).message})`);
    }
    const result = predictJson(model, input, values.input);
    await output.writeFile(JSON.stringify(result));
    const [batch, steps] = [(input as { x: unknown[][] }).x.length, (input as { x: unknown[][] }).x[0].length];
    console.log(`${values.output}: ${batch} sequence(s) × ${steps} step(s) → ${model.outputSize} output(s) per step, state size ${model.stateSize}`);
  } finally {
    model.dispose();
  }
  return 0;
}
