import { dirname, resolve } from 'node:path';
import { ConfigProblems } from './config-problems';
import { ConfigReader, isRecord } from './config-reader';
import { compileAlerts } from './compile-alerts';
import { compileConnections } from './compile-connections';
import { compileEscalation, compileNotifiers } from './compile-escalation';
import { compileModels } from './compile-model';
import { compileRetention } from './compile-retention';
import { deepFreeze } from './deep-freeze';
import { readYaml, type Env } from './read-yaml';
import { type VigilConfig } from './vigil-config';

const TOP_LEVEL_KEYS = [
  'kafka',
  'database',
  'redis',
  'http',
  'smtp',
  'notifiers',
  'escalation',
  'alerts',
  'models',
  'retention',
];

/** What the command that reads the configuration needs of it. */
export interface ConfigNeeds {
  /**
   * Whether `kafka.brokers` must be given when there is a kafka section: `vigil run` reads Kafka, and commands that
   * only use the database (`vigil incidents`, `migrate`…) do not, so a file whose brokers come from
   * VIGIL_KAFKA_BROKERS loads in a shell that has not exported it (the brokers are then empty). @defaultValue true
   */
  readonly kafkaBrokers?: boolean;
}

/**
 * Validates and compiles the text of a vigil.yaml. Every problem is collected, and then one `VigilError`
 * (`VIGIL_CONFIG_INVALID`) lists them all — `vigil.yaml:12: models[0].window.size: ...` — with
 * `details.problems` holding `{ path, line, message }` for each. Problems never quote secret values.
 *
 * @param source - the file name used in messages.
 * @param env - the environment for `${NAME}` references and the `VIGIL_*` overrides. @defaultValue `process.env`
 * @param baseDir - the directory relative reference and certificate files are resolved against.
 *   @defaultValue the directory of `source`
 * @param needs - what the command needs: see `ConfigNeeds`.
 * @returns the compiled configuration, deeply frozen; secrets are non-enumerable (see `redactedConfig`).
 */
export function parseConfig(
  text: string,
  source: string,
  env: Env = process.env,
  baseDir = dirname(resolve(source)),
  needs: ConfigNeeds = {},
): VigilConfig {
  const problems = new ConfigProblems(source);
  const r = new ConfigReader(problems);
  const value = readYaml(text, problems, env);
  problems.throwIfAny();
  if (value === null || value === undefined) {
    problems.add('(root)', 'the configuration is empty; it needs at least a models list', 1);
    problems.throwIfAny();
  }
  if (!isRecord(value)) {
    problems.add('(root)', 'must be a mapping of sections (kafka, database, models, ...)', 1);
    problems.throwIfAny();
  }
  // `x-` keys hold what the file itself uses, such as a template for `<<` merge keys (`x-model: &model {…}`), as
  // docker-compose's extension fields do; they are not read.
  const templates = Object.keys(value as Record<string, unknown>).filter((key) => key.startsWith('x-'));
  const root = r.object(value, '', [...TOP_LEVEL_KEYS, ...templates]) ?? {};
  const connections = compileConnections(root, r, env, baseDir, needs.kafkaBrokers ?? true);
  const notifiers = compileNotifiers(root.notifiers, r);
  for (const [name, notifier] of Object.entries(notifiers)) {
    if (notifier.type === 'email' && !connections.smtp)
      r.problems.add(`notifiers.${name}`, 'is an email notifier, and there is no smtp section');
  }
  const escalation = compileEscalation(root.escalation, r, Object.keys(notifiers));
  const alerts = compileAlerts(root.alerts, r);
  const models = compileModels(root.models, r, {
    policies: escalation,
    smtp: connections.smtp !== undefined,
    baseDir,
    notifiers: Object.keys(notifiers),
  });
  const retention = compileRetention(root.retention, r, models);
  problems.throwIfAny();
  return deepFreeze({ ...connections, notifiers, escalation, alerts, models, ...(retention ? { retention } : {}) });
}
