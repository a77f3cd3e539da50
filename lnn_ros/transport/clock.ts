/**
 * Clocks for the in-process transport: the wall clock (timers on setInterval) and a simulated
 * clock that only moves when /clock says so, firing due timers in time order — deterministic.
 */
import { Timer } from './types';

export interface Clock {
  now(): bigint;
  schedule(periodNs: bigint, callback: () => void): Timer;
}

export class WallClock implements Clock {
  private readonly originNs = BigInt(Date.now()) * 1_000_000n;
  private readonly originHr = process.hrtime.bigint();

  now(): bigint {
    return this.originNs + (process.hrtime.bigint() - this.originHr);
  }

  schedule(periodNs: bigint, callback: () => void): Timer {
    const handle = setInterval(callback, Number(periodNs) / 1e6);
    return { cancel: () => clearInterval(handle) };
  }
}

interface SimTimer {
  periodNs: bigint;
  nextNs: bigint;
  callback: () => void;
}

export class SimClock implements Clock {
  private current = 0n;
  private readonly timers: SimTimer[] = [];

  now(): bigint {
    return this.current;
  }

  schedule(periodNs: bigint, callback: () => void): Timer {
    const timer: SimTimer = { periodNs, nextNs: this.current + periodNs, callback };
    this.timers.push(timer);
    return {
      cancel: () => {
        const i = this.timers.indexOf(timer);
        if (i >= 0) this.timers.splice(i, 1);
      },
    };
  }

  /**
   * Moves time forward to `ns`, firing each due timer at its own due time. A timer a whole
   * period or more behind fires once, now, and skips the missed periods (as rclcpp's timers do
   * when sim time jumps). Never goes back.
   */
  advanceTo(ns: bigint): void {
    if (ns <= this.current) return;
    for (;;) {
      const due = this.timers.filter((t) => t.nextNs <= ns).sort((a, b) => (a.nextNs < b.nextNs ? -1 : a.nextNs > b.nextNs ? 1 : 0))[0];
      if (!due) break;
      const late = ns - due.nextNs >= due.periodNs;
      const at = late ? ns : due.nextNs;
      if (at > this.current) this.current = at;
      due.nextNs = at + due.periodNs;
      due.callback();
    }
    this.current = ns;
  }
}
