/**
 * The McapWriter's output: synchronous appends to a file descriptor. Synchronous on purpose: every
 * record the writer hands over (one chunk plus its message indexes at a time) is in the kernel's
 * page cache when the call returns, so a recorder killed later still leaves those chunks on disk.
 */
import * as fs from 'fs';
import type { IWritable } from '@mcap/core';

export class FileSink implements IWritable {
  private fd: number | undefined;
  private offset = 0n;

  /** Creates (or with `overwrite`, truncates) `file`; fails when it exists otherwise. */
  constructor(readonly file: string, overwrite = false) {
    this.fd = fs.openSync(file, overwrite ? 'w' : 'wx');
  }

  async write(buffer: Uint8Array): Promise<void> {
    if (this.fd === undefined) throw new Error(`${this.file}: written after close`);
    let done = 0;
    while (done < buffer.byteLength) done += fs.writeSync(this.fd, buffer, done);
    this.offset += BigInt(buffer.byteLength);
  }

  position(): bigint {
    return this.offset;
  }

  /** Bytes written so far. */
  get size(): number {
    return Number(this.offset);
  }

  close(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
