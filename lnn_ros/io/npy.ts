/**
 * Reads NumPy .npy arrays (format 1.0–3.0, little-endian float32/float64, C order) as float32.
 * Sequence files for `lnn-ros fit` are 2-D (time × features).
 */
import * as fs from 'node:fs';
import { InputError } from '../errors';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

export function readNpy(file: string): NpyArray {
  const buf = fs.readFileSync(file);
  const fail = (what: string) => new InputError(`${file}: not a readable .npy array: ${what}`);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw fail('missing the \\x93NUMPY magic');
  const major = buf[6];
  const headerLength = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  if (headerStart + headerLength > buf.length) throw fail(`header length ${headerLength} exceeds the file`);
  const header = buf.subarray(headerStart, headerStart + headerLength).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw fail(`unparsable header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') throw fail('Fortran-ordered arrays are not supported (save with np.ascontiguousarray)');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const body = buf.subarray(headerStart + headerLength);
  const width = descr === '<f4' ? 4 : descr === '<f8' ? 8 : 0;
  if (!width) throw fail(`dtype ${descr} is not supported (expected <f4 or <f8)`);
  if (body.length < count * width) throw fail(`holds ${body.length} data bytes, shape ${JSON.stringify(shape)} needs ${count * width}`);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = width === 4 ? body.readFloatLE(4 * i) : body.readDoubleLE(8 * i);
  return { shape, data };
}
