// Turns the properties of a synthesized custom resource into what CloudFormation hands the handler: intrinsic
// functions resolved (with stand-in values for references) and every scalar made a string. The stand-ins are
// realistic (ARNs, ids and names of the form the real resource has) because test/helpers/api-models.ts checks the
// evaluated properties against the services' patterns.

const PSEUDO: { [name: string]: string } = {
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'TestStack',
};

export interface EvalContext {
  readonly template: any;
  /** Values of CloudFormation parameters, by logical id (strings; lists as arrays). */
  readonly parameters?: { [name: string]: string | string[] };
}

export function evaluate(value: any, ctx: EvalContext): any {
  if (Array.isArray(value)) return value.map((v) => evaluate(v, ctx));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [fn] = keys;
    const arg = value[fn];
    switch (fn) {
      case 'Ref': return ref(arg, ctx);
      case 'Fn::GetAtt': {
        const [logicalId, attr] = arg;
        if (attr === 'Arn') {
          const type = ctx.template.Resources[logicalId]?.Type ?? '';
          if (type === 'AWS::IAM::Role') return `arn:aws:iam::123456789012:role/${logicalId}`;
          if (type === 'AWS::Lambda::Function') return `arn:aws:lambda:us-east-1:123456789012:function:${logicalId}`;
          if (type === 'AWS::KMS::Key') return `arn:aws:kms:us-east-1:123456789012:key/${logicalId.toLowerCase()}`;
          if (type === 'AWS::S3::Bucket') return `arn:aws:s3:::${logicalId.toLowerCase()}`;
          if (SAGEMAKER_ARN_KINDS[type]) return `arn:aws:sagemaker:us-east-1:123456789012:${SAGEMAKER_ARN_KINDS[type]}/${physicalName(logicalId).toLowerCase()}`;
          return `arn:aws:service:us-east-1:123456789012:${logicalId}`;
        }
        if (attr === 'GroupId') return `sg-${logicalId.toLowerCase().slice(0, 17)}`;
        // ModelName, EndpointConfigName, EndpointName, ...: the name CloudFormation generated for the resource.
        if (attr.endsWith('Name')) return physicalName(logicalId);
        return `${logicalId}.${attr}`;
      }
      case 'Fn::Join': return evaluate(arg[1], ctx).join(arg[0]);
      case 'Fn::Sub': return String(arg).replace(/\$\{([^}]+)\}/g, (_, name) => ref(name, ctx));
      case 'Fn::FindInMap': {
        const [map, k1, k2] = evaluate(arg, ctx);
        return ctx.template.Mappings[map][k1][k2];
      }
      case 'Fn::Select': return evaluate(arg[1], ctx)[Number(evaluate(arg[0], ctx))];
      case 'Fn::Split': return String(evaluate(arg[1], ctx)).split(arg[0]);
      default: break;
    }
  }
  return Object.fromEntries(keys.map((k) => [k, evaluate(value[k], ctx)]));
}

function ref(name: string, ctx: EvalContext): any {
  if (name in PSEUDO) return PSEUDO[name];
  if (ctx.template.Parameters?.[name]) {
    const given = ctx.parameters?.[name];
    if (given !== undefined) return given;
    const def = ctx.template.Parameters[name].Default;
    if (def === undefined) throw new Error(`parameter ${name} has no value`);
    return ctx.template.Parameters[name].Type === 'CommaDelimitedList' || ctx.template.Parameters[name].Type.startsWith('List<')
      ? String(def).split(',') : def;
  }
  const resource = ctx.template.Resources[name];
  if (!resource) throw new Error(`unknown reference ${name}`);
  if (resource.Type === 'AWS::S3::Bucket') return name.toLowerCase();
  if (resource.Type === 'AWS::EC2::SecurityGroup') return `sg-${name.toLowerCase().slice(0, 17)}`;
  if (resource.Type === 'AWS::EC2::Subnet') return `subnet-${name.toLowerCase().slice(0, 17)}`;
  // A key's Ref is its key id (a UUID); a SageMaker resource's Ref is its ARN.
  if (resource.Type === 'AWS::KMS::Key') return '1234abcd-12ab-34cd-56ef-1234567890ab';
  if (SAGEMAKER_ARN_KINDS[resource.Type]) return `arn:aws:sagemaker:us-east-1:123456789012:${SAGEMAKER_ARN_KINDS[resource.Type]}/${physicalName(name).toLowerCase()}`;
  // A topic's Ref is its ARN.
  if (resource.Type === 'AWS::SNS::Topic') return `arn:aws:sns:us-east-1:123456789012:${physicalName(name)}`;
  return name;
}

const SAGEMAKER_ARN_KINDS: { [type: string]: string } = {
  'AWS::SageMaker::Model': 'model',
  'AWS::SageMaker::EndpointConfig': 'endpoint-config',
  'AWS::SageMaker::Endpoint': 'endpoint',
  'AWS::SageMaker::InferenceComponent': 'inference-component',
};

/** A name CloudFormation generates for a resource without one: the logical id and a random suffix. */
function physicalName(logicalId: string): string {
  return `${logicalId.slice(0, 50)}-AbCdEf123456`;
}

/** CloudFormation delivers custom resource properties with every number and boolean as a string. */
export function stringifyScalars(value: any): any {
  if (Array.isArray(value)) return value.map(stringifyScalars);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stringifyScalars(v)]));
  }
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}

/** The properties of the one resource of a type, as the handler receives them. */
export function deliveredProperties(template: any, type: string, parameters?: { [name: string]: string | string[] }): { [key: string]: any } {
  const found = Object.values(template.Resources).filter((r: any) => r.Type === type) as any[];
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return stringifyScalars(evaluate(found[0].Properties, { template, parameters }));
}
