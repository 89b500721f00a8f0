/** The daemon's own numbers at GET /metrics (docs/streaming.md, "/metrics"): consumption, lag, dead letters, labels, analyses. */
import type { SourceBatch } from '@vigil/collector';
import type { CounterMetric, GaugeMetric, PrometheusRegistry } from '../http/prometheus-registry';

export interface RunnerMetrics {
  eventsConsumed: CounterMetric;
  deadLettered: CounterMetric;
  /** Dead letters acknowledged by the broker on `kafka.topics.deadLetters`. */
  deadLettersPublished: CounterMetric;
  /** Dead letters of a failed send to that topic (`outcome`: `retrying`, or `dropped` from the topic — never from the store). */
  deadLettersPublishFailed: CounterMetric;
  predictionsDuplicate: CounterMetric;
  labelsJoined: CounterMetric;
  labelsOrphaned: CounterMetric;
  labelsDuplicate: CounterMetric;
  labelsExpired: CounterMetric;
  unprofiled: CounterMetric;
  windowsAnalysed: CounterMetric;
  analysisSeconds: CounterMetric;
  watermark: GaugeMetric;
  batches: CounterMetric;
  /** Revisions the materiality rule deferred (docs/streaming.md, "Analysis beside ingest"). */
  revisionsDeferred: CounterMetric;
  /** A model version's alert rules by state, after the last window this daemon judged (docs/alerts.md). */
  ruleStates: GaugeMetric;
  /** Where the analysis lag and the queue's size are read from at each scrape (analysis beside ingest). */
  analysisProbe(probe: () => { lagSeconds: number; queuedWindows: number }): void;
  /** Records the partition's consumer lag after a batch. */
  observeLag(batch: SourceBatch): void;
}

/** The label values known when the daemon starts: their series are at 0 from the start, not absent until counted. */
export interface KnownLabels {
  models: readonly string[];
  topics: { predictions: string; labels: string; deadLetters?: string | undefined };
}

export function runnerMetrics(registry: PrometheusRegistry, known?: KnownLabels): RunnerMetrics {
  const lag = registry.gauge(
    'vigil_consumer_lag_messages',
    'Messages of the partition not yet consumed, after the latest batch',
    ['topic', 'partition'],
  );
  const batches = registry.counter(
    'vigil_batches_total',
    'Source batches committed or recognised as committed before',
    ['topic'],
  );
  // Read from the scheduler at each scrape (the lag grows between events); 0 while analysis runs inline.
  const lagGauge = registry.gauge(
    'vigil_analysis_lag_seconds',
    'Seconds since the oldest committed change that window analysis has not looked at yet (0: caught up)',
  );
  const queued = registry.gauge(
    'vigil_analysis_queued_windows',
    'Changed windows queued for analysis beside ingest (open ones included)',
  );
  lagGauge.set(0);
  queued.set(0);
  const metrics: RunnerMetrics = {
    eventsConsumed: registry.counter('vigil_events_consumed_total', 'Prediction events decoded and committed', [
      'model',
    ]),
    deadLettered: registry.counter('vigil_dead_letters_total', 'Messages sent to the dead-letter store', [
      'topic',
      'code',
    ]),
    deadLettersPublished: registry.counter(
      'vigil_dead_letters_published_total',
      'Dead letters published to the dead-letter topic (kafka.topics.deadLetters)',
      ['topic'],
    ),
    deadLettersPublishFailed: registry.counter(
      'vigil_dead_letters_publish_failed_total',
      'Dead letters of failed sends to the dead-letter topic (outcome: retrying or dropped; the store keeps them)',
      ['topic', 'outcome'],
    ),
    predictionsDuplicate: registry.counter(
      'vigil_events_duplicate_total',
      'Prediction events whose id the model had already seen (a producer retry): not counted again',
      ['model'],
    ),
    labelsJoined: registry.counter('vigil_labels_joined_total', 'Label events joined to their prediction'),
    labelsOrphaned: registry.counter('vigil_labels_waiting_total', 'Label events stored to wait for their prediction'),
    labelsDuplicate: registry.counter(
      'vigil_labels_duplicate_total',
      'Label events for a prediction that already had its label',
    ),
    labelsExpired: registry.counter(
      'vigil_labels_orphaned_total',
      'Waiting labels whose prediction never came (expired)',
    ),
    unprofiled: registry.counter(
      'vigil_events_unprofiled_total',
      'Prediction events of a model version without a reference profile',
      ['model', 'version'],
    ),
    windowsAnalysed: registry.counter(
      'vigil_windows_analysed_total',
      'Windows analysed (kind: first or revision after late data)',
      ['model', 'kind'],
    ),
    analysisSeconds: registry.counter('vigil_analysis_seconds_total', 'Time spent analysing windows'),
    // A timestamp, hence `_timestamp_seconds` (Prometheus naming); no sample before it is known (0 would read as 1970).
    watermark: registry.gauge(
      'vigil_watermark_timestamp_seconds',
      'Event-time watermark per model (Unix time in seconds)',
      ['model'],
    ),
    batches,
    revisionsDeferred: registry.counter(
      'vigil_revisions_deferred_total',
      'Revisions of analysed windows too small to analyse at once (analysed once the window is quiet)',
      ['model'],
    ),
    // Set after each judged window: a model whose rules never judge (every window below `minSamples`) shows it here.
    ruleStates: registry.gauge(
      'vigil_rule_states',
      'Alert rules (each feature, group and severity) of a model version by state after the last window this daemon judged: ok, firing, insufficient_data (fewer rows than minSamples, or no value)',
      ['model', 'version', 'state'],
    ),
    analysisProbe(probe) {
      registry.beforeRender(() => {
        const now = probe();
        lagGauge.set(now.lagSeconds);
        queued.set(now.queuedWindows);
      });
    },
    observeLag(batch) {
      batches.inc({ topic: batch.topic });
      if (batch.highWatermark === undefined) return;
      lag.set(Number(BigInt(batch.highWatermark) - BigInt(batch.nextOffset)), {
        topic: batch.topic,
        partition: String(batch.partition),
      });
    },
  };
  if (known) {
    for (const model of known.models) {
      metrics.eventsConsumed.inc({ model }, 0);
      metrics.predictionsDuplicate.inc({ model }, 0);
      metrics.revisionsDeferred.inc({ model }, 0);
      for (const kind of ['first', 'revision']) metrics.windowsAnalysed.inc({ model, kind }, 0);
    }
    for (const topic of [known.topics.predictions, known.topics.labels]) batches.inc({ topic }, 0);
    const deadLetters = known.topics.deadLetters;
    if (deadLetters !== undefined) {
      metrics.deadLettersPublished.inc({ topic: deadLetters }, 0);
      for (const outcome of ['retrying', 'dropped'])
        metrics.deadLettersPublishFailed.inc({ topic: deadLetters, outcome }, 0);
    }
  }
  return metrics;
}
