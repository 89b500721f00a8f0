import { dirname, resolve } from 'node:path';
import { produceMessages } from '@vigil/collector';
import { VigilError } from '@vigil/core';
import { commandHelp, HELP_OPTION, parseCommandArgs, type CommandOption, type CommandOptions } from './command-args';
import { EXIT, type CommandIo } from './command-io';
import { databaseTarget, openStore } from './database';
import { kafkaConnection, withKafka } from './kafka-connection';

const USAGE = `Usage: vigil dlq list [-c vigil.yaml] [--limit 50] [--all] [--json]

Lists dead-lettered messages, newest first: where they came from, why they were refused, and the start of the
raw bytes. The database comes from the configuration, VIGIL_DATABASE_URL, or ./.vigil/pglite.
`;

const CONFIG_OPTION = {
  type: 'string',
  short: 'c',
  value: 'FILE',
  help: 'the configuration, for its database (and Kafka for replay)',
} as const satisfies CommandOption;

const OPTIONS = {
  config: CONFIG_OPTION,
  limit: { type: 'string', value: 'N', help: 'at most N messages (default 50)' },
  all: { type: 'boolean', help: 'include messages already replayed' },
  json: { type: 'boolean', help: 'print JSON (raw bytes in base64) instead of lines' },
  help: HELP_OPTION,
} satisfies CommandOptions;

