/**
 * Writes a NumPy `.npy` file (format 1.0, C order, little-endian) of a shape known up front, values
 * appended in pieces — so arrays larger than memory can be exported. `numpy.load` reads it,
 * also with `mmap_mode='r'`.
 */
import * as fs from 'fs';
import { type ArrayDtype, type TypedArray, checkDtype } from './array_dtype';

const DESCR: Record<ArrayDtype, string> = { F32: '<f4', F64: '<f8', I64: '<i8' };

export class NpyWriter {
  private readonly fd: number;
  private readonly expected: number;
  private written = 0;

  constructor(
    readonly file: string,
    readonly dtype: ArrayDtype,
    readonly shape: number[],
  ) {
    const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
    let header = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${dims}, }`;
    // magic (6) + version (2) + length (2) + header, padded with spaces and ended by \n to 64 bytes.
    header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
    const prefix = Buffer.alloc(10);
    prefix.write('\x93NUMPY', 0, 'latin1');
    prefix[6] = 1;
    prefix[7] = 0;
    prefix.writeUInt16LE(header.length, 8);
    this.fd = fs.openSync(file, 'w');
    fs.writeSync(this.fd, Buffer.concat([prefix, Buffer.from(header, 'latin1')]));
    this.expected = shape.reduce((a, b) => a * b, 1);
  }

  append(values: TypedArray): void {
    checkDtype(this.file, this.dtype, values);
    if (this.written + values.length > this.expected) throw new Error(`${this.file}: more than the ${this.expected} values of shape ${this.shape}`);
    fs.writeSync(this.fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    this.written += values.length;
  }

  close(): void {
    fs.closeSync(this.fd);
    if (this.written !== this.expected) throw new Error(`${this.file}: ${this.written} values written, shape ${this.shape} needs ${this.expected}`);
  }
}
