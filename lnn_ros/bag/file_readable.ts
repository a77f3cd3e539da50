/** Random-access reads of a file for the MCAP readers, with a small read-ahead window. */

import * as fs from 'node:fs';
import type { IReadable } from '@mcap/core';
import { InputError } from '../errors';

const WINDOW_BYTES = 1 << 20;

export class FileReadable implements IReadable {
  readonly byteLength: number;
  private readonly fd: number;
  /** The last window read; every window is a fresh buffer, so views handed out stay valid. */
  private window: { start: number; bytes: Buffer } | undefined;

  constructor(readonly path: string) {
    this.fd = fs.openSync(path, 'r');
    this.byteLength = fs.fstatSync(this.fd).size;
  }

  async size(): Promise<bigint> {
    return BigInt(this.byteLength);
  }

  async read(offset: bigint, length: bigint): Promise<Uint8Array> {
    if (offset + length > BigInt(this.byteLength)) this.throwPastEnd(offset, length);
    return this.readSync(Number(offset), Number(length));
  }

  /** `length` bytes at `offset`; an InputError naming the file when they are not all there. */
  readSync(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.byteLength) this.throwPastEnd(BigInt(offset), BigInt(length));
    const w = this.window;
    if (w && offset >= w.start && offset + length <= w.start + w.bytes.byteLength) {
      return w.bytes.subarray(offset - w.start, offset - w.start + length);
    }
    const bytes = Buffer.allocUnsafeSlow(Math.min(Math.max(length, WINDOW_BYTES), this.byteLength - offset));
    if (fs.readSync(this.fd, bytes, 0, bytes.byteLength, offset) !== bytes.byteLength) this.throwPastEnd(BigInt(offset), BigInt(length));
    if (length <= WINDOW_BYTES) this.window = { start: offset, bytes };
    return bytes.subarray(0, length);
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private throwPastEnd(offset: bigint, length: bigint): never {
    throw new InputError(`${this.path}: needs ${length} bytes at byte ${offset}, but the file has ${this.byteLength} bytes (truncated?)`);
  }
}
