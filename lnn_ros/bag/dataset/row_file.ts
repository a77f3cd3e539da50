/**
 * An append-only file of fixed-size rows with a small write buffer, which can also be cut back to
 * an earlier row count (a sequence that turned out too short is discarded by rewinding).
 */
import * as fs from 'fs';

const BUFFER_BYTES = 1 << 20;

export class RowFile {
  private readonly fd: number;
  private readonly buffer: Uint8Array;
  private bufferRows = 0;
  private flushedRows = 0;

  constructor(
    readonly file: string,
    readonly rowBytes: number,
  ) {
    this.fd = fs.openSync(file, 'w');
    this.buffer = new Uint8Array(Math.max(1, Math.floor(BUFFER_BYTES / rowBytes)) * rowBytes);
  }

  /** Rows written so far (flushed or not). */
  get rows(): number {
    return this.flushedRows + this.bufferRows;
  }

  append(row: ArrayBufferView): void {
    const bytes = new Uint8Array(row.buffer, row.byteOffset, row.byteLength);
    if (bytes.byteLength !== this.rowBytes) throw new Error(`${this.file}: row of ${bytes.byteLength} bytes, expected ${this.rowBytes}`);
    if ((this.bufferRows + 1) * this.rowBytes > this.buffer.byteLength) this.flush();
    this.buffer.set(bytes, this.bufferRows * this.rowBytes);
    this.bufferRows++;
  }

  /** Forgets every row from `rows` on. */
  truncate(rows: number): void {
    if (rows >= this.flushedRows) {
      this.bufferRows = Math.min(this.bufferRows, rows - this.flushedRows);
    } else {
      this.bufferRows = 0;
      this.flushedRows = rows;
    }
  }

  private flush(): void {
    const length = this.bufferRows * this.rowBytes;
    let done = 0;
    while (done < length) done += fs.writeSync(this.fd, this.buffer, done, length - done, this.flushedRows * this.rowBytes + done);
    this.flushedRows += this.bufferRows;
    this.bufferRows = 0;
  }

  close(): void {
    this.flush();
    fs.ftruncateSync(this.fd, this.flushedRows * this.rowBytes);
    fs.closeSync(this.fd);
  }
}
