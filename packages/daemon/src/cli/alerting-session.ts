/**
 * What the alert commands share: the database (as every store command finds it), an alerting service that only
 * writes state (never started: no Redis, no deliveries — the running daemon's relay sends what these commands
 * put in the outbox), and the actor recorded in the audit log.
 */
import { createAlerting, type Alerting } from '@vigil/alerts';
import { VigilError, type VigilConfig } from '@vigil/core';
import type { Store } from '@vigil/store';
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
  fn: (alerting: Alerting, config: VigilConfig) => Promise<T>,
): Promise<T> {
  if (needsModels && configPath === undefined)
    throw new VigilError('VIGIL_USAGE', `${what}: -c vigil.yaml is required (the model must be configured)`);
  // Pausing queues its control event in the database (the daemon publishes it): no command here reads Kafka.
  const { target, config } = await databaseTarget(io, configPath, 'optional');
  const store: Store = await openStore(target);
  try {
    const alerting = await createAlerting({ config: config ?? NO_MODELS, store });
    return await fn(alerting, config ?? NO_MODELS);
  } finally {
    await store.close();
  }
}

/** `--as NAME`, else `cli:$USER`. */
export function cliActor(io: CommandIo, as: string | undefined): string {
  return as ?? `cli:${io.env.USER ?? io.env.LOGNAME ?? 'unknown'}`;
}

export function requireReason(what: string, reason: string | undefined): string {
  if (reason === undefined || reason.trim() === '')
    throw new VigilError('VIGIL_USAGE', `${what}: --reason is required (it goes to the audit log)`);
  return reason;
}
