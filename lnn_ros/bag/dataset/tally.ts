/** Counts by reason, for the build report ("what was dropped or cut, and why"). */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(reason: string, n = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  get(reason: string): number {
    return this.counts.get(reason) ?? 0;
  }

  /** Adds every count of `other` (merging per-bag reports). */
  merge(other: Record<string, number>): void {
    for (const [reason, n] of Object.entries(other)) this.add(reason, n);
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
