/** Rectangular nested JSON arrays of finite numbers ↔ flat float32 data, with errors naming the field. */
import { InputError } from '../errors';

/** The largest finite float32; JSON numbers beyond it would become ±Infinity in the model. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** An expected dimension: a fixed size with what it is, or null for "any, but the same across rows". */
export type Dim = { size: number; what: string } | null;

export interface FlatArray {
  shape: number[];
  data: Float32Array;
}

export function parseNumberArray(value: unknown, dims: Dim[], field: string, file: string): FlatArray {
  const shape: number[] = [];
  const data: number[] = [];
  const expected = dims.map((d) => (d ? `${d.size} (${d.what})` : 'n')).join(' × ');
  const fail = (where: string, problem: string) => new InputError(`${file}: ${where}: ${problem} (expected shape ${expected})`);
  const walk = (v: unknown, depth: number, where: string): void => {
    if (depth === dims.length) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw fail(where, `expected a finite number, got ${JSON.stringify(v)}`);
      if (Math.abs(v) > FLOAT32_MAX) throw fail(where, `${v} is beyond the float32 range (±${FLOAT32_MAX.toExponential(4)}) the model computes in`);
      data.push(v);
      return;
    }
    if (!Array.isArray(v)) throw fail(where, `expected a list at depth ${depth + 1} of ${dims.length}`);
    const want = dims[depth]?.size ?? shape[depth];
    if (want !== undefined && v.length !== want) {
      throw fail(where, `has ${v.length} entries, expected ${want}${dims[depth] ? ` (${dims[depth]!.what})` : ' like the first row'}`);
    }
    if (v.length === 0) throw fail(where, 'is empty');
    shape[depth] = v.length;
    v.forEach((item, i) => walk(item, depth + 1, `${where}[${i}]`));
  };
  walk(value, 0, field);
  return { shape, data: Float32Array.from(data) };
}

/** Splits flat row-major data back into nested lists of plain numbers. */
export function toNested(data: ArrayLike<number>, shape: number[]): unknown {
  const build = (offset: number, depth: number): unknown => {
    if (depth === shape.length - 1) return Array.from({ length: shape[depth] }, (_, i) => data[offset + i]);
    const stride = shape.slice(depth + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: shape[depth] }, (_, i) => build(offset + i * stride, depth + 1));
  };
  return build(0, 0);
}
