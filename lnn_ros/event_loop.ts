/**
 * Turning the event loop from long loops. Signal handlers, timers and I/O callbacks run only when
 * the loop turns: synchronous work (a training batch) or a chain of already-resolved promises (a
 * bag read from the page cache) never lets them, so a Ctrl-C would wait for the whole job.
 */

/** Resolves after one turn of the event loop (pending signals and I/O callbacks have run). */
export function turnEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Turns the event loop at most every `intervalMs`, so that it is cheap to call per message. */
export class Yielder {
  private last = performance.now();

  constructor(private readonly intervalMs = 10) {}

  async turn(): Promise<void> {
    if (performance.now() - this.last < this.intervalMs) return;
    await turnEventLoop();
    this.last = performance.now();
  }
}

/** What long work needs of the process's stop path (cli/interrupt's Interrupt provides it). */
export interface StopRequest {
  /** Whether a stop was requested. */
  readonly requested: boolean;
  /** Calls `listener` when a stop is requested; returns the un-registration. */
  onStop(listener: () => void): () => void;
}
