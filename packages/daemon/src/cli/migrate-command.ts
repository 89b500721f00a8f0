import { migrate } from '@vigil/store';
import { commandHelp, HELP_OPTION, parseCommandArgs, type CommandOptions } from './command-args';
import { EXIT, type CommandIo } from './command-io';
import { databaseTarget, describeTarget, openClient } from './database';

const USAGE = `Usage: vigil migrate [-c vigil.yaml]

Applies pending database migrations (the daemon also does this at start) to the database of the configuration,
VIGIL_DATABASE_URL, or the embedded one in ./.vigil/pglite.
`;

const OPTIONS = {
  config: { type: 'string', short: 'c', value: 'FILE', help: 'the configuration, for its database' },
  help: HELP_OPTION,
} satisfies CommandOptions;

export async function migrateCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('vigil migrate', { args: [...argv], options: OPTIONS });
  if (values.help) {
    io.stdout(commandHelp(USAGE, OPTIONS, io.color));
    return EXIT.ok;
  }
  const { target } = await databaseTarget(io, values.config, 'optional');
  const client = await openClient(target);
  try {
    const { applied } = await migrate(client);
    io.stdout(
      applied.length > 0
        ? `Applied migrations ${applied.join(', ')} to the ${describeTarget(target)}\n`
        : `The ${describeTarget(target)} is up to date\n`,
    );
    return EXIT.ok;
  } finally {
    await client.close();
  }
}
