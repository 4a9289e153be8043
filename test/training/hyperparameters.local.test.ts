import { execFileSync } from 'child_process';
import { App, CfnParameter, Stack, Token } from 'aws-cdk-lib';
import { Hyperparameter, HyperparameterType } from '../../lib/training';
import { encodeHyperparameters } from '../../lib/training/hyperparameter-set';
import { HYPERPARAMETER_NAME_PATTERN, pythonTypeOf } from '../../lib/training/hyperparameter-wire';

// The training job the hyperparameters belong to: its path starts every message.
const JOB = new Stack(new App(), 'HyperparameterSet');
const LIBRARY = { sagemaker_program: '"train.py"', sagemaker_container_log_level: '20' };

// The library writes compact JSON (no spaces; JavaScript's number text, e.g. `1e-7`), which is not the text
// Python's json.dumps writes (`1e-07`, `[1, 2]`, `{"a": true, "b": 2.0}`) but decodes to the same Python value:
// the training toolkit json.loads every value, so the decoded value and its type are what matter.
// Each row: name, hyperparameter, our wire string, repr() of the Python value it must decode to, its type name.
const ENCODINGS: Array<[string, Hyperparameter, string, string, string]> = [
  ['integer', Hyperparameter.integer(5), '5', '5', 'int'],
  ['negative integer', Hyperparameter.integer(-12), '-12', '-12', 'int'],
  ['float', Hyperparameter.float(0.001), '0.001', '0.001', 'float'],
  ['whole float stays a float', Hyperparameter.float(5), '5.0', '5.0', 'float'],
  ['tiny float', Hyperparameter.float(1e-7), '1e-7', '1e-07', 'float'],
  ['boolean false', Hyperparameter.boolean(false), 'false', 'False', 'bool'],
  ['boolean true', Hyperparameter.boolean(true), 'true', 'True', 'bool'],
  ['string', Hyperparameter.string('adam'), '"adam"', "'adam'", 'str'],
  ['string that looks like a number', Hyperparameter.string('123'), '"123"', "'123'", 'str'],
  ['string that looks like a boolean', Hyperparameter.string('true'), '"true"', "'true'", 'str'],
  ['string with quotes', Hyperparameter.string('say "hi"\n'), '"say \\"hi\\"\\n"', `'say "hi"\\n'`, 'str'],
  ['empty string', Hyperparameter.string(''), '""', "''", 'str'],
  ['integer list', Hyperparameter.integerList([1, 2]), '[1,2]', '[1, 2]', 'list'],
  ['float list', Hyperparameter.floatList([1, 0.5]), '[1.0,0.5]', '[1.0, 0.5]', 'list'],
  ['string list', Hyperparameter.stringList(['a', 'b']), '["a","b"]', "['a', 'b']", 'list'],
  ['boolean list', Hyperparameter.booleanList([true, false]), '[true,false]', '[True, False]', 'list'],
  ['mixed nested list', Hyperparameter.list([Hyperparameter.integer(1), Hyperparameter.list([Hyperparameter.string('x')])]), '[1,["x"]]', "[1, ['x']]", 'list'],
  ['map (keys sorted)', Hyperparameter.map({ b: Hyperparameter.float(2), a: Hyperparameter.boolean(true) }), '{"a":true,"b":2.0}', "{'a': True, 'b': 2.0}", 'dict'],
  ['empty list', Hyperparameter.list([]), '[]', '[]', 'list'],
];

/**
 * Python, the independent source: for each [wire, repr] it json.loads the wire string and reports repr() and the
 * type name of what it got, and whether that equals json.loads(json.dumps(value)) for the Python value `repr`
 * spells (compared by == and by repr, since == alone takes 1 == 1.0 == True).
 */
const PYTHON_CHECK = `
import ast, json, sys
out = []
for wire, spelled in json.load(sys.stdin):
    ours = json.loads(wire)
    value = ast.literal_eval(spelled)
    theirs = json.loads(json.dumps(value))
    out.append({"repr": repr(ours), "type": type(ours).__name__, "dumps": json.dumps(value),
                "same_as_dumps": ours == theirs and repr(ours) == repr(theirs)})
json.dump(out, sys.stdout)
`;