export async function dlqCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('vigil dlq list', { args: [...argv], options: OPTIONS });
  if (values.help) {
    io.stdout(commandHelp(USAGE, OPTIONS, io.color));
    return EXIT.ok;
  }
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new VigilError('VIGIL_USAGE', `vigil dlq list: --limit "${values.limit}" must be a positive integer`);
  const { target } = await databaseTarget(io, values.config, 'optional');
  const store = await openStore(target);
  try {
    // One more than shown: whether the list was cut, said on stderr so the output itself stays the dead letters.
    const found = await store.deadLetters.list({ limit: limit + 1, pendingOnly: !values.all });
    const letters = found.slice(0, limit);
    if (values.json) {
      io.stdout(
        `${JSON.stringify(
          letters.map((l) => ({ ...l, raw: l.raw.toString('base64') })),
          null,
          2,
        )}\n`,
      );
    } else if (letters.length === 0) {
      io.stdout('No dead letters.\n');
    } else {
      for (const l of letters) {
        const preview = l.raw.toString('utf8', 0, Math.min(l.raw.length, 80)).replace(/[^\x20-\x7e]/g, '.');
        io.stdout(
          `${l.id}  ${new Date(l.receivedAt).toISOString()}  ${l.topic}/${l.partition}@${l.offset}  ${l.code}\n    ${l.reason}\n    ${l.rawErasedAt !== null ? `(${l.rawBytes} bytes, erased by retention at ${new Date(l.rawErasedAt).toISOString()})` : `${preview}${l.rawBytes > 80 ? ` … (${l.rawBytes} bytes)` : ''}`}\n`,
        );
      }
    }
    if (found.length > limit)
      io.info(
        `Showing the newest ${limit} dead letter${limit === 1 ? '' : 's'}${values.all ? '' : ' not yet replayed'}; more match: a larger --limit shows more.\n`,
      );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

const REPLAY_USAGE = `Usage: vigil dlq replay [-c vigil.yaml] [--id ID,...] [--code CODE] [--limit 1000] [--topic T] [--brokers host:port,...]
                        [--dry-run]

Re-submits pending dead letters (after a fix: a model added to the configuration, a producer corrected) to the
topic they came from, or --topic, unchanged and keyed by their model, then marks them replayed. A message
that was truncated when it was stored cannot be replayed faithfully and is left pending, with a note. Those
still bad are dead-lettered again by the daemon, with their reason.
Brokers come from --brokers, else VIGIL_KAFKA_BROKERS, else the configuration.
`;

const REPLAY_OPTIONS = {
  config: CONFIG_OPTION,
  id: {
    type: 'string',
    multiple: true,
    value: 'ID,...',
    help: 'only these dead letters (ids as vigil dlq list shows them)',
  },
  code: {
    type: 'string',
    value: 'CODE',
    help: 'only dead letters refused with this error code (VIGIL_DECODE_UNKNOWN_MODEL, say)',
  },
  limit: { type: 'string', value: 'N', help: 'at most N dead letters, oldest first (default 1000)' },
  topic: { type: 'string', value: 'TOPIC', help: 'produce to this topic instead of the one each came from' },
  brokers: {
    type: 'string',
    value: 'HOST:PORT,...',
    help: 'the Kafka brokers (default: VIGIL_KAFKA_BROKERS, else the configuration)',
  },
  'dry-run': { type: 'boolean', help: 'print which dead letters would be replayed; change nothing' },
  help: HELP_OPTION,
} satisfies CommandOptions;

export async function dlqReplayCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('vigil dlq replay', { args: [...argv], options: REPLAY_OPTIONS });
  if (values.help) {
    io.stdout(commandHelp(REPLAY_USAGE, REPLAY_OPTIONS, io.color));
    return EXIT.ok;
  }
  const problems: string[] = [];
  const limit = values.limit === undefined ? 1000 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) problems.push(`--limit "${values.limit}" must be a positive integer`);
  const ids = new Set(
    (values.id ?? [])
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter(Boolean),
  );
  for (const id of ids)
    if (!/^\d+$/.test(id)) problems.push(`--id "${id}" is not a dead-letter id (a number, as vigil dlq list shows)`);
  // Brokers: --brokers, else VIGIL_KAFKA_BROKERS, else the configuration's, checked below.
  const { target, config } = await databaseTarget(io, values.config, 'optional');
  const brokers =
    (values.brokers ?? io.env.VIGIL_KAFKA_BROKERS)
      ?.split(',')
      .map((b) => b.trim())
      .filter(Boolean) ?? config?.kafka?.brokers;
  if (!values['dry-run'] && (!brokers || brokers.length === 0))
    problems.push('no Kafka brokers: pass --brokers, a configuration with kafka.brokers, or set VIGIL_KAFKA_BROKERS');
  if (problems.length > 0)
    throw new VigilError('VIGIL_USAGE', `vigil dlq replay: ${problems.join('; ')}\n\n${REPLAY_USAGE}`);

  const store = await openStore(target);
  try {
    const pending = (await store.deadLetters.list({ limit: ids.size > 0 ? 100_000 : limit, pendingOnly: true }))
      .filter((l) => (ids.size === 0 || ids.has(l.id)) && (values.code === undefined || l.code === values.code))
      .slice(0, limit)
      .reverse();
    const missing = [...ids].filter((id) => !pending.some((l) => l.id === id));
    for (const id of missing)
      io.stderr(`dead letter ${id}: not pending (unknown, already replayed, or filtered out by --code)\n`);
    const truncated = pending.filter((l) => l.raw.length < l.rawBytes);
    for (const l of truncated) {
      const why =
        l.rawErasedAt !== null
          ? `its bytes were erased by retention at ${new Date(l.rawErasedAt).toISOString()}`
          : `only ${l.raw.length} of its ${l.rawBytes} bytes were kept`;
      io.stderr(`dead letter ${l.id}: ${why}, so it cannot be replayed; left pending\n`);
    }
    const replayable = pending.filter((l) => l.raw.length === l.rawBytes);
    if (values['dry-run']) {
      io.stdout(
        `Would replay ${replayable.length} dead letter(s): ${replayable.map((l) => l.id).join(', ') || 'none'}\n`,
      );
      return EXIT.ok;
    }
    // Produced first, marked after: a crash in between replays them again rather than losing them. Client id, TLS
    // and SASL from the configuration, as vigil run connects; the brokers may come from --brokers instead.
    const security = config?.kafka
      ? kafkaConnection(config.kafka, values.config === undefined ? io.cwd : dirname(resolve(io.cwd, values.config)))
      : {};
    await withKafka(brokers as string[], 'vigil dlq replay: cannot produce to Kafka', () =>
      produceMessages(
        replayable.map((l) => ({ topic: values.topic ?? l.topic, value: l.raw })),
        { ...security, brokers: brokers as string[], command: 'dlq replay' },
      ),
    );
    await store.deadLetters.markReplayed(replayable.map((l) => l.id));
    io.stdout(
      `Replayed ${replayable.length} dead letter(s)${values.topic ? ` to ${values.topic}` : ''}${truncated.length > 0 ? `; ${truncated.length} truncated one(s) left pending` : ''}.\n`,
    );
    return missing.length > 0 ? EXIT.refused : EXIT.ok;
  } finally {
    await store.close();
  }
}
