import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TrainingJob, TrainingJobProps } from '../../lib/training';
import { fastApp } from '../helpers/synth-checks';

export const SOURCE = path.join(__dirname, 'fixtures', 'source');
/** A source directory whose requirements.txt names no package (dependencies vendored): usable under network isolation. */
export const VENDORED_SOURCE = path.join(__dirname, 'fixtures', 'source-vendored');

export interface Synthesized {
  readonly stack: Stack;
  readonly job: TrainingJob;
  readonly template: Template;
  readonly json: any;
}

/** Synthesizes one TrainingJob in a fresh stack; `setup` may add what the props refer to. */
export function synthJob(
  props: Partial<TrainingJobProps> | ((stack: Stack) => Partial<TrainingJobProps>) = {},
  env?: { account: string; region: string },
): Synthesized {
  const stack = new Stack(fastApp(), 'TestStack', { env });
  const extra = typeof props === 'function' ? props(stack) : props;
  const job = new TrainingJob(stack, 'Train', { sourceDirectory: SOURCE, ...extra });
  const template = Template.fromStack(stack);
  return { stack, job, template, json: template.toJSON() };
}

/** The properties of the job's custom resource as synthesized. */
export function jobProperties(json: any): any {
  const found = Object.values(json.Resources).filter((r: any) => r.Type === 'Custom::SageMakerTrainingJob') as any[];
  expect(found).toHaveLength(1);
  return found[0].Properties;
}

/** Every IAM statement of the template. */
export function allStatements(json: any): any[] {
  return Object.values(json.Resources)
    .filter((r: any) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::Role')
    .flatMap((r: any) => [
      ...(r.Properties.PolicyDocument?.Statement ?? []),
      ...(r.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement),
    ]);
}
