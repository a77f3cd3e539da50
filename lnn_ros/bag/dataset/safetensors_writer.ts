/**
 * Writes a safetensors file whose tensors are declared up front and filled in pieces (each tensor
 * appended in order, any interleaving of tensors), so exports larger than memory work.
 * `safetensors.numpy.load_file` / `safetensors.torch.load_file` read it.
 */
import * as fs from 'fs';
import { type ArrayDtype, DTYPE_BYTES, type TypedArray, checkDtype } from './array_dtype';

export interface TensorDecl {
  name: string;
  dtype: ArrayDtype;
  shape: number[];
}

interface Slot extends TensorDecl {
  /** Byte position in the file of the next value. */
  cursor: number;
  end: number;
}

export class SafetensorsWriter {
  private readonly fd: number;
  private readonly slots = new Map<string, Slot>();

  constructor(
    readonly file: string,
    tensors: TensorDecl[],
    metadata: Record<string, string> = {},
  ) {
    const header: Record<string, unknown> = { __metadata__: metadata };
    let offset = 0;
    const ranges: [TensorDecl, number, number][] = [];
    for (const t of tensors) {
      const bytes = t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype];
      header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
      ranges.push([t, offset, offset + bytes]);
      offset += bytes;
    }
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8); // 8-byte aligned data, as the Rust writer
    const head = Buffer.alloc(8);
    head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
    this.fd = fs.openSync(file, 'w');
    fs.writeSync(this.fd, Buffer.concat([head, Buffer.from(json, 'utf8')]));
    const base = 8 + Buffer.byteLength(json);
    for (const [t, begin, end] of ranges) this.slots.set(t.name, { ...t, cursor: base + begin, end: base + end });
    fs.ftruncateSync(this.fd, base + offset);
  }

  append(name: string, values: TypedArray): void {
    const slot = this.slots.get(name);
    if (!slot) throw new Error(`${this.file}: no tensor ${name} declared`);
    checkDtype(this.file, slot.dtype, values);
    if (slot.cursor + values.byteLength > slot.end) throw new Error(`${this.file}: tensor ${name} overfilled`);
    fs.writeSync(this.fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength), 0, values.byteLength, slot.cursor);
    slot.cursor += values.byteLength;
  }

  close(): void {
    fs.closeSync(this.fd);
    for (const s of this.slots.values()) {
      if (s.cursor !== s.end) throw new Error(`${this.file}: tensor ${s.name} is ${s.end - s.cursor} bytes short`);
    }
  }
}
