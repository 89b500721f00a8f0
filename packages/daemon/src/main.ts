import { isVigilError } from '@vigil/core';
import { EXIT, type CommandIo } from './cli/command-io';

const USAGE = `Usage: vigil <command> [options]

Commands:
  report          one-shot drift, calibration, performance and fairness analysis of two files
  demo            3M real flights through the whole pipeline: drift, calibration, fairness, alerts (--adult: census)
  run             the daemon: consume Kafka, keep windows in the database, analyse, serve the HTTP API
  reference fit   fit and store the reference profile of a model version
  replay          produce an NDJSON file of events to Kafka
  dashboards      write the Grafana dashboards and their provisioning files
  dlq list        the dead-letter store
  dlq replay      re-submit dead letters to Kafka after a fix
  incidents       list, ack ID, resolve ID, silence: the alert lifecycle
  review open     open a review of a model with a frozen evidence bundle
  model pause     the kill switch: pause (or resume) a model, publishing to vigil.control
  migrate         apply database migrations
  help            this text

Run "vigil <command> --help" for a command's options.
`;

type Command = (argv: readonly string[], io: CommandIo) => Promise<number>;

/**
 * Loaded on demand: `vigil report` should not pay for loading tfjs, which only `vigil demo` uses. A command of two
 * words (`dlq list`) is looked up before its first word alone.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  dashboards: async () => (await import('./cli/dashboards-command')).dashboardsCommand,
  demo: async () => (await import('./cli/demo-command')).demoCommand,
  'dlq list': async () => (await import('./cli/dlq-command')).dlqCommand,
  'dlq replay': async () => (await import('./cli/dlq-command')).dlqReplayCommand,
  'incidents list': async () => (await import('./cli/incidents-command')).incidentsCommand('list'),
  'incidents ack': async () => (await import('./cli/incidents-command')).incidentsCommand('ack'),
  'incidents resolve': async () => (await import('./cli/incidents-command')).incidentsCommand('resolve'),
  'incidents silence': async () => (await import('./cli/incidents-command')).incidentsCommand('silence'),
  'review open': async () => (await import('./cli/review-command')).reviewOpenCommand,
  'model pause': async () => (await import('./cli/model-command')).modelCommand('pause'),
  'model resume': async () => (await import('./cli/model-command')).modelCommand('resume'),
  migrate: async () => (await import('./cli/migrate-command')).migrateCommand,
  'reference fit': async () => (await import('./cli/reference-command')).referenceCommand,
  replay: async () => (await import('./cli/replay-command')).replayCommand,
  report: async () => (await import('./cli/report-command')).reportCommand,
  run: async () => (await import('./cli/run-command')).runCommand,
};

/** Runs one CLI invocation and returns its exit code; never throws. */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(USAGE);
    return name === undefined ? EXIT.refused : EXIT.ok;
  }
  const twoWords = rest[0] !== undefined ? COMMANDS[`${name} ${rest[0]}`] : undefined;
  const load = twoWords ?? COMMANDS[name];
  const args = twoWords ? rest.slice(1) : rest;
  if (!load) {
    io.stderr(`vigil: unknown command "${name}"\n\n${USAGE}`);
    return EXIT.refused;
  }
  try {
    const command = await load();
    return await command(args, io);
  } catch (error) {
    if (isVigilError(error)) {
      io.stderr(`error [${error.code}]: ${error.message}\n`);
      return error.retriable ? EXIT.internal : EXIT.refused;
    }
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`error [VIGIL_USAGE]: ${error.message}\n`);
      return EXIT.refused;
    }
    io.stderr(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.internal;
  }
}
