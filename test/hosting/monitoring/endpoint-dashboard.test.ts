import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EndpointAlarms, EndpointDashboard, EndpointDashboardProps } from '../../../lib/hosting/monitoring';
import { TrainingJobMetrics } from '../../../lib/training';
import { checkedApp, expectCleanSynth } from '../../helpers/synth-checks';

const BASE: EndpointDashboardProps = { endpointName: 'my-endpoint', variantName: 'AllTraffic' };

/**
 * The dashboard body is a `Fn::Join` of JSON text and references (region, alarm ARNs). Replace each reference by a
 * readable placeholder and parse the JSON, so tests can look at the widgets.
 */
function renderJoin(value: any): string {
  if (typeof value === 'string') return value;
  if (value['Fn::Join']) return value['Fn::Join'][1].map(renderJoin).join(value['Fn::Join'][0]);
  if (value.Ref) return `<${value.Ref}>`;
  if (value['Fn::GetAtt']) return `<${value['Fn::GetAtt'].join('.')}>`;
  throw new Error(`unexpected ${JSON.stringify(value)}`);
}

interface Widget { type: string; properties: { [key: string]: any } }

function widgets(props: Partial<EndpointDashboardProps> = {}, stack = new cdk.Stack()): Widget[] {
  new EndpointDashboard(stack, 'Dashboard', { ...BASE, ...props });
  const dashboards = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  return JSON.parse(renderJoin(dashboards[0].Properties.DashboardBody)).widgets;
}

/** Every metric line of the graph widgets, as [namespace, name, ...dimension name/value pairs]. */
function metricLines(ws: Widget[]): string[][] {
  return ws.filter((w) => w.type === 'metric')
    .flatMap((w) => w.properties.metrics as any[][])
    .map((line) => line.filter((part) => typeof part === 'string'));
}

function graph(ws: Widget[], title: string): Widget {
  const found = ws.find((w) => w.properties.title === title);
  if (!found) throw new Error(`no widget titled ${title}: ${ws.map((w) => w.properties.title).join(', ')}`);
  return found;
}

test('graphs traffic, errors, latency and every instance metric of the variant', () => {
  const lines = metricLines(widgets());
  const variant = ['EndpointName', 'my-endpoint', 'VariantName', 'AllTraffic'];
  for (const name of ['Invocations', 'InvocationsPerInstance', 'Invocation5XXErrors', 'Invocation4XXErrors', 'ModelLatency', 'OverheadLatency']) {
    expect(lines).toContainEqual(['AWS/SageMaker', name, ...variant]);
  }
  for (const name of ['GPUUtilization', 'GPUMemoryUtilization', 'CPUUtilization', 'MemoryUtilization', 'DiskUtilization']) {
    expect(lines).toContainEqual(['/aws/sagemaker/Endpoints', name, ...variant]);
  }
});

test('latency percentiles, per-minute period, and instances counted from utilization samples', () => {
  const ws = widgets();
  const latency = graph(ws, 'Latency (microseconds)').properties.metrics as any[][];
  expect(latency.map((line) => line[line.length - 1].stat)).toEqual(['p50', 'p90', 'p99', 'p90']);
  expect(latency.every((line) => line[line.length - 1].period === 60)).toBe(true);
  const instances = graph(ws, 'Instances in service').properties.metrics as any[][];
  expect(instances).toHaveLength(1);
  expect(instances[0].slice(0, 2)).toEqual(['/aws/sagemaker/Endpoints', 'CPUUtilization']);
  expect(instances[0][instances[0].length - 1]).toEqual(expect.objectContaining({ stat: 'SampleCount', period: 60 }));
});

test('shows the state of the given alarms', () => {
  const stack = new cdk.Stack();
  const alarms = new EndpointAlarms(stack, 'Alarms', BASE);
  const ws = widgets({ alarms: alarms.alarms }, stack);
  const status = ws.filter((w) => w.type === 'alarm');
  expect(status).toHaveLength(1);
  expect(status[0].properties.alarms).toEqual(alarms.alarms.map((a) =>
    `<${stack.getLogicalId(a.node.defaultChild as cdk.CfnElement)}.Arn>`));
});

test('no alarm widget without alarms, and no training section without a training job', () => {
  const ws = widgets();
  expect(ws.filter((w) => w.type === 'alarm')).toEqual([]);
  expect(metricLines(ws).some((line) => line[0] === '/aws/sagemaker/TrainingJobs')).toBe(false);
});

