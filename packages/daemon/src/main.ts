import { errorMessage, isVigilError, VigilError } from '@vigil/core';
import { closest, usageError } from './cli/command-args';
import { EXIT, type CommandIo, type ProcessIo } from './cli/command-io';
import { isKafkaClientError, kafkaFailure } from './cli/kafka-connection';
import { palette, useColor, type Palette } from './cli/palette';
import { vigilVersion } from './version';

type Command = (argv: readonly string[], io: CommandIo) => Promise<number>;

interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
}

/**
 * Every command, loaded on demand: `vigil report` should not pay for loading tfjs, which only `vigil demo` uses. A
 * command of two words (`dlq list`) belongs to the group of its first word (`dlq`).
 */
const COMMANDS: Record<string, CommandEntry> = {
  report: {
    summary: 'one-shot drift, calibration, performance and fairness analysis of two files',
    load: async () => (await import('./cli/report-command')).reportCommand,
  },
  demo: {
    summary: '3M real flights through the whole pipeline: drift, calibration, fairness, alerts (--adult: census)',
    load: async () => (await import('./cli/demo-command')).demoCommand,
  },
  run: {
    summary: 'the daemon: consume Kafka, keep windows in the database, analyse, serve the HTTP API',
    load: async () => (await import('./cli/run-command')).runCommand,
  },
  'reference fit': {
    summary: 'fit and store the reference profile of a model version',
    load: async () => (await import('./cli/reference-command')).referenceCommand,
  },
  replay: {
    summary: 'produce an NDJSON file of events to Kafka',
    load: async () => (await import('./cli/replay-command')).replayCommand,
  },
  dashboards: {
    summary: 'write the Grafana dashboards and their provisioning files',
    load: async () => (await import('./cli/dashboards-command')).dashboardsCommand,
  },
  'dlq list': {
    summary: 'list the dead-letter store',
    load: async () => (await import('./cli/dlq-command')).dlqCommand,
  },
  'dlq replay': {
    summary: 're-submit dead letters to Kafka after a fix',
    load: async () => (await import('./cli/dlq-command')).dlqReplayCommand,
  },
  'incidents list': {
    summary: 'list incidents',
    load: async () => (await import('./cli/incidents-command')).incidentsCommand('list'),
  },
  'incidents ack': {
    summary: 'acknowledge an incident',
    load: async () => (await import('./cli/incidents-command')).incidentsCommand('ack'),
  },
  'incidents resolve': {
    summary: 'resolve an incident',
    load: async () => (await import('./cli/incidents-command')).incidentsCommand('resolve'),
  },
  'incidents silence': {
    summary: "silence an incident, or a model's alerts, for a while",
    load: async () => (await import('./cli/incidents-command')).incidentsCommand('silence'),
  },
  'review open': {
    summary: 'open a review of a model with a frozen evidence bundle',
    load: async () => (await import('./cli/review-command')).reviewOpenCommand,
  },
  'review list': {
    summary: 'list reviews, newest first',
    load: async () => (await import('./cli/review-command')).reviewCommand('list'),
  },
  'review show': {
    summary: 'show a review: its evidence, findings and outcome',
    load: async () => (await import('./cli/review-command')).reviewCommand('show'),
  },
  'review note': {
    summary: 'add a finding to an open review',
    load: async () => (await import('./cli/review-command')).reviewCommand('note'),
  },
  'review close': {
    summary: 'close a review with an outcome and a reason',
    load: async () => (await import('./cli/review-command')).reviewCommand('close'),
  },
  'queue list': {
    summary: 'list the human review queue: flagged predictions, most urgent first',
    load: async () => (await import('./cli/queue-command')).queueCommand('list'),
  },
  'queue show': {
    summary: 'show a flagged prediction with its context',
    load: async () => (await import('./cli/queue-command')).queueCommand('show'),
  },
  'queue claim': {
    summary: 'claim a flagged prediction (or --next) for review',
    load: async () => (await import('./cli/queue-command')).queueCommand('claim'),
  },
  'queue verdict': {
    summary: 'agree with or override a claimed prediction, with a reason and a label',
    load: async () => (await import('./cli/queue-command')).queueCommand('verdict'),
  },
  audit: {
    summary: 'print the audit log: who did what, when and why (--json, --csv)',
    load: async () => (await import('./cli/audit-command')).auditCommand,
  },
  'model list': {
    summary: 'list the models: versions, paused, latest window, drift, open incidents; the worst first',
    load: async () => (await import('./cli/model-fleet-command')).modelListCommand,
  },
  'model show': {
    summary: "show a model's latest window and its metrics, or a metric's series over time",
    load: async () => (await import('./cli/model-fleet-command')).modelShowCommand,
  },
  'model pause': {
    summary: 'the kill switch: pause a model, publishing to vigil.control',
    load: async () => (await import('./cli/model-command')).modelCommand('pause'),
  },
  'model resume': {
    summary: 'resume a paused model',
    load: async () => (await import('./cli/model-command')).modelCommand('resume'),
  },
  migrate: {
    summary: 'apply database migrations',
    load: async () => (await import('./cli/migrate-command')).migrateCommand,
  },
};

