/**
 * Writes a safetensors file whose tensors are declared up front and filled in pieces (each tensor
 * appended in order, any interleaving of tensors), so exports larger than memory work.
 * `safetensors.numpy.load_file` / `safetensors.torch.load_file` read it.
 */
import * as fs from 'fs';
import { safetensorsPrefix } from '../../io/safetensors';
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
    const layout = tensors.map((t) => ({ ...t, bytes: t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype] }));
    const { prefix, offsets } = safetensorsPrefix(layout, metadata);
    this.fd = fs.openSync(file, 'w');
    fs.writeSync(this.fd, prefix);
    const base = prefix.length;
    tensors.forEach((t, i) => this.slots.set(t.name, { ...t, cursor: base + offsets[i][0], end: base + offsets[i][1] }));
    fs.ftruncateSync(this.fd, base + layout.reduce((n, t) => n + t.bytes, 0));
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
