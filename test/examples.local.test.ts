import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildModelArchive, CLASSIFIER_SERVING, CLASSIFIER_WEIGHTS } from '../examples/common/model-archive';
import { ExistingArtifactStack } from '../examples/existing-artifact/stack';
import { checkedApp, expectCleanSynth } from './helpers/synth-checks';

const ROOT = path.join(__dirname, '..');
const CONTENTS = { rootFiles: [CLASSIFIER_WEIGHTS], codeDirectory: CLASSIFIER_SERVING };
/** Where each archive member comes from. */
const SOURCES: Record<string, string> = {
  'code/inference.py': path.join(CLASSIFIER_SERVING, 'inference.py'),
  'code/requirements.txt': path.join(CLASSIFIER_SERVING, 'requirements.txt'),
  'weights.json': CLASSIFIER_WEIGHTS,
};

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

describe('example: existing artifact on a GPU endpoint', () => {
  test('synthesizes with no CloudFormation validation finding and no unsuppressed AwsSolutions finding', () => {
    const app = checkedApp();
    const stack = new ExistingArtifactStack(app, 'Example', { archiveDir: tmp('example-archive-') });
    const result = expectCleanSynth(app);
    const template = Template.fromJSON(result.assembly.getStackByName(stack.stackName).template);
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [{ InstanceType: 'ml.g5.xlarge', InitialInstanceCount: 1, ContainerStartupHealthCheckTimeoutInSeconds: 600 }],
    });
    const outputs = template.toJSON().Outputs;
    expect(Object.keys(outputs).sort()).toEqual(['DashboardUrl', 'EndpointName', 'InvokeCommand']);
    const command = JSON.stringify(outputs.InvokeCommand.Value);
    expect(command).toContain('aws sagemaker-runtime invoke-endpoint');
    expect(command).toContain('--endpoint-name ');
    expect(command).toContain(JSON.stringify(outputs.EndpointName.Value));
    expect(command).toContain('--content-type application/json');
  });

  test('the model archive is deterministic and has the serving layout (checked with GNU tar, gzip and Python tarfile)', () => {
    const a = buildModelArchive(CONTENTS, tmp('archive-a-'));
    const b = buildModelArchive(CONTENTS, tmp('archive-b-'));
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);

    execFileSync('gzip', ['-t', a]);
    expect(execFileSync('tar', ['-tzf', a], { encoding: 'utf8' }).trim().split('\n')).toEqual(Object.keys(SOURCES));
    const python = [
      'import sys, tarfile',
      'with tarfile.open(sys.argv[1], "r:gz") as t:',
      '    for m in t.getmembers():',
      '        print(m.name, m.isfile(), m.mtime, m.uname or "-", len(t.extractfile(m).read()))',
    ].join('\n');
    const listing = execFileSync('python3', ['-c', python, a], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual(Object.entries(SOURCES).map(([name, source]) => `${name} True 0 - ${fs.statSync(source).size}`));
    // The extracted files are byte-identical to the sources.
    const out = tmp('archive-x-');
    execFileSync('tar', ['-xzf', a, '-C', out]);
    for (const [name, source] of Object.entries(SOURCES)) {
      expect({ name, identical: fs.readFileSync(path.join(out, name)).equals(fs.readFileSync(source)) }).toEqual({ name, identical: true });
    }
  });

  test('inference.py is valid Python with the four handler functions', () => {
    const python = [
      'import ast, sys',
      'tree = ast.parse(open(sys.argv[1]).read())',
      'print(" ".join(sorted(f.name for f in tree.body if isinstance(f, ast.FunctionDef))))',
    ].join('\n');
    const names = execFileSync('python3', ['-c', python, SOURCES['code/inference.py']], { encoding: 'utf8' }).trim();
    expect(names).toBe('input_fn model_fn output_fn predict_fn');
  });

  test('a code directory without inference.py is refused', () => {
    const dir = tmp('no-code-');
    fs.writeFileSync(path.join(dir, 'predict.py'), 'x');
    expect(() => buildModelArchive({ rootFiles: [CLASSIFIER_WEIGHTS], codeDirectory: dir }, dir)).toThrow(/has no inference\.py/);
  });

  test('without a code directory the archive holds the weights only (for code injection)', () => {
    const archive = buildModelArchive({ rootFiles: [CLASSIFIER_WEIGHTS] }, tmp('weights-only-'));
    expect(execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).trim().split('\n')).toEqual(['weights.json']);
  });

  test('`cdk synth` of the app in cdk.json succeeds offline with an empty validation report', () => {
    const outdir = tmp('cdk-synth-');
    const env = { ...process.env, NODE_ENV: 'production', CDK_DISABLE_VERSION_CHECK: '1' };
    const cdkBin = path.join(ROOT, 'node_modules', '.bin', 'cdk');
    const run = spawnSync(cdkBin, ['synth', '--quiet', '--no-notices', '-o', outdir], { cwd: ROOT, env, encoding: 'utf8' });
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' });
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    const violations = (report.pluginReports ?? []).flatMap((r: any) => r.violations ?? []);
    expect(violations).toEqual([]);
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'PytorchExistingArtifactExample.template.json'), 'utf8'));
    expect(Object.values(template.Resources).map((r: any) => r.Type)).toEqual(expect.arrayContaining([
      'AWS::SageMaker::Model', 'AWS::SageMaker::EndpointConfig', 'AWS::SageMaker::Endpoint',
    ]));
    // Every scenario is in the app, the uncompressed one serving an S3 prefix.
    const uncompressed = JSON.parse(fs.readFileSync(path.join(outdir, 'PytorchUncompressedModelExample.template.json'), 'utf8'));
    const model = Object.values(uncompressed.Resources).find((r: any) => r.Type === 'AWS::SageMaker::Model') as any;
    expect(model.Properties.PrimaryContainer.ModelDataSource.S3DataSource).toMatchObject({ S3DataType: 'S3Prefix', CompressionType: 'None' });
    // The scenarios added with issue 9 are in the app too: the canary and the API in front of an endpoint.
    const canary = JSON.parse(fs.readFileSync(path.join(outdir, 'PytorchCanaryRolloutExample.template.json'), 'utf8'));
    const endpoint = Object.values<any>(canary.Resources).find((r) => r.Type === 'AWS::SageMaker::Endpoint');
    expect(endpoint.Properties.DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.Type).toBe('CANARY');
    const api = JSON.parse(fs.readFileSync(path.join(outdir, 'PytorchApiGatewayExample.template.json'), 'utf8'));
    expect(Object.values<any>(api.Resources).map((r) => r.Type)).toEqual(expect.arrayContaining([
      'AWS::ApiGateway::RestApi', 'AWS::ApiGateway::RequestValidator', 'AWS::SageMaker::Endpoint',
    ]));
    expect(Object.keys(api.Outputs)).toEqual(expect.arrayContaining(['CurlCommand', 'PredictUrl', 'EndpointName', 'InvokeCommand']));
  });
});
