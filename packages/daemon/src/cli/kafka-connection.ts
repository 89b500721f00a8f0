import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KafkaConnectionOptions } from '@vigil/collector';
import { VigilError, type KafkaConfig, type Logger } from '@vigil/core';

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
  const read = (key: 'caFile' | 'certFile' | 'keyFile') => {
    const file = ssl[key];
    if (file === undefined) return undefined;
    const path = resolve(configDir, file);
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new VigilError('VIGIL_FILE_NOT_FOUND', `kafka.ssl.${key}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
    }
  };
  return { rejectUnauthorized: ssl.rejectUnauthorized, ca: read('caFile'), cert: read('certFile'), key: read('keyFile') };
}
