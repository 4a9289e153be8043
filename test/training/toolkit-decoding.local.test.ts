// Feeds the library's encoded hyperparameters through a faithful Python re-statement of the SageMaker training
// toolkit's decoding and delivery (test/training/toolkit_decode.py, run with python3) and checks that each value
// arrives as its declared Python type in every form: decoded dict, SM_HPS, SM_HP_<NAME>, command-line args.
import { execFileSync } from 'child_process';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Hyperparameter } from '../../lib/training';
import { encodeHyperparameters } from '../../lib/training/hyperparameter-set';
import { finalizeHyperparameters } from '../../lib/training/runtime/deploy-time-hyperparameters';

const SCRIPT = path.join(__dirname, 'toolkit_decode.py');
const EXAMPLE_DIR = path.join(__dirname, '..', '..', 'examples', 'train-and-serve', 'training');

function throughToolkit(hyperparameters: { [name: string]: string }): any {
  const out = execFileSync('python3', [SCRIPT], {
    input: JSON.stringify({ hyperparameters }),
    env: { ...process.env, EXAMPLE_DIR },
  });
  return JSON.parse(out.toString());
}

const LIBRARY = {
  sagemaker_program: '"train.py"',
  sagemaker_submit_directory: '"s3://bucket/key.gz"',
  sagemaker_region: '"us-east-1"',
  sagemaker_container_log_level: '20',
  sagemaker_torch_distributed_enabled: 'true',
  sagemaker_instance_type: '"ml.p4d.24xlarge"',
};

describe('synth-time hyperparameters through the training toolkit', () => {
  const declared = {
    epochs: Hyperparameter.integer(5),
    learning_rate: Hyperparameter.float(0.001),
    momentum: Hyperparameter.float(1),
    use_amp: Hyperparameter.boolean(false),
    optimizer: Hyperparameter.string('adam'),
    run_id: Hyperparameter.string('007'),
    flag_text: Hyperparameter.string('false'),
    layers: Hyperparameter.integerList([64, 32]),
    labels: Hyperparameter.stringList(['cat', 'dog']),
    schedule: Hyperparameter.map({ warmup: Hyperparameter.integer(100), decay: Hyperparameter.float(0.5) }),
  };
  const encoded = encodeHyperparameters(new Stack(new App(), 'Job'), declared, LIBRARY, []);
  const seen = throughToolkit(encoded.values);
  const expected: { [name: string]: [unknown, string] } = {
    epochs: [5, 'int'],
    learning_rate: [0.001, 'float'],
    momentum: [1, 'float'],
    use_amp: [false, 'bool'],
    optimizer: ['adam', 'str'],
    run_id: ['007', 'str'],
    flag_text: ['false', 'str'],
    layers: [[64, 32], 'list'],
    labels: [['cat', 'dog'], 'list'],
    schedule: [{ decay: 0.5, warmup: 100 }, 'dict'],
  };

  test('decoded values have the declared Python types', () => {
    expect(seen.decoded).toEqual(expected);
  });

  test('SM_HPS gives the same types', () => {
    expect(seen.sm_hps).toEqual(expected);
  });

  test('SM_HP_<NAME>: strings raw, everything else compact JSON', () => {
    expect(seen.sm_hp_env).toEqual({
      epochs: '5', learning_rate: '0.001', momentum: '1.0', use_amp: 'false', optimizer: 'adam', run_id: '007',
      flag_text: 'false', layers: '[64,32]', labels: '["cat","dog"]', schedule: '{"decay":0.5,"warmup":100}',
    });
  });

  test('the library keys go to the toolkit, not to the script', () => {
    expect(Object.keys(seen.framework).sort()).toEqual(Object.keys(LIBRARY).sort());
    expect(seen.framework.sagemaker_torch_distributed_enabled).toEqual([true, 'bool']);
    expect(seen.framework.sagemaker_program).toEqual(['train.py', 'str']);
    expect(seen.framework.sagemaker_container_log_level).toEqual([20, 'int']);
  });

  test('command-line args are str() of the decoded values', () => {
    expect(seen.cmd_args).toEqual([
      '--epochs', '5', '--flag_text', 'false', '--labels', "['cat', 'dog']", '--layers', '[64, 32]',
      '--learning_rate', '0.001', '--momentum', '1.0', '--optimizer', 'adam', '--run_id', '007',
      '--schedule', 'decay=0.5,warmup=100', '--use_amp', 'False',
    ]);
  });

  test('the trap: argparse(type=bool) reads --use_amp False as True', () => {
    expect(seen.argparse_type_bool).toEqual({ use_amp: true });
  });

  test('the example train.py reads every type right, from SM_HPS and from its argparse converters', () => {
    expect(seen.example_hyperparameters).toEqual(expected);
    expect(seen.example_args).toMatchObject({
      epochs: [5, 'int'], learning_rate: [0.001, 'float'], use_amp: [false, 'bool'], optimizer: ['adam', 'str'],
      layers: [[64, 32], 'list'],
    });
  });
});

describe('deploy-time hyperparameters, encoded by the handler, through the training toolkit', () => {
  test('each arrives as its declared type', () => {
    const values = finalizeHyperparameters(
      { ...LIBRARY, epochs: '7', lr: '1', use_amp: 'true', optimizer: '123', tags: 'a,b,c', sizes: '1,2.5', empty: '' },
      { epochs: 'integer', lr: 'float', use_amp: 'boolean', optimizer: 'string', tags: 'list', sizes: 'list', empty: 'list' },
      { epochs: 'number', lr: 'number', use_amp: 'boolean', optimizer: 'string', tags: 'comma-delimited-strings', sizes: 'comma-delimited-numbers', empty: 'comma-delimited-strings' },
      'job-0123456789abcdef-0123456789ab',
    );
    const seen = throughToolkit(values);
    expect(seen.decoded).toEqual({
      epochs: [7, 'int'],
      lr: [1, 'float'],
      use_amp: [true, 'bool'],
      optimizer: ['123', 'str'],
      tags: [['a', 'b', 'c'], 'list'],
      sizes: [[1, 2.5], 'list'],
      empty: [[], 'list'],
    });
    expect(seen.framework.sagemaker_job_name).toEqual(['job-0123456789abcdef-0123456789ab', 'str']);
  });
});
