/**
 * Every command's arguments go through `parseCommandArgs`, a strict node:util parseArgs that turns its errors into
 * one-line usage errors (with "did you mean" for a mistyped option), and `commandHelp` renders the command's help
 * from the same option table, so the help lists exactly the options the command accepts.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { editDistance, parseInstant, VigilError } from '@vigil/core';
import { NO_COLOR, type Palette } from './palette';

/** One option: node:util's configuration plus what the help says about it. */
export interface CommandOption {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in the help (`FILE`, `N`). @defaultValue VALUE for strings */
  value?: string;
  /** One line (or a few) for the help; `-h, --help` is described by default. */
  help: string;
}
export type CommandOptions = Record<string, CommandOption>;

/** The `-h, --help` option every command takes. */
export const HELP_OPTION = { type: 'boolean', short: 'h', help: 'show this help' } as const satisfies CommandOption;

/**
 * node:util parseArgs in strict mode for `command` (`vigil report`): unknown options, missing values and unexpected
 * arguments become VIGIL_USAGE errors that name the command, suggest the closest option and point at its help.
 */
export function parseCommandArgs<const T extends ParseArgsConfig>(
  command: string,
  config: T,
): ReturnType<typeof parseArgs<T>> {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs<T>({ ...config, strict: true, tokens: true });
  } catch (error) {
    throw usageError(
      command,
      error,
      Object.entries(config.options ?? {}).map(([name, o]) => ({ name, short: o.short })),
    );
  }
  // The last of two values would win silently (`--reference a --reference b`): a flag given twice is a conflict,
  // unless it is one that collects its values.
  const seen = new Map<string, number>();
  for (const t of (parsed as { tokens?: ReadonlyArray<{ kind: string; name?: string }> }).tokens ?? []) {
    if (t.kind !== 'option' || t.name === undefined || config.options?.[t.name]?.multiple) continue;
    seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
  }
  const repeated = [...seen].filter(([, n]) => n > 1).map(([name, n]) => `--${name} is given ${n} times; give it once`);
  if (repeated.length > 0) throw new VigilError('VIGIL_USAGE', `${command}: ${repeated.join('; ')}`);
  return parsed;
}

/** The VIGIL_USAGE error for a node:util parseArgs error; other errors are returned as they are. */
export function usageError(
  command: string,
  error: unknown,
  options: ReadonlyArray<{ name: string; short?: string | undefined }>,
): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) return error;
  const message = (error as Error).message;
  // No hint here: main adds the line `Run 'vigil report --help' for usage.` to every usage error of a command.
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const given = /Unknown option '([^']+)'/.exec(message)?.[1] ?? message;
    const names = options.map((o) => `--${o.name}`);
    const guess = given.startsWith('--') ? closest(given, names) : undefined;
    return new VigilError(
      'VIGIL_USAGE',
      `${command}: unknown option ${given}${guess ? `; did you mean ${guess}?` : ''}`,
      { cause: error },
    );
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /Option '(?:-\w, )?(--[\w-]+)/.exec(message)?.[1];
    const detail = /argument missing|ambiguous/.test(message)
      ? 'needs a value'
      : /does not take an argument/.test(message)
        ? 'takes no value'
        : message;
    // The ambiguous case: `--reason -x` reads as a missing value; a value starting with a dash goes as --reason=-x.
    const dash = /ambiguous/.test(message) && name ? ` (a value starting with "-" goes as ${name}=-VALUE)` : '';
    return new VigilError('VIGIL_USAGE', `${command}: ${name ?? 'an option'} ${detail}${dash}`, { cause: error });
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const given = /Unexpected argument '([^']*)'/.exec(message)?.[1];
    return new VigilError('VIGIL_USAGE', `${command}: unexpected argument${given === undefined ? '' : ` "${given}"`}`, {
      cause: error,
    });
  }
  return new VigilError('VIGIL_USAGE', `${command}: ${message}`, { cause: error });
}

/**
 * The help of a command: its usage and description (`usage`, which starts with "Usage: "), then every option with
 * its description; headings in bold when colour is on.
 */
export function commandHelp(usage: string, options: CommandOptions, color: Palette = NO_COLOR): string {
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    return [flag, o.multiple ? `${o.help} (may be repeated)` : o.help] as const;
  });
  const width = Math.min(30, Math.max(...rows.map(([flag]) => flag.length))) + 2;
  const lines = rows.map(([flag, text]) => {
    const [first = '', ...rest] = text.split('\n');
    const head =
      flag.length + 2 > width ? `  ${flag}\n  ${' '.repeat(width)}${first}` : `  ${flag.padEnd(width)}${first}`;
    return [head, ...rest.map((l) => `  ${' '.repeat(width)}${l}`)].join('\n');
  });
  const text = usage.endsWith('\n') ? usage : `${usage}\n`;
  return `${color.bold('Usage:')}${text.replace(/^Usage:/, '')}\n${color.bold('Options:')}\n${lines.join('\n')}\n`;
}

/**
 * The candidate nearest to `given` by edit distance (insertions, deletions, substitutions and swaps of neighbours),
 * when near enough to be a typo: at most one edit per three characters (at least one), or a unique prefix.
 */
export function closest(given: string, candidates: readonly string[]): string | undefined {
  const prefixed = candidates.filter((c) => given.length >= 3 && c.startsWith(given));
  if (prefixed.length === 1) return prefixed[0];
  const bare = given.replace(/^-+/, '');
  const limit = Math.max(1, Math.floor(bare.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(given, c);
    if (d <= limit && d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** An optional ISO-8601 instant option (`--from 2026-11-01T00:00:00Z`) as epoch milliseconds; malformed is refused. */
export function instantOption(command: string, option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseInstant(text);
  if (Number.isNaN(ms))
    throw new VigilError(
      'VIGIL_USAGE',
      `${command}: ${option} must be an ISO-8601 instant such as 2026-11-01T00:00:00Z, got "${text}"`,
    );
  return ms;
}
