/**
 * The unit tier starts no process (jest.config.js): the synth-time syntax check of inference.py, which starts
 * Python, is turned off for it by test/setup-unit.js. Here a module that does not compile synthesizes, which proves
 * the setting reaches every App of the tier; the check itself is tested in test/core/synth-time-reads.local.test.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InferenceCode, ModelData, PytorchCustomEndpoint } from '../../lib';
import { SYNTAX_CHECK_CONTEXT } from '../../lib/common/python-syntax';

test('the unit tier runs with the syntax check off, so no Python starts during its synths', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unit-tier-'));
  try {
    fs.writeFileSync(path.join(dir, 'inference.py'), 'def model_fn(model_dir)\n    return 1\n');
    const app = new App();
    expect(app.node.tryGetContext(SYNTAX_CHECK_CONTEXT)).toBe(false);
    const stack = new Stack(app, 'S');
    new PytorchCustomEndpoint(stack, 'E', { model: ModelData.fromBucket(s3.Bucket.fromBucketName(stack, 'B', 'models'), 'm.tar.gz'), inferenceCode: InferenceCode.fromDirectory(dir) });
    expect(() => app.synth()).not.toThrow();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
