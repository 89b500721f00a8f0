import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KafkaConnectionOptions } from '@vigil/collector';
import type { KafkaConfig, Logger } from '@vigil/core';

/** The collector's connection options from the configuration's kafka section; files are read relative to `configDir`. */
export function kafkaConnection(kafka: KafkaConfig, configDir: string, logger?: Logger): KafkaConnectionOptions {
  return {
    brokers: kafka.brokers,
    clientId: kafka.clientId,
    ...(kafka.sasl ? { sasl: { mechanism: kafka.sasl.mechanism, username: kafka.sasl.username, password: kafka.sasl.password } } : {}),
    ...(kafka.ssl ? { ssl: tlsOptions(kafka.ssl, configDir) } : {}),
    ...(logger ? { logger } : {}),
  };
}

function tlsOptions(ssl: NonNullable<KafkaConfig['ssl']>, configDir: string) {
  const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(resolve(configDir, file), 'utf8'));
  return { rejectUnauthorized: ssl.rejectUnauthorized, ca: read(ssl.caFile), cert: read(ssl.certFile), key: read(ssl.keyFile) };
}
