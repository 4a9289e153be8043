// The reference documentation of HyperparameterType.FLOAT must say what the script really receives for a whole
// value. Measured here with python3's json.loads (the training toolkit's decoder) on what the library sends, then
// compared with the doc comment (source of API.md) and with the committed API.md.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Hyperparameter } from '../../lib/training';
import { encodeHyperparameters } from '../../lib/training/hyperparameter-set';

const ROOT = path.join(__dirname, '..', '..');

/** The Python type name json.loads gives each value (what the toolkit's read_hyperparameters does). */
function pythonTypes(values: { [name: string]: string }): { [name: string]: string } {
  const script = 'import json,sys\nprint(json.dumps({k: type(json.loads(v)).__name__ for k, v in json.load(sys.stdin).items()}))';
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(values) }).toString());
}

/** The doc comment just above `FLOAT = 'float'` in the HyperparameterType enum. */
function floatDocComment(): string {
  const source = fs.readFileSync(path.join(ROOT, 'lib', 'training', 'hyperparameters.ts'), 'utf8');
  const match = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*FLOAT = 'float'/.exec(source);
  if (!match) throw new Error('HyperparameterType.FLOAT has no doc comment');
  return match[1].replace(/\s*\*\s*/g, ' ').trim();
}

test('a whole float reaches the script as a Python float', () => {
  const { values } = encodeHyperparameters(new Stack(new App(), 'Job'), { whole: Hyperparameter.float(5), fraction: Hyperparameter.float(0.5) }, {}, []);
  expect(values).toEqual({ whole: '5.0', fraction: '0.5' });
  expect(pythonTypes(values)).toEqual({ whole: 'float', fraction: 'float' });
});

test('the FLOAT doc comment says a whole value arrives as a float, not an int', () => {
  const doc = floatDocComment();
  expect(doc).toMatch(/receives a Python `float`/);
  expect(doc).not.toMatch(/`int` when the value is whole/);
  expect(doc).toMatch(/5\.0/);
});

test('API.md carries the corrected FLOAT documentation', () => {
  const api = fs.readFileSync(path.join(ROOT, 'API.md'), 'utf8');
  const section = api.slice(api.indexOf('id="cdk-pytorch-sagemaker.HyperparameterType.FLOAT"'));
  expect(section).toMatch(/receives a Python `float`, a whole value too/);
  expect(api).not.toMatch(/`int` when the value is whole/);
});
