import { parseArgs } from 'node:util';
import { migrate } from '@vigil/store';
import { EXIT, type CommandIo } from './command-io';
import { databaseTarget, describeTarget, openClient } from './database';

const USAGE = `Usage: vigil migrate [-c vigil.yaml]

Applies pending database migrations (the daemon also does this at start).
`;

export async function migrateCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  const { target } = await databaseTarget(io, values.config);
  const client = await openClient(target);
  try {
    const { applied } = await migrate(client);
    io.stdout(applied.length > 0 ? `Applied migrations ${applied.join(', ')} to the ${describeTarget(target)}\n` : `The ${describeTarget(target)} is up to date\n`);
    return EXIT.ok;
  } finally {
    await client.close();
  }
}
