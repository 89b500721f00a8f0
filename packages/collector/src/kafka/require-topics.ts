import { silentLogger, VigilError } from '@vigil/core';
import type { Kafka } from 'kafkajs';
import { connectFailure, createKafka, type KafkaConnectionOptions } from './kafka-source';

/* One of the files that import kafkajs, all in src/kafka/ (see kafka-source.ts). */

/** A topic a command needs, and the configuration key that names it when it comes from the configuration. */
export type RequiredTopic = string | { readonly topic: string; readonly key: string };

/**
 * Fails with VIGIL_KAFKA_TOPIC_MISSING, naming every missing topic (with the configuration key that names it) and the
 * command that creates it, when any of `topics` does not exist. Vigil never creates topics (their partitions and
 * retention are the operator's choice). The whole list is read: a metadata request naming the topic would create it
 * on a broker with auto.create.topics.enable. Errors of the client itself are the caller's to word.
 */
export async function requireTopics(
  kafka: Kafka,
  topics: readonly RequiredTopic[],
  brokers: readonly string[],
  doing: string,
): Promise<void> {
  const admin = kafka.admin();
  let existing: string[];
  await admin.connect();
  try {
    existing = await listTopicsSettled(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const missing = topics.filter((t) => !existing.includes(topicName(t)));
  if (missing.length > 0) throw missingTopics(missing, brokers, doing);
}

/**
 * The broker's topics. A broker that has just come back (resumed after a pause, restarted) may answer its first
 * metadata request without metadata, which kafkajs's `listTopics` reports as a TypeError: asked again a moment later
 * it answers. Three tries, half a second apart; the last failure is the caller's.
 */
async function listTopicsSettled(admin: ReturnType<Kafka['admin']>): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.listTopics();
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/**
 * `requireTopics` on a client of its own, for a consumer about to subscribe (`vigil run`): brokers that cannot be
 * reached, credentials or certificates refused fail as the consumer's connection would (VIGIL_KAFKA_UNAVAILABLE).
 */
export async function requireConsumedTopics(
  options: KafkaConnectionOptions,
  topics: readonly RequiredTopic[],
  doing: string,
): Promise<void> {
  const logger = (options.logger ?? silentLogger).child({ component: 'admin' });
  try {
    await requireTopics(createKafka(options, logger), topics, options.brokers, doing);
  } catch (error) {
    throw connectFailure(error, options.brokers);
  }
}

/**
 * The VIGIL_KAFKA_TOPIC_MISSING error for `missing`: each topic (and its key), and the command that creates it;
 * `deleted`: the topics were there when the command started.
 */
export function missingTopics(
  missing: readonly RequiredTopic[],
  brokers: readonly string[],
  doing: string,
  deleted?: 'deleted',
): VigilError {
  const one = missing.length === 1;
  const named = missing.map((t) => (typeof t === 'string' ? t : `${t.topic} (${t.key})`)).join(', ');
  const create = missing
    .map(
      (t) =>
        `kafka-topics.sh --create --topic ${topicName(t)} --partitions N --bootstrap-server ${brokers[0] ?? 'HOST:PORT'}`,
    )
    .join('; ');
  return new VigilError(
    'VIGIL_KAFKA_TOPIC_MISSING',
    deleted
      ? `${doing}: ${one ? 'topic' : 'topics'} ${named} ${one ? 'was' : 'were'} deleted while consumed (not at ${brokers.join(', ')} any more); stopped. Vigil does not create topics, and the offsets it stored are those of the deleted ${one ? 'topic' : 'topics'}: create the new one under another name and configure it (a topic created again under the same name would be read from those offsets) (docs/streaming.md, "Failures")`
      : `${doing}: ${one ? 'topic' : 'topics'} ${named} ${one ? 'does' : 'do'} not exist at ${brokers.join(', ')}, and Vigil does not create topics; create ${one ? 'it' : 'them'} first: ${create} (docs/streaming.md, "Creating the topics")`,
    {
      details: {
        missing: missing.map(topicName),
        ...(missing.some((t) => typeof t !== 'string')
          ? { keys: missing.map((t) => (typeof t === 'string' ? null : t.key)) }
          : {}),
      },
    },
  );
}

function topicName(t: RequiredTopic): string {
  return typeof t === 'string' ? t : t.topic;
}
