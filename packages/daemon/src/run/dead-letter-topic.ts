/**
 * `kafka.topics.deadLetters` for `vigil run`: the publisher the runner hands each committed batch's dead letters to,
 * with its outcomes counted on GET /metrics (docs/streaming.md, "The dead-letter topic").
 */
import { DeadLetterPublisher, type KafkaConnectionOptions } from '@vigil/collector';
import type { Logger } from '@vigil/core';
import type { RunnerMetrics } from './runner-metrics';

/** The publisher of `topic`, or undefined when no dead-letter topic is configured. */
export function deadLetterTopic(
  topic: string | undefined,
  connection: KafkaConnectionOptions,
  metrics: RunnerMetrics,
  logger: Logger,
): DeadLetterPublisher | undefined {
  if (topic === undefined) return undefined;
  return new DeadLetterPublisher({
    ...connection,
    topic,
    logger,
    onPublished: (count) => metrics.deadLettersPublished.inc({ topic }, count),
    onFailed: (count, outcome) => metrics.deadLettersPublishFailed.inc({ topic, outcome }, count),
  });
}