test('a training job adds its per-host utilization and its metric definitions', () => {
  const ws = widgets({ widgets: new TrainingJobMetrics('train-abc').dashboardWidgets({ instanceCount: 2, metricNames: ['train:loss', 'val:acc'] }) });
  const training = metricLines(ws).filter((line) => line[0] === '/aws/sagemaker/TrainingJobs');
  for (const name of ['GPUUtilization', 'GPUMemoryUtilization', 'CPUUtilization', 'MemoryUtilization', 'DiskUtilization']) {
    expect(training).toContainEqual(['/aws/sagemaker/TrainingJobs', name, 'Host', 'train-abc/algo-1']);
    expect(training).toContainEqual(['/aws/sagemaker/TrainingJobs', name, 'Host', 'train-abc/algo-2']);
  }
  expect(training).toContainEqual(['/aws/sagemaker/TrainingJobs', 'train:loss', 'TrainingJobName', 'train-abc']);
  expect(training).toContainEqual(['/aws/sagemaker/TrainingJobs', 'val:acc', 'TrainingJobName', 'train-abc']);
  expect(training.some((line) => line.includes('train-abc/algo-3'))).toBe(false);
});

test('a training job name given as a token is referenced', () => {
  const stack = new cdk.Stack();
  const jobName = new cdk.CfnParameter(stack, 'JobName').valueAsString;
  const lines = metricLines(widgets({ widgets: new TrainingJobMetrics(jobName).dashboardWidgets() }, stack));
  expect(lines).toContainEqual(['/aws/sagemaker/TrainingJobs', 'GPUUtilization', 'Host', '<JobName>/algo-1']);
});

describe('name and URL', () => {
  test('env-agnostic stack: the URL takes the region and the generated name from CloudFormation', () => {
    const stack = new cdk.Stack();
    const dashboard = new EndpointDashboard(stack, 'Dashboard', BASE);
    const logicalId = stack.getLogicalId(dashboard.dashboard.node.defaultChild as cdk.CfnElement);
    expect(renderJoin(stack.resolve(dashboard.dashboardUrl)))
      .toBe(`https://console.aws.amazon.com/cloudwatch/home?region=<AWS::Region>#dashboards:name=<${logicalId}>`);
  });

  test('known region and fixed name give a literal URL', () => {
    const stack = new cdk.Stack(undefined, 'S', { env: { region: 'eu-west-1', account: '123456789012' } });
    const dashboard = new EndpointDashboard(stack, 'Dashboard', { ...BASE, dashboardName: 'my-endpoint-ops' });
    expect(stack.resolve(dashboard.dashboardUrl))
      .toBe('https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards:name=my-endpoint-ops');
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'my-endpoint-ops' });
  });

  test('opens on the last 3 hours unless told otherwise', () => {
    const stack = new cdk.Stack();
    new EndpointDashboard(stack, 'Dashboard', { ...BASE, defaultInterval: cdk.Duration.days(1) });
    const body = renderJoin(Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    expect(JSON.parse(body).start).toBe('-P1D');
    const defaultStack = new cdk.Stack();
    new EndpointDashboard(defaultStack, 'Dashboard', BASE);
    const defaultBody = renderJoin(Object.values(Template.fromStack(defaultStack).findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    expect(JSON.parse(defaultBody).start).toBe('-PT3H');
  });
});

describe('validation', () => {
  test.each([
    ['a space', 'my dashboard'],
    ['a slash', 'ops/endpoint'],
    ['256 characters', 'a'.repeat(256)],
  ])('a dashboard name with %s is rejected', (_what, dashboardName) => {
    expect(() => new EndpointDashboard(new cdk.Stack(), 'Dashboard', { ...BASE, dashboardName }))
      .toThrow(/is not a valid CloudWatch dashboard name: use 1 to 255 letters, digits, "-" or "_"/);
  });

  test('a training instance count of 0 is rejected', () => {
    expect(() => new TrainingJobMetrics('j').dashboardWidgets({ instanceCount: 0 }))
      .toThrow(/instanceCount must be a whole number of at least 1, got 0/);
  });
});

test('synthesizes with zero CloudFormation schema and cdk-nag findings', () => {
  const app = checkedApp();
  const stack = new cdk.Stack(app, 'Dashboard');
  const alarms = new EndpointAlarms(stack, 'Alarms', BASE);
  new EndpointDashboard(stack, 'Dashboard', { ...BASE, alarms: alarms.alarms, widgets: new TrainingJobMetrics('train-abc').dashboardWidgets({ metricNames: ['train:loss'] }) });
  expectCleanSynth(app);
});