function decodedByPython(rows: Array<[string, string]>): Array<{ repr: string; type: string; dumps: string; same_as_dumps: boolean }> {
  return JSON.parse(execFileSync('python3', ['-c', PYTHON_CHECK], { input: JSON.stringify(rows) }).toString());
}

describe('encoding: compact JSON that decodes, in Python, to the value json.dumps\' text decodes to', () => {
  // One python3 run for all rows.
  let python: ReturnType<typeof decodedByPython>;
  beforeAll(() => {
    python = decodedByPython(ENCODINGS.map(([, , wire, spelled]) => [wire, spelled]));
  });

  test.each(ENCODINGS.map((row, i) => [...row, i] as const))('%s', (_name, hp, wire, pythonRepr, pythonType, i) => {
    expect(hp.toWireString()).toBe(wire);
    expect(hp.isDeployTime).toBe(false);
    expect(pythonTypeOf(wire)).toBe(pythonType);
    expect(python[i]).toMatchObject({ repr: pythonRepr, type: pythonType, same_as_dumps: true });
  });

  test('the text differs from json.dumps\' where Python spaces or pads, so the claim is "decodes the same", not "same text"', () => {
    const dumps = (name: string) => python[ENCODINGS.findIndex(([n]) => n === name)].dumps;
    expect(dumps('tiny float')).toBe('1e-07');
    expect(dumps('integer list')).toBe('[1, 2]');
    expect(dumps('map (keys sorted)')).toBe('{"a": true, "b": 2.0}');
  });

  test('declared types', () => {
    expect(Hyperparameter.integer(1).type).toBe(HyperparameterType.INTEGER);
    expect(Hyperparameter.floatList([1]).type).toBe(HyperparameterType.LIST);
    expect(Hyperparameter.map({}).type).toBe(HyperparameterType.MAP);
  });
});

describe('synth-time value errors', () => {
  test.each([
    [() => Hyperparameter.integer(1.5), /whole number/],
    [() => Hyperparameter.integer(2 ** 60), /whole number/],
    [() => Hyperparameter.float(Number.NaN), /finite/],
    [() => Hyperparameter.float(Number.POSITIVE_INFINITY), /finite/],
    [() => Hyperparameter.boolean('false' as unknown as boolean), /expected a boolean, got the string 'false': write Hyperparameter.boolean\(false\)/],
    [() => Hyperparameter.integerList([1, 0.5]), /whole number/],
  ])('%#', (make, message) => {
    expect(make).toThrow(message);
  });
});

