/**
 * JSON with object keys sorted at every depth: the same value always gives the same text, whatever the order its
 * keys were built in. Used where a value is hashed (training inputs) or compared (a job's request).
 */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as { [key: string]: unknown };
    return `{${Object.keys(obj).sort().map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
