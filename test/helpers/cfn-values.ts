/**
 * A template's properties with every CloudFormation function (`Ref`, `Fn::*`) replaced by a plain string, so that
 * they can be checked against the SageMaker API model as the request the service will receive.
 */
export function withTokensAsStrings(value: any): any {
  if (Array.isArray(value)) {
    return value.map(withTokensAsStrings);
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
      return 'resolved-at-deploy-time';
    }
    return Object.fromEntries(keys.map(k => [k, withTokensAsStrings(value[k])]));
  }
  return value;
}
