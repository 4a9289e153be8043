// The templates the simulation replays: each serving mode as a user gets it (defaults), synthesized by the library.
import * as fs from 'fs';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ModelData, RealtimeEndpoint, RealtimeEndpointProps, ServingMode } from '../../lib';
import { fastApp } from '../helpers/synth-checks';
import { ModeKind } from './expectations';

/** A stack with one endpoint, synthesized; its template as CloudFormation reads it. */
export function endpointTemplate(props: Partial<RealtimeEndpointProps>): any {
  const stack = new cdk.Stack(fastApp(), 'Sim');
  new RealtimeEndpoint(stack, 'Endpoint', { modelData: ModelData.fromS3Uri('s3://models-bucket/model.tar.gz'), ...props });
  return Template.fromStack(stack).toJSON();
}

/** The serving modes with the library's defaults (real time always on gets the autoscaling a user would add). */
export function modeTemplates(): Record<ModeKind, any> {
  return {
    'realtime': endpointTemplate({ autoScaling: { minInstanceCount: 1, maxInstanceCount: 3, invocationsPerInstanceTarget: 100 } }),
    'realtime-scale-to-zero': endpointTemplate({ servingMode: ServingMode.realtimeScaleToZero() }),
    'async': endpointTemplate({ servingMode: ServingMode.asynchronous() }),
  };
}

/** The scaling resources of `ServingMode.realtimeScaleToZero()` as synthesized before issue 17 (commit 9a69b28). */
export function templateBeforeIssue17(): any {
  return JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'scale-to-zero-before-issue-17.template.json'), 'utf8'));
}
