import { parseArgs } from 'node:util';
import { VigilError } from '@vigil/core';
import { EXIT, type CommandIo } from './command-io';
import { databaseTarget, openStore } from './database';

const USAGE = `Usage: vigil dlq list [-c vigil.yaml] [--limit 50] [--all] [--json]

Lists dead-lettered messages, newest first: where they came from, why they were refused, and the start of the
raw bytes. --all includes messages already replayed.
`;

export async function dlqCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      config: { type: 'string', short: 'c' },
      limit: { type: 'string' },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new VigilError('VIGIL_USAGE', `vigil dlq list: --limit "${values.limit}" must be a positive integer`);
  const { target } = await databaseTarget(io, values.config);
  const store = await openStore(target);
  try {
    const letters = await store.listDeadLetters({ limit, pendingOnly: !values.all });
    if (values.json) {
      io.stdout(`${JSON.stringify(letters.map((l) => ({ ...l, raw: l.raw.toString('base64') })), null, 2)}\n`);
    } else if (letters.length === 0) {
      io.stdout('No dead letters.\n');
    } else {
      for (const l of letters) {
        const preview = l.raw.toString('utf8', 0, Math.min(l.raw.length, 80)).replace(/[^\x20-\x7e]/g, '.');
        io.stdout(`${l.id}  ${new Date(l.receivedAt).toISOString()}  ${l.topic}/${l.partition}@${l.offset}  ${l.code}\n    ${l.reason}\n    ${preview}${l.rawBytes > 80 ? ` … (${l.rawBytes} bytes)` : ''}\n`);
      }
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