/** What each command group is about, for its help. */
const GROUPS: Record<string, string> = {
  reference: 'Reference profiles: the distributions every window of a model version is compared with.',
  dlq: 'The dead-letter store: messages the daemon refused, with the reason, kept for replay after a fix.',
  incidents: 'The alert lifecycle from a shell (docs/alerts.md): list, acknowledge, resolve and silence incidents.',
  review:
    'Model reviews: a frozen evidence bundle of a period, findings, and an outcome, for the model-risk committee.',
  model: 'The models from a shell: list them, show their windows and metrics, and their governed kill switch.',
  queue: 'The human review queue (docs/review.md): flagged predictions, claims and verdicts.',
};

const OWN = { help: "show this help, or a command's: vigil help COMMAND", version: "print Vigil's version" };

/** Flags every command takes, anywhere before a `--`. */
const GLOBAL_FLAGS = `Global flags (anywhere on the command line):
  --no-color          no colour (also when NO_COLOR is set; output that is not a terminal has none)
  -q, --quiet         only errors and the command's own output: no progress or informational lines
  --version           print Vigil's version
  -h, --help          show help`;

function globalHelp(color: Palette): string {
  const rows = [
    ...Object.entries(COMMANDS).map(([name, c]) => [name, c.summary] as const),
    ['version', OWN.version] as const,
    ['help', OWN.help] as const,
  ];
  return (
    `${color.bold('Usage:')} vigil [--no-color] [-q] <command> [options]\n\n${color.bold('Commands:')}\n` +
    rows.map(([name, summary]) => `  ${name.padEnd(20)}${summary}\n`).join('') +
    `\n${GLOBAL_FLAGS.replace(/^Global flags/, color.bold('Global flags'))}\n\n` +
    `Run "vigil help <command>" or "vigil <command> --help" for a command's options; docs/cli.md has more.\n`
  );
}

function groupHelp(group: string, color: Palette): string {
  const subs = Object.entries(COMMANDS).filter(([name]) => name.startsWith(`${group} `));
  return (
    `${color.bold('Usage:')} vigil ${group} <command> [options]\n\n${GROUPS[group] ?? ''}\n\n${color.bold('Commands:')}\n` +
    subs.map(([name, c]) => `  ${name.slice(group.length + 1).padEnd(10)}${c.summary}\n`).join('') +
    `\nRun "vigil ${group} <command> --help" for a command's options.\n`
  );
}

/** The global flags out of `argv` (before a `--`), and the rest. */
export function takeGlobalFlags(argv: readonly string[]): { args: string[]; noColor: boolean; quiet: boolean } {
  const end = argv.indexOf('--');
  const head = end < 0 ? [...argv] : argv.slice(0, end);
  const tail = end < 0 ? [] : argv.slice(end);
  const noColor = head.includes('--no-color');
  const quiet = head.includes('--quiet') || head.includes('-q');
  return {
    args: [...head.filter((a) => a !== '--no-color' && a !== '--quiet' && a !== '-q'), ...tail],
    noColor,
    quiet,
  };
}

/** The io of commands: the process's, with colours per stream, --quiet and `info`. */
export function commandIo(io: ProcessIo, flags: { noColor?: boolean; quiet?: boolean } = {}): CommandIo {
  const quiet = flags.quiet === true;
  return {
    ...io,
    stdout: (text) => io.stdout(text),
    stderr: (text) => io.stderr(text),
    color: palette(useColor(io.stdoutIsTTY === true, io.env, flags.noColor)),
    stderrColor: palette(useColor(io.stderrIsTTY === true, io.env, flags.noColor)),
    quiet,
    info: (text) => {
      if (!quiet) io.stderr(text);
    },
  };
}

