import * as crypto from 'crypto';
import { Stack } from 'aws-cdk-lib';
import { stableStringify } from '../common/stable-json';

/** sha256 of the resolved (CloudFormation) form of a value, with object keys sorted. */
export function hashOf(stack: Stack, value: unknown): string {
  return crypto.createHash('sha256').update(stableStringify(stack.resolve(value))).digest('hex');
}