describe('names and limits', () => {
  test('user key starting with sagemaker_ is rejected', () => {
    expect(() => encodeHyperparameters(JOB, { sagemaker_program: Hyperparameter.string('x') }, LIBRARY, [])).toThrow(/reserves/);
  });
  test('names longer than 256 characters are rejected, 256 is fine', () => {
    expect(() => encodeHyperparameters(JOB, { ['n'.repeat(257)]: Hyperparameter.integer(1) }, LIBRARY, [])).toThrow(/at most 256/);
    expect(() => encodeHyperparameters(JOB, { ['n'.repeat(256)]: Hyperparameter.integer(1) }, LIBRARY, [])).not.toThrow();
  });
  test('names differing only by case collide in SM_HP_*', () => {
    expect(() => encodeHyperparameters(JOB, { lr: Hyperparameter.float(1), LR: Hyperparameter.float(2) }, LIBRARY, [])).toThrow(/SM_HP_LR/);
  });
  test('a name the training toolkit cannot pass on its shell command line or as SM_HP_<NAME> is rejected, with the rule', () => {
    expect(() => encodeHyperparameters(JOB, { 'learning rate': Hyperparameter.float(0.1) }, LIBRARY, [])).toThrow(
      `Invalid hyperparameters: hyperparameter name "learning rate" cannot reach the training script intact: the SageMaker training toolkit passes it as '--learning rate' on a command line that it runs through /bin/sh, and as the environment variable SM_HP_LEARNING RATE. Use letters, digits, '_', '-' and '.' only, not starting with '-' or '.' (e.g. 'learning_rate').`,
    );
    for (const bad of ['lr=0.1', 'a;b', 'name"', "it's", 'a$b', '-lr', '.hidden', 'tab\there', 'new\nline']) {
      expect(() => encodeHyperparameters(JOB, { [bad]: Hyperparameter.integer(1) }, LIBRARY, [])).toThrow(/cannot reach the training script intact/);
    }
    expect(() => encodeHyperparameters(JOB, { 'use-amp': Hyperparameter.boolean(true), 'model.depth_2': Hyperparameter.integer(2), _x: Hyperparameter.integer(1), '3d': Hyperparameter.integer(3) }, LIBRARY, [])).not.toThrow();
  });

  test('the names the rule accepts reach a script intact through /bin/sh and the environment, as the toolkit runs it', () => {
    // The toolkit's way (process.py run_async): '--<name> <value>' words joined with spaces, run by /bin/sh, with
    // SM_HP_<NAME.upper()> in the environment. The script prints what it received.
    const script = 'import json, os, sys; print(json.dumps([sys.argv[1:], {k: v for k, v in os.environ.items() if k.startswith("SM_HP_")}]))';
    const run = (name: string) => JSON.parse(execFileSync('/bin/sh', ['-c', ['python3', '-c', `'${script}'`, `--${name}`, '0.1'].join(' ')], {
      env: { PATH: process.env.PATH, [`SM_HP_${name.toUpperCase()}`]: '0.1' },
    }).toString());
    for (const good of ['use-amp', 'model.depth_2', 'lr', '_x9']) {
      expect(HYPERPARAMETER_NAME_PATTERN.test(good)).toBe(true);
      expect(run(good)[0]).toEqual([`--${good}`, '0.1']);
    }
    // SM_HP_<NAME> passes the shell when the name is an identifier; Debian's /bin/sh (dash, as in the Ubuntu-based
    // containers) drops SM_HP_USE-AMP from the environment: such a name arrives on the command line and in SM_HPS.
    expect(run('lr')[1]).toEqual({ SM_HP_LR: '0.1' });
    expect(run('_x9')[1]).toEqual({ SM_HP__X9: '0.1' });
    expect(run('use-amp')[1]).toEqual({});
    // What the rule prevents: the shell splits the name, and the script never sees '--learning rate'.
    expect(HYPERPARAMETER_NAME_PATTERN.test('learning rate')).toBe(false);
    expect(run('learning rate')[0]).toEqual(['--learning', 'rate', '0.1']);
  });

  test('empty name is rejected', () => {
    expect(() => encodeHyperparameters(JOB, { '': Hyperparameter.float(1) }, LIBRARY, [])).toThrow(/empty/);
  });
  test('at most 100 in all, counting the library keys', () => {
    const make = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`hp${i}`, Hyperparameter.integer(i)]));
    // 2 library keys + 1 reserved for the handler: 97 user keys fit, 98 do not.
    expect(() => encodeHyperparameters(JOB, make(97), LIBRARY, ['sagemaker_job_name'])).not.toThrow();
    expect(() => encodeHyperparameters(JOB, make(98), LIBRARY, ['sagemaker_job_name'])).toThrow(/101 hyperparameters \(98 declared \+ 3 sagemaker_\* keys/);
  });
  test('encoded values longer than 2500 characters are rejected, 2500 is fine', () => {
    expect(() => encodeHyperparameters(JOB, { s: Hyperparameter.string('x'.repeat(2499)) }, LIBRARY, [])).toThrow(/2501 characters/);
    expect(() => encodeHyperparameters(JOB, { s: Hyperparameter.string('x'.repeat(2498)) }, LIBRARY, [])).not.toThrow();
  });
  test('encoded set carries values, declared types and library keys', () => {
    const encoded = encodeHyperparameters(JOB, { epochs: Hyperparameter.integer(3), amp: Hyperparameter.boolean(false) }, LIBRARY, []);
    expect(encoded.values).toEqual({ ...LIBRARY, epochs: '3', amp: 'false' });
    expect(encoded.types).toEqual({ epochs: 'integer', amp: 'boolean' });
    expect(encoded.deployTimeEncodings).toEqual({});
  });
});

