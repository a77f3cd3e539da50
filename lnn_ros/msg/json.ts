/**
 * Decoded messages → text. JSON keeps every value exact and parseable: 64-bit integers (bigint)
 * are written as JSON numbers with all their digits (Python's json reads them exactly; JavaScript's
 * JSON.parse rounds beyond 2^53), NaN and ±Infinity as the strings "NaN", "Infinity",
 * "-Infinity", `uint8`/`byte`/`char` arrays as base64 strings, other arrays as JSON arrays.
 */

/** One-line JSON of a decoded message (or any value built of the same parts). */
export function messageToJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(String(value));
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'object':
      if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
      if (Array.isArray(value) || ArrayBuffer.isView(value)) return `[${Array.from(value as ArrayLike<unknown>, messageToJson).join(',')}]`;
      return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${messageToJson(v)}`).join(',')}}`;
    default:
      return JSON.stringify(String(value));
  }
}

/**
 * Plain objects and arrays for human-readable output (YAML): typed arrays become arrays, and
 * arrays and strings longer than `maxLength` are cut with a trailing '...' (as `ros2 topic echo`).
 */
export function messageToPlain(value: unknown, maxLength: number): unknown {
  if (typeof value === 'string') return value.length > maxLength ? `${value.slice(0, maxLength)}...` : value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const items = value as ArrayLike<unknown>;
    const kept = Array.from({ length: Math.min(items.length, maxLength) }, (_, i) => messageToPlain(items[i], maxLength));
    return items.length > maxLength ? [...kept, '...'] : kept;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, messageToPlain(v, maxLength)]));
}
