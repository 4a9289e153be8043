import * as crypto from 'crypto';
import { Stack } from 'aws-cdk-lib';

/** sha256 of the resolved (CloudFormation) form of a value, with object keys sorted. */
export function hashOf(stack: Stack, value: unknown): string {
  return crypto.createHash('sha256').update(stableStringify(stack.resolve(value))).digest('hex');
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as { [key: string]: unknown };
    return `{${Object.keys(obj).sort().map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
