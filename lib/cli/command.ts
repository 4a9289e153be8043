/**
 * What a CLI command declares (its options, with the help text of each) and the one parser they all share:
 * node's util.parseArgs in strict mode, its errors reworded as one line that points at `--help`.
 */
import { parseArgs } from 'util';
import { UsageError } from './errors';

export const PROGRAM = 'cdk-pytorch-sagemaker';

/** One option of a command. */
export interface OptionSpec {
  /** The option's name without dashes, e.g. 'artifact'. */
  readonly name: string;
  /** A string value (`--name VALUE` or `--name=VALUE`) or a flag. */
  readonly type: 'string' | 'boolean';
  /** The value's placeholder in the help, e.g. 'IN'. */
  readonly placeholder?: string;
  /** Must be given. */
  readonly required?: boolean;
  /** One line for the help. */
  readonly description: string;
  /** The value when the option is absent. */
  readonly defaultValue?: string;
  /** The accepted values, when they are few. */
  readonly choices?: readonly string[];
  /**
   * Says why a value outside `choices` is refused, when that deserves more than the list (a value that was accepted
   * once); undefined for the usual "must be one of" message.
   */
  readonly refuseChoice?: (value: string) => string | undefined;
}

/** An argument given without an option name, e.g. the DIR of `init DIR`. */
export interface PositionalSpec {
  /** Its placeholder in the usage line, e.g. 'DIR'. */
  readonly name: string;
  /** One line for the help. */
  readonly description: string;
}

/** The values of a command line: strings by option name, flags as booleans, positional arguments in order. */
export interface ParsedOptions {
  readonly strings: { readonly [name: string]: string | undefined };
  readonly flags: { readonly [name: string]: boolean };
  readonly positionals: readonly string[];
}

/** A command: its help and what it does. */
export interface Command {
  readonly name: string;
  /** One line for the tool's help. */
  readonly summary: string;
  /** Paragraphs after the options in the command's help (examples, exit codes, notes). */
  readonly details: string;
  readonly options: readonly OptionSpec[];
  /** The arguments given without an option name, all required (none when absent). */
  readonly positionals?: readonly PositionalSpec[];
  /** Checks that need more than one option (e.g. exactly one of two); throws UsageError. */
  validate?(options: ParsedOptions): void;
  /** Runs the command; resolves to the exit code. `json` asks for one JSON object on stdout. */
  run(options: ParsedOptions, json: boolean): Promise<number>;
}

/** Options every command takes. */
export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: 'json', type: 'boolean', description: 'Print one JSON object on stdout, errors included.' },
  { name: 'help', type: 'boolean', description: 'Show this help.' },
];

/** The usage line of a command, e.g. `cdk-pytorch-sagemaker inject-code --artifact IN ... [options]`. */
export function usageLine(command: Command): string {
  const required = command.options.filter((o) => o.required).map((o) => `--${o.name} ${o.placeholder ?? 'VALUE'}`);
  const positionals = (command.positionals ?? []).map((p) => p.name);
  return `${PROGRAM} ${command.name} ${[...positionals, ...required].join(' ')} [options]`;
}

/** The command's help text. */
export function commandHelp(command: Command): string {
  const all = [...command.options, ...COMMON_OPTIONS];
  const label = (o: OptionSpec) => `--${o.name}${o.type === 'string' ? ` ${o.placeholder ?? 'VALUE'}` : ''}${o.name === 'help' ? ', -h' : ''}`;
  const positionals = command.positionals ?? [];
  const width = Math.max(...all.map((o) => label(o).length), ...positionals.map((p) => p.name.length)) + 2;
  const arguments_ = positionals.length > 0 ? `arguments:\n${positionals.map((p) => `  ${p.name.padEnd(width)}${p.description}`).join('\n')}\n\n` : '';
  const lines = all.map((o) => {
    const notes = [
      o.required ? 'required' : undefined,
      o.choices ? `one of: ${o.choices.join(', ')}` : undefined,
      o.defaultValue !== undefined ? `default: ${o.defaultValue}` : undefined,
    ].filter((n) => n !== undefined);
    return `  ${label(o).padEnd(width)}${o.description}${notes.length ? ` (${notes.join('; ')})` : ''}`;
  });
  return `${command.summary}\n\nusage: ${usageLine(command)}\n\n${arguments_}options:\n${lines.join('\n')}\n\n${command.details.trim()}\n`;
}

/** Parses a command's arguments; throws UsageError with one line that says what is wrong. */
export function parseCommandArgs(command: Command, args: readonly string[]): ParsedOptions {
  const all = [...command.options, ...COMMON_OPTIONS];
  const config: { [name: string]: { type: 'string' | 'boolean'; short?: string } } = {};
  for (const option of all) config[option.name] = { type: option.type, ...(option.name === 'help' ? { short: 'h' } : {}) };
  let values: { [name: string]: string | boolean | undefined };
  let positionals: string[];
  const expected = command.positionals ?? [];
  try {
    const parsed = parseArgs({ args: [...args], options: config, strict: true, allowPositionals: expected.length > 0 });
    values = parsed.values as typeof values;
    positionals = parsed.positionals;
  } catch (error) {
    throw new UsageError(reword(command, error as NodeJS.ErrnoException));
  }
  const strings: { [name: string]: string | undefined } = {};
  const flags: { [name: string]: boolean } = {};
  for (const option of all) {
    const value = values[option.name];
    if (option.type === 'boolean') {
      flags[option.name] = value === true;
      continue;
    }
    if (value === '') throw new UsageError(`--${option.name} needs a value (${usageHint(command)})`);
    strings[option.name] = (value as string | undefined) ?? option.defaultValue;
  }
  const parsed = { strings, flags, positionals };
  if (flags.help) return parsed;
  if (positionals.length < expected.length) {
    throw new UsageError(`${expected.slice(positionals.length).map((p) => p.name).join(' and ')} is required (${usageHint(command)})`);
  }
  if (positionals.length > expected.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[expected.length])} (${usageHint(command)})`);
  }
  for (const option of command.options) {
    if (option.required && strings[option.name] === undefined) throw new UsageError(`--${option.name} is required (${usageHint(command)})`);
    const value = strings[option.name];
    if (option.choices && value !== undefined && !option.choices.includes(value)) {
      throw new UsageError(option.refuseChoice?.(value) ?? `--${option.name} must be one of ${option.choices.join(', ')}, not ${JSON.stringify(value)}`);
    }
  }
  command.validate?.(parsed);
  return parsed;
}

/** "usage: ...; see --help", the tail of every usage error. */
export function usageHint(command: Command): string {
  return `usage: ${usageLine(command)}; see ${PROGRAM} ${command.name} --help`;
}

/** util.parseArgs' messages, reworded: which argument, and where the help is. */
function reword(command: Command, error: NodeJS.ErrnoException): string {
  const quoted = /'([^']+)'/.exec(error.message)?.[1] ?? '';
  const option = quoted.split(' ')[0];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${JSON.stringify(option)} (${usageHint(command)})`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(error.message)) return `${option} is a flag and takes no value (${usageHint(command)})`;
      if (/ambiguous/.test(error.message)) return `${option} needs a value; for a value starting with '-' write ${option}=VALUE (${usageHint(command)})`;
      return `${option} needs a value (${usageHint(command)})`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(quoted)}: every value follows its option, e.g. --${command.options[0].name} ${command.options[0].placeholder ?? 'VALUE'} (${usageHint(command)})`;
    default:
      return `${error.message.split('\n')[0]} (${usageHint(command)})`;
  }
}
