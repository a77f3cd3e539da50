/** Training progress: a redrawn bar with loss and ETA on a terminal, plain lines otherwise. */
export interface ProgressOptions {
  /** Total units of work (batches over all epochs). */
  total: number;
  stream?: NodeJS.WriteStream;
  /** Force plain lines (e.g. for logs); default: plain unless the stream is a TTY. */
  plain?: boolean;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export class Progress {
  private done = 0;
  private readonly started = Date.now();
  private readonly stream: NodeJS.WriteStream;
  private readonly plain: boolean;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.plain = options.plain ?? !this.stream.isTTY;
  }

  /** Records `units` of finished work and redraws the bar. */
  advance(units: number, label: string): void {
    this.done += units;
    if (this.plain) return;
    const fraction = Math.min(1, this.done / this.options.total);
    const width = 24;
    const filled = Math.round(fraction * width);
    const elapsed = (Date.now() - this.started) / 1000;
    const eta = (elapsed / this.done) * (this.options.total - this.done);
    this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${label} ETA ${duration(eta)}   `);
  }

  /** A line that stays (one per epoch). */
  line(text: string): void {
    this.stream.write(this.plain ? `${text}\n` : `\r${text.padEnd(90)}\n`);
  }
}
