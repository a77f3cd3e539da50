/**
 * The one signal path of every long-running command and node. SIGINT and SIGTERM request a stop
 * once: the command finishes the unit of work it is in (a batch, a message, a lap), leaves
 * consistent output and returns. Repeats are ignored rather than fatal: Ctrl-C in the terminal
 * that runs `ros2 launch` reaches every node, and launch then sends its own SIGINT (and SIGTERM
 * after a timeout), so a node sees the signal two or three times while it publishes its stop.
 *
 * A handler runs only when the event loop turns: a loop of synchronous work (a training batch)
 * or of already-resolved promises never lets it, so long loops call `poll()` between units.
 */

import { Yielder } from '../event_loop';

export type StopSignal = 'SIGINT' | 'SIGTERM';

const SIGNALS: StopSignal[] = ['SIGINT', 'SIGTERM'];
/** 128 + the signal number, as a shell reports a process ended by that signal. */
const EXIT_CODES: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };
/** How often `poll` turns the event loop: often enough to stop promptly, rarely enough to cost nothing. */
const POLL_INTERVAL_MS = 10;

export class Interrupt {
  private static instance: Interrupt | null = null;
  private received: StopSignal | null = null;
  private repeats = 0;
  private readonly listeners = new Set<(signal: StopSignal) => void>();
  private readonly yielder = new Yielder(POLL_INTERVAL_MS);
  private readonly handler = (signal: StopSignal) => this.request(signal);

  private constructor(private readonly log: (line: string) => void) {
    for (const s of SIGNALS) process.on(s, this.handler);
  }

  /** The process-wide instance; installs the SIGINT/SIGTERM handlers the first time. */
  static watch(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Interrupt {
    Interrupt.instance ??= new Interrupt(log);
    return Interrupt.instance;
  }

  /** Whether a stop was requested (by a signal, or by `request` itself). */
  get requested(): boolean {
    return this.received !== null;
  }

  get signal(): StopSignal | null {
    return this.received;
  }

  /** 130 after SIGINT, 143 after SIGTERM, for a command stopped before it finished. */
  exitCode(): number {
    return this.received ? EXIT_CODES[this.received] : 0;
  }

  /**
   * Lets a pending signal be delivered, then says whether a stop was requested. It turns the
   * event loop at most every few milliseconds, so it is cheap enough to call per message or batch.
   */
  async poll(): Promise<boolean> {
    await this.yielder.turn();
    return this.requested;
  }

  /** Says on stderr what a command stopped by the signal kept; returns its exit code (130/143). */
  reportStop(command: string, kept: string): number {
    this.log(`lnn-ros ${command}: stopped by ${this.received}; ${kept}`);
    return this.exitCode();
  }

  /** Requests a stop as a signal would (the first request wins; later ones are only counted). */
  request(signal: StopSignal): void {
    if (this.received) {
      if (this.repeats++ === 0) this.log(`${signal} again: already stopping (repeats are ignored)`);
      return;
    }
    this.received = signal;
    this.log(`${signal}: stopping after the current step (a repeat is ignored)`);
    for (const listener of [...this.listeners]) listener(signal);
  }

  /** Calls `listener` on the stop request (at once, on the next tick, if it already came); returns the un-registration. */
  onStop(listener: (signal: StopSignal) => void): () => void {
    if (this.received) {
      const signal = this.received;
      setImmediate(() => listener(signal));
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the signal when a stop is requested. */
  stopped(): Promise<StopSignal> {
    return new Promise((resolve) => this.onStop(resolve));
  }

  /** Removes the handlers (tests, and a process that hands signals back to the default). */
  static release(): void {
    const i = Interrupt.instance;
    if (!i) return;
    for (const s of SIGNALS) process.off(s, i.handler);
    i.listeners.clear();
    Interrupt.instance = null;
  }
}
