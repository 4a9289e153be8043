import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag's `AwsSolutions-IAM5` finding for one wildcard resource that a construct needs by design
 * (log streams named by SageMaker, the objects under a model prefix), with the reason.
 *
 * cdk-nag 3 names each wildcard finding `AwsSolutions-IAM5[Resource::<flattened ARN>]`, where the ARN is flattened
 * the way its `flattenCfnReference` does (`Ref` -> `<Name>`, `Fn::GetAtt` -> `<Resource.Attribute>`, `Fn::Join`
 * joined). The acknowledgement is recorded with `Validations.of(scope)` and covers only resources under `scope`, so
 * a role the user brings from elsewhere keeps its findings. It is plain construct metadata: harmless when cdk-nag
 * is not used.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  const flattened = flattenCfnReference(Stack.of(scope).resolve(resourceArn));
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flattened}]`, reason });
}

/** The same flattening cdk-nag applies to a resolved CloudFormation value. */
export function flattenCfnReference(node: unknown): string {
  if (node === undefined) {
    return '';
  }
  if (typeof node === 'string') {
    return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  }
  const obj = node as { [key: string]: unknown };
  if (obj['Fn::Join']) {
    const [delimiter, items] = obj['Fn::Join'] as [string, unknown[]];
    return items.map(flattenCfnReference).join(delimiter);
  }
  if (obj['Fn::Sub']) {
    return flattenCfnReference(obj['Fn::Sub']);
  }
  if (obj['Fn::GetAtt']) {
    const [resource, attribute] = obj['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenCfnReference(resource)}.${flattenCfnReference(attribute)}>`;
  }
  if (obj['Fn::ImportValue']) {
    return flattenCfnReference(obj['Fn::ImportValue']);
  }
  if (obj.Ref) {
    return `<${flattenCfnReference(obj.Ref)}>`;
  }
  return JSON.stringify(node);
}