/** Runs one CLI invocation and returns its exit code; never throws. */
export async function main(argv: readonly string[], processIo: ProcessIo): Promise<number> {
  const { args, noColor, quiet } = takeGlobalFlags(argv);
  const io = commandIo(processIo, { noColor, quiet });
  const [name, ...rest] = args;
  if (name === undefined) {
    io.stdout(globalHelp(io.color));
    return EXIT.refused;
  }
  if (name === '--version' || name === 'version') {
    io.stdout(`vigil ${vigilVersion()}\n`);
    return EXIT.ok;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    if (rest.length === 0 || name !== 'help') {
      io.stdout(globalHelp(io.color));
      return EXIT.ok;
    }
    // `vigil help dlq list` is `vigil dlq list --help`.
    return main([...(noColor ? ['--no-color'] : []), ...(quiet ? ['--quiet'] : []), ...rest, '--help'], processIo);
  }
  let found: { command: string; entry: CommandEntry; args: string[] } | undefined;
  try {
    found = resolveCommand(name, rest);
  } catch (error) {
    return fail(error, io, name);
  }
  if (!found) {
    // A group alone, or asking for its help.
    const asked = rest[0] === '--help' || rest[0] === '-h';
    (asked ? io.stdout : io.stderr)(groupHelp(name, asked ? io.color : io.stderrColor));
    return asked ? EXIT.ok : EXIT.refused;
  }
  try {
    const command = await found.entry.load();
    return await command(found.args, io);
  } catch (error) {
    return fail(error, io, `vigil ${found.command}`);
  }
}

/**
 * The command `name rest…` names, or undefined for a command group without (or with only --help for) its
 * sub-command; an unknown command or sub-command is a usage error suggesting the nearest one.
 */
function resolveCommand(
  name: string,
  rest: readonly string[],
): { command: string; entry: CommandEntry; args: string[] } | undefined {
  const sub = rest[0];
  const two = sub !== undefined ? COMMANDS[`${name} ${sub}`] : undefined;
  if (two) return { command: `${name} ${sub}`, entry: two, args: rest.slice(1) };
  const one = COMMANDS[name];
  if (one) return { command: name, entry: one, args: [...rest] };
  if (GROUPS[name] !== undefined) {
    if (sub === undefined || sub === '--help' || sub === '-h') return undefined;
    const subs = Object.keys(COMMANDS)
      .filter((c) => c.startsWith(`${name} `))
      .map((c) => c.slice(name.length + 1));
    const guess = closest(sub, subs);
    throw new VigilError(
      'VIGIL_USAGE',
      `unknown command "vigil ${name} ${sub}"${guess ? `; did you mean "vigil ${name} ${guess}"?` : `; the ${name} commands are ${subs.join(', ')}`}`,
    );
  }
  const names = [...new Set([...Object.keys(COMMANDS).map((c) => c.split(' ')[0] as string), 'help', 'version'])];
  const guess = name.startsWith('-') ? undefined : closest(name, names);
  throw new VigilError(
    'VIGIL_USAGE',
    `unknown command "${name}"; ${guess ? `did you mean "${guess}"?` : 'run "vigil help" for the commands'}`,
  );
}

/**
 * One line `error [CODE]: message` on stderr for any failure, and its exit code: 1 when retrying may help, else 2.
 * A usage error of a known command adds one hint line, as git and kubectl do, instead of the whole help.
 */
function fail(error: unknown, io: CommandIo, command: string): number {
  const failure = asVigilError(error, command);
  const c = io.stderrColor;
  io.stderr(`${c.red(c.bold('error'))} [${failure.code}]: ${failure.message}\n`);
  if (failure.code === 'VIGIL_USAGE' && command.startsWith('vigil ')) io.stderr(`Run '${command} --help' for usage.\n`);
  if (failure.code === 'VIGIL_INTERNAL' && io.env.VIGIL_DEBUG && error instanceof Error && error.stack)
    io.stderr(`${error.stack}\n`);
  return failure.retriable || failure.code === 'VIGIL_INTERNAL' ? EXIT.internal : EXIT.refused;
}

/** Errors that reach main without a code get one: usage errors of node:util parseArgs, the Kafka client's, and bugs. */
function asVigilError(error: unknown, command: string): VigilError {
  if (isVigilError(error)) return error;
  const parsed = usageError(command, error, []);
  if (isVigilError(parsed)) return parsed;
  if (isKafkaClientError(error)) return kafkaFailure(error, undefined, `${command}: Kafka failed`);
  const message =
    error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : errorMessage(error);
  return new VigilError(
    'VIGIL_INTERNAL',
    `${command}: ${message} (a bug in Vigil: please report it; VIGIL_DEBUG=1 prints where it happened)`,
    { cause: error },
  );
}
