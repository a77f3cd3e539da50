/** Nanosecond timestamps (bigint) as people and tools read them. */

const NS_PER_S = 1_000_000_000n;

/** `1585866235112411371n` → `'1585866235.112411371'` (exact). */
export function nsToSecondsText(ns: bigint): string {
  const sign = ns < 0n ? '-' : '';
  const abs = ns < 0n ? -ns : ns;
  return `${sign}${abs / NS_PER_S}.${(abs % NS_PER_S).toString().padStart(9, '0')}`;
}

/** `1585866235112411371n` → `'2020-04-02 22:23:55.112411371 UTC'`. */
export function nsToUtcText(ns: bigint): string {
  const seconds = ns / NS_PER_S - (ns % NS_PER_S < 0n ? 1n : 0n);
  const fraction = ns - seconds * NS_PER_S;
  const date = new Date(Number(seconds) * 1000);
  if (Number.isNaN(date.getTime())) return `${nsToSecondsText(ns)} s`;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}.${fraction.toString().padStart(9, '0')} UTC`;
}
