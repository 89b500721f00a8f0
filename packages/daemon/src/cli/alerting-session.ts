/**
 * What the alert commands share: the database (as every store command finds it), an alerting service that only
 * writes state (never started: no Redis, no deliveries — the running daemon's relay sends what these commands
 * put in the outbox), and the actor recorded in the audit log.
 */
import { userInfo } from 'node:os';
import { createAlerting, type Alerting } from '@vigil/alerts';
import { shellWord, VigilError, type VigilConfig } from '@vigil/core';
import type { Store } from '@vigil/store';
import { closest } from './command-args';
import type { CommandIo } from './command-io';
import { databaseTarget, openStore } from './database';

/** A configuration with no models, for commands that only touch incidents by id. */
const NO_MODELS: VigilConfig = {
  http: { port: 0, host: '127.0.0.1', tokens: [], readsRequireToken: false },
  notifiers: {},
  escalation: { default: { steps: [{ afterMs: 0, notify: ['owner'] }] } },
  models: [],
};

export async function withAlerting<T>(
  io: CommandIo,
  configPath: string | undefined,
  what: string,
  needsModels: boolean,
  fn: (alerting: Alerting, config: VigilConfig, store: Store) => Promise<T>,
): Promise<T> {
  if (needsModels && configPath === undefined)
    throw new VigilError('VIGIL_USAGE', `${what}: -c vigil.yaml is required (the model must be configured)`);
  // Pausing queues its control event in the database (the daemon publishes it): no command here reads Kafka.
  const { target, config } = await databaseTarget(io, configPath, 'optional');
  const store: Store = await openStore(target);
  try {
    const alerting = await createAlerting({ config: config ?? NO_MODELS, store });
    return await fn(alerting, config ?? NO_MODELS, store);
  } finally {
    await store.close();
  }
}

/** `--as NAME`, else `cli:$USER` ($LOGNAME, else the account's name, else `cli:unknown`). */
export function cliActor(io: CommandIo, as: string | undefined): string {
  return as ?? `cli:${nonEmpty(io.env.USER) ?? nonEmpty(io.env.LOGNAME) ?? accountName() ?? 'unknown'}`;
}

const nonEmpty = (text: string | undefined): string | undefined =>
  text === undefined || text.trim() === '' ? undefined : text;

/** The name of the account the process runs as; undefined when it has none (userInfo throws: no passwd entry). */
function accountName(): string | undefined {
  try {
    return nonEmpty(userInfo().username);
  } catch {
    return undefined;
  }
}

/**
 * ` -c FILE` as the user gave it (quoted for a shell when it needs to be), or '' without one: the hints that print a
 * command to copy carry it, so that the copy finds the same database.
 */
export function configArgument(configPath: string | undefined): string {
  return configPath === undefined ? '' : ` -c ${shellWord(configPath)}`;
}

export function requireReason(what: string, reason: string | undefined): string {
  if (reason === undefined || reason.trim() === '')
    throw new VigilError('VIGIL_USAGE', `${what}: --reason is required (it goes to the audit log)`);
  return reason;
}

/**
 * A `--model` filter naming no model the configuration or the database knows: said on stderr, with the nearest id,
 * before the (empty) list, since a typo would otherwise read as "nothing is firing". Not refused: the audit log and
 * closed incidents may hold a model no longer configured.
 */
export async function warnUnknownModelFilter(
  io: CommandIo,
  what: string,
  model: string | undefined,
  config: VigilConfig,
  store: Store,
): Promise<void> {
  if (model === undefined || config.models.some((m) => m.id === model)) return;
  // The models with data, and those of incidents (a model with incidents may have no rows any more).
  const stored = [
    ...(await store.models.list()).map((m) => m.model),
    ...(await store.incidents.list({ limit: 1000 })).map((i) => i.model),
  ];
  if (stored.includes(model)) return;
  const ids = [...new Set([...config.models.map((m) => m.id), ...stored])];
  const guess = closest(model, ids);
  io.stderr(
    `warning: ${what}: --model "${model}": no such model in the ${config === NO_MODELS ? '' : 'configuration or the '}database${guess === undefined ? '' : `; did you mean "${guess}"?`}\n`,
  );
}
