import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KafkaConnectionOptions } from '@vigil/collector';
import { errorMessage, VigilError, type KafkaConfig, type Logger } from '@vigil/core';

/** The collector's connection options from the configuration's kafka section; files are read relative to `configDir`. */
export function kafkaConnection(kafka: KafkaConfig, configDir: string, logger?: Logger): KafkaConnectionOptions {
  return {
    brokers: kafka.brokers,
    clientId: kafka.clientId,
    ...(kafka.sasl
      ? { sasl: { mechanism: kafka.sasl.mechanism, username: kafka.sasl.username, password: kafka.sasl.password } }
      : {}),
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
      throw new VigilError(
        'VIGIL_FILE_NOT_FOUND',
        `kafka.ssl.${key}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        { cause: error },
      );
    }
  };
  return {
    rejectUnauthorized: ssl.rejectUnauthorized,
    ca: read('caFile'),
    cert: read('certFile'),
    key: read('keyFile'),
  };
}

/**
 * A failure of the Kafka client as one VIGIL_KAFKA_UNAVAILABLE error: `doing` (what failed), the brokers, and the
 * causes kafkajs nests (its retry wrapper, the socket's error). Retriable, unless the brokers refused the credentials.
 */
export function kafkaFailure(error: unknown, brokers: readonly string[] | undefined, doing: string): VigilError {
  if (error instanceof VigilError) return error;
  const messages: string[] = [];
  let refused = false;
  for (
    let e = error as { name?: string; message?: string; cause?: unknown; originalError?: unknown } | undefined,
      depth = 0;
    e && depth < 5;
    depth += 1
  ) {
    if (e.message && !messages.some((m) => m.includes(e!.message!))) messages.push(e.message);
    if (/SASLAuthentication|Authorization/.test(e.name ?? '')) refused = true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return new VigilError(
    'VIGIL_KAFKA_UNAVAILABLE',
    `${doing}${brokers ? ` at ${brokers.join(', ')}` : ''}: ${messages.join(': ') || errorMessage(error)}`,
    { cause: error, retriable: !refused },
  );
}

/** An error thrown by kafkajs (all its classes are named KafkaJS…). */
export function isKafkaClientError(error: unknown): error is Error {
  return error instanceof Error && error.name.startsWith('KafkaJS');
}

/** `run()`, with a failure of the Kafka client turned into VIGIL_KAFKA_UNAVAILABLE (see kafkaFailure). */
export async function withKafka<T>(brokers: readonly string[], doing: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw isKafkaClientError(error) ? kafkaFailure(error, brokers, doing) : error;
  }
}
