/** The daemon's own numbers at GET /metrics (docs/streaming.md, "/metrics"): consumption, lag, dead letters, labels, analyses. */
import type { SourceBatch } from '@vigil/collector';
import type { Metric, PrometheusRegistry } from '../http/prometheus-registry';

export interface RunnerMetrics {
  eventsConsumed: Metric;
  deadLettered: Metric;
  /** Dead letters acknowledged by the broker on `kafka.topics.deadLetters`. */
  deadLettersPublished: Metric;
  /** Dead letters of a failed send to that topic (`outcome`: `retrying`, or `dropped` from the topic — never from the store). */
  deadLettersPublishFailed: Metric;
  predictionsDuplicate: Metric;
  labelsJoined: Metric;
  labelsOrphaned: Metric;
  labelsDuplicate: Metric;
  labelsExpired: Metric;
  unprofiled: Metric;
  windowsAnalysed: Metric;
  analysisSeconds: Metric;
  watermark: Metric;
  batches: Metric;
  /** Records the partition's consumer lag after a batch. */
  observeLag(batch: SourceBatch): void;
}

export function runnerMetrics(registry: PrometheusRegistry): RunnerMetrics {
  const lag = registry.gauge('vigil_consumer_lag_messages', 'Messages of the partition not yet consumed, after the latest batch');
  const batches = registry.counter('vigil_batches_total', 'Source batches committed or recognised as committed before');
  return {
    eventsConsumed: registry.counter('vigil_events_consumed_total', 'Prediction events decoded and committed'),
    deadLettered: registry.counter('vigil_dead_letters_total', 'Messages sent to the dead-letter store'),
    deadLettersPublished: registry.counter('vigil_dead_letters_published_total', 'Dead letters published to the dead-letter topic (kafka.topics.deadLetters)'),
    deadLettersPublishFailed: registry.counter('vigil_dead_letters_publish_failed_total', 'Dead letters of failed sends to the dead-letter topic (outcome: retrying or dropped; the store keeps them)'),
    predictionsDuplicate: registry.counter('vigil_events_duplicate_total', 'Prediction events whose id the model had already seen (a producer retry): not counted again'),
    labelsJoined: registry.counter('vigil_labels_joined_total', 'Label events joined to their prediction'),
    labelsOrphaned: registry.counter('vigil_labels_waiting_total', 'Label events stored to wait for their prediction'),
    labelsDuplicate: registry.counter('vigil_labels_duplicate_total', 'Label events for a prediction that already had its label'),
    labelsExpired: registry.counter('vigil_labels_orphaned_total', 'Waiting labels whose prediction never came (expired)'),
    unprofiled: registry.counter('vigil_events_unprofiled_total', 'Prediction events of a model version without a reference profile'),
    windowsAnalysed: registry.counter('vigil_windows_analysed_total', 'Windows analysed (kind: first or revision after late data)'),
    analysisSeconds: registry.counter('vigil_analysis_seconds_total', 'Time spent analysing windows'),
    watermark: registry.gauge('vigil_watermark_seconds', 'Event-time watermark per model (epoch seconds)'),
    batches,
    observeLag(batch) {
      batches.inc({ topic: batch.topic });
      if (batch.highWatermark === undefined) return;
      lag.set(Number(BigInt(batch.highWatermark) - BigInt(batch.nextOffset)), { topic: batch.topic, partition: String(batch.partition) });
    },
  };
}
