/**
 * The safetensors format (8-byte little-endian header length, JSON header, raw little-endian
 * data) as `safetensors.torch.save_file` writes it. Reads F32/F64/F16/BF16 as float32; writes F32.
 */
import * as fs from 'node:fs';
import { InputError } from '../errors';

export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

const BYTES: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2 };
/** A header larger than this is not a checkpoint of ours (the format itself caps it at 100 MB). */
const MAX_HEADER = 100 * 1024 * 1024;

function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function decode(dtype: string, bytes: Buffer): Float32Array {
  const n = bytes.length / BYTES[dtype];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 'F32': out[i] = bytes.readFloatLE(4 * i); break;
      case 'F64': out[i] = bytes.readDoubleLE(8 * i); break;
      case 'F16': out[i] = half(bytes.readUInt16LE(2 * i)); break;
      default: out[i] = new Float32Array(new Uint32Array([bytes.readUInt16LE(2 * i) << 16]).buffer)[0]; // BF16
    }
  }
  return out;
}

export function readSafetensors(file: string): Map<string, NamedArray> {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as Error).message})`);
  }
  const fail = (what: string) => new InputError(`${file}: not a valid safetensors file: ${what}`);
  if (buf.length < 8) throw fail(`${buf.length} bytes, shorter than the 8-byte header length`);
  const headerLength = Number(buf.readBigUInt64LE(0));
  if (headerLength > MAX_HEADER || 8 + headerLength > buf.length) throw fail(`header length ${headerLength} exceeds the file (${buf.length} bytes)`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLength).toString('utf8'));
  } catch (e) {
    throw fail(`header is not JSON (${(e as Error).message})`);
  }
  const data = buf.subarray(8 + headerLength);
  const tensors = new Map<string, NamedArray>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = entry ?? {};
    if (!(dtype in BYTES)) throw fail(`${name}: unsupported dtype ${dtype} (expected F32, F64, F16 or BF16)`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw fail(`${name}: bad shape ${JSON.stringify(shape)}`);
    const [begin, end] = Array.isArray(offsets) ? offsets : [NaN, NaN];
    const expected = shape.reduce((a, b) => a * b, 1) * BYTES[dtype];
    if (!(Number.isInteger(begin) && Number.isInteger(end) && begin >= 0 && end <= data.length && end - begin === expected)) {
      throw fail(`${name}: data_offsets ${JSON.stringify(offsets)} do not hold ${expected} bytes of ${dtype} ${JSON.stringify(shape)} within ${data.length} data bytes`);
    }
    tensors.set(name, { shape, data: decode(dtype, data.subarray(begin, end)) });
  }
  return tensors;
}

export interface TensorLayout {
  name: string;
  /** safetensors dtype string, e.g. F32, F64, I64. */
  dtype: string;
  shape: number[];
  bytes: number;
}

/**
 * The bytes before the data (8-byte little-endian header length + JSON header padded so the
 * data is 8-byte aligned, as the Rust writer does) and each tensor's [begin, end) offset in the
 * data, in the order given.
 */
export function safetensorsPrefix(tensors: TensorLayout[], metadata?: Record<string, string>): { prefix: Buffer; offsets: Array<[number, number]> } {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  const offsets: Array<[number, number]> = [];
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes] };
    offsets.push([offset, offset + t.bytes]);
    offset += t.bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return { prefix: Buffer.concat([head, Buffer.from(json, 'utf8')]), offsets };
}

/** Serialises float32 tensors; keys are written sorted, as the Rust writer does. */
export function encodeSafetensors(tensors: Map<string, NamedArray>): Buffer {
  const names = [...tensors.keys()].sort();
  const { prefix, offsets } = safetensorsPrefix(names.map((name) => ({ name, dtype: 'F32', shape: tensors.get(name)!.shape, bytes: tensors.get(name)!.data.byteLength })));
  const body = Buffer.alloc(offsets.length ? offsets[offsets.length - 1][1] : 0);
  names.forEach((name, i) => {
    const { data } = tensors.get(name)!;
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(body, offsets[i][0]);
  });
  return Buffer.concat([prefix, body]);
}
