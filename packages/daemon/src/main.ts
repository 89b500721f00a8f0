import { isVigilError } from '@vigil/core';
import { EXIT, type CommandIo } from './cli/command-io';
import { demoCommand } from './cli/demo-command';
import { reportCommand } from './cli/report-command';

const USAGE = `Usage: vigil <command> [options]

Commands:
  demo       the Adult census demo: train a model, score two periods, report drift, calibration, fairness
  report     one-shot drift, calibration, performance and fairness analysis of two files
  help       this text

Run "vigil <command> --help" for a command's options.
`;

const COMMANDS: Record<string, (argv: readonly string[], io: CommandIo) => Promise<number>> = {
  demo: demoCommand,
  report: reportCommand,
};

/** Runs one CLI invocation and returns its exit code; never throws. */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(USAGE);
    return name === undefined ? EXIT.refused : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`vigil: unknown command "${name}"\n\n${USAGE}`);
    return EXIT.refused;
  }
  try {
    return await command(rest, io);
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
