/** One measured number of a benchmark module, as bench/run.ts stores and tabulates it. */
export interface BenchEntry {
  name: string;
  unit: string;
  /** null when the measurement could not be taken (the note says why). */
  value: number | null;
  note?: string;
  /** How to reproduce the number. */
  command: string;
}