describe('deploy-time values', () => {
  const stack = () => new Stack(new App(), 'S');

  test('typed CfnParameters travel raw with their encoding', () => {
    const s = stack();
    const epochs = new CfnParameter(s, 'Epochs', { type: 'Number', default: 3 });
    const lr = new CfnParameter(s, 'Lr', { type: 'Number', default: 0.1 });
    const amp = new CfnParameter(s, 'Amp', { type: 'String', allowedValues: ['true', 'false'], default: 'false' });
    const opt = new CfnParameter(s, 'Opt', { type: 'String', default: 'adam' });
    const tags = new CfnParameter(s, 'Tags', { type: 'CommaDelimitedList', default: 'a,b' });
    const sizes = new CfnParameter(s, 'Sizes', { type: 'List<Number>', default: '1,2' });
    const encoded = encodeHyperparameters(JOB, {
      epochs: Hyperparameter.fromParameter(epochs, HyperparameterType.INTEGER),
      lr: Hyperparameter.fromParameter(lr, HyperparameterType.FLOAT),
      amp: Hyperparameter.fromParameter(amp, HyperparameterType.BOOLEAN),
      opt: Hyperparameter.fromParameter(opt, HyperparameterType.STRING),
      tags: Hyperparameter.fromParameter(tags, HyperparameterType.LIST),
      sizes: Hyperparameter.fromParameter(sizes, HyperparameterType.LIST),
    }, LIBRARY, []);
    expect(encoded.deployTimeEncodings).toEqual({
      epochs: 'number', lr: 'number', amp: 'boolean', opt: 'string', tags: 'comma-delimited-strings', sizes: 'comma-delimited-numbers',
    });
    expect(s.resolve(encoded.values.epochs)).toEqual({ Ref: 'Epochs' });
    expect(s.resolve(encoded.values.tags)).toEqual({ 'Fn::Join': [',', { Ref: 'Tags' }] });
    expect(encoded.types.lr).toBe('float');
  });

  test('tokens passed to integer/float/string are deploy-time values', () => {
    const s = stack();
    const p = new CfnParameter(s, 'P', { type: 'Number' });
    expect(Hyperparameter.integer(p.valueAsNumber).isDeployTime).toBe(true);
    expect(Hyperparameter.float(p.valueAsNumber).isDeployTime).toBe(true);
    expect(Hyperparameter.string(Token.asString(p.value)).isDeployTime).toBe(true);
  });

  test.each([
    ['String', HyperparameterType.INTEGER, /type: 'Number'/],
    ['Number', HyperparameterType.STRING, /type: 'String'/],
    ['Number', HyperparameterType.BOOLEAN, /allowedValues/],
    ['String', HyperparameterType.LIST, /CommaDelimitedList/],
    ['String', HyperparameterType.MAP, /no parameter type for a map/],
  ])('a %s parameter cannot be a %s', (paramType, hpType, message) => {
    const s = stack();
    const p = new CfnParameter(s, 'P', { type: paramType });
    expect(() => Hyperparameter.fromParameter(p, hpType)).toThrow(message);
  });

  test('a boolean parameter must allow only true/false', () => {
    const s = stack();
    const loose = new CfnParameter(s, 'Loose', { type: 'String' });
    const wrong = new CfnParameter(s, 'Wrong', { type: 'String', allowedValues: ['True', 'False'] });
    expect(() => Hyperparameter.fromParameter(loose, HyperparameterType.BOOLEAN)).toThrow(/allowedValues: \['true', 'false'\]/);
    expect(() => Hyperparameter.fromParameter(wrong, HyperparameterType.BOOLEAN)).toThrow(/allowedValues/);
  });

  test('a deploy-time value cannot be nested in a list or map', () => {
    const s = stack();
    const p = new CfnParameter(s, 'P', { type: 'Number' });
    const hp = Hyperparameter.fromParameter(p, HyperparameterType.INTEGER);
    expect(() => Hyperparameter.list([hp])).toThrow(/cannot be nested/);
    expect(() => Hyperparameter.map({ a: hp })).toThrow(/cannot be nested/);
  });
});
