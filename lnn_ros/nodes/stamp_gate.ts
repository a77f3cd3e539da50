/**
 * Decides, from header stamps alone, what a new message does to a recurrent policy: advance by
 * the elapsed time, be dropped (duplicate, slightly out of order), or reset the state (time
 * jumped back — a bag loop, a simulator reset — or a gap longer than max_dt).
 */

export interface StampGateOptions {
  /** A gap longer than this (seconds) resets the state. */
  maxDt: number;
  /** A stamp further back than this (seconds) is a jump back (reset), not a late message (drop). */
  jumpBack: number;
  /** Elapsed time used for the first message after a start or reset (seconds). */
  initialDt: number;
}

export type GateDecision =
  | { action: 'step'; dt: number }
  | { action: 'drop'; reason: 'duplicate' | 'out_of_order' }
  | { action: 'reset'; reason: 'start' | 'jump_back' | 'gap'; dt: number };

export class StampGate {
  private lastNs: bigint | null = null;

  constructor(private options: StampGateOptions) {}

  /** New bounds from the next message on (a run-time parameter change). */
  configure(options: StampGateOptions): void {
    this.options = options;
  }

  check(stampNs: bigint): GateDecision {
    const last = this.lastNs;
    if (last === null) {
      this.lastNs = stampNs;
      return { action: 'reset', reason: 'start', dt: this.options.initialDt };
    }
    if (stampNs === last) return { action: 'drop', reason: 'duplicate' };
    const dt = Number(stampNs - last) / 1e9;
    if (dt < 0 && -dt <= this.options.jumpBack) return { action: 'drop', reason: 'out_of_order' };
    this.lastNs = stampNs;
    if (dt < 0) return { action: 'reset', reason: 'jump_back', dt: this.options.initialDt };
    if (dt > this.options.maxDt) return { action: 'reset', reason: 'gap', dt: this.options.initialDt };
    return { action: 'step', dt };
  }

  /** Forget the last stamp (e.g. after a model swap): the next message starts afresh. */
  restart(): void {
    this.lastNs = null;
  }
}
