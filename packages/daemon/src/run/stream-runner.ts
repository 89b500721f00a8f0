/**
 * The heart of `vigil run` (docs/streaming.md, "One batch, one transaction"): a source batch of prediction or label messages becomes one
 * store transaction (bucket deltas, prediction-index rows, joined labels, dead letters, touched windows, the
 * watermark and the next offsets), and every window that the watermark has closed and that changed since its
 * last analysis is analysed and its metric rows upserted — together with the alert evaluation, in one
 * transaction. Nothing here is kept only in memory: a restart, or another daemon taking over a partition, finds
 * everything in the store, so the runner can be killed at any point.
 *
 * Where the analysis runs: inline by default (`handle` returns once the batch's due windows are analysed, which
 * the demo and the tests rely on), or, with `analysis.background` (`vigil run`), beside ingest in an
 * {@link AnalysisScheduler}: `handle` returns once the batch is committed (docs/streaming.md, "Analysis beside ingest").
 */
import {
  analyzeSurrogateWindow,
  analyzeWindow,
  completeEventTime,
  emptyAccumulator,
  EventTimeWindows,
  mergeAccumulatorsInto,
  reconstructionWindow,
  type ReferenceProfile,
  type WindowAccumulator,
} from '@vigil/analyzers';
import type { AnalysedWindow, ModelCondition } from '@vigil/alerts';
import {
  BATCH_COLUMNS,
  decodeLabel,
  PredictionBatchBuilder,
  compileDecodeOptions,
  type DeadLetter,
  type PredictionBatch,
  type SourceBatch,
} from '@vigil/collector';
import {
  compositeKey,
  LABEL_TTL_MS,
  selectRows,
  silentLogger,
  type CategoricalColumn,
  type Logger,
  type ModelConfig,
  type VigilConfig,
} from '@vigil/core';
import {
  type Batch,
  type BucketDelta,
  type DeadLetterInput,
  type DueWindow,
  type FlaggedGroup,
  type LabelInput,
  type LabelMatch,
  type PartitionWatermark,
  type PredictionIndexColumns,
  type RetentionLimits,
  type Tx,
  type Store,
  type WatermarkInput,
  type WindowKey,
} from '@vigil/store';
import { batchBuckets, batchSpec, labelBuckets } from '../pipeline/batch-buckets';
import { windowMetricRows } from '../pipeline/window-metrics';
import { BatchFlagger } from '../review/flag-batch';
import { reviewWindowRows } from '../review/review-metrics';
import { settleReviewQueue } from '../review/settle-review-queue';
import { AnalysisBuckets } from './analysis-buckets';
import { AnalysisScheduler, type ModelWork, type PassOutcome } from './analysis-scheduler';
import { AnalysisSlices } from './analysis-slices';
import { AnalysisWrites } from './analysis-writes';
import { DeadLetterLog } from './dead-letter-log';
import type { RunnerMetrics } from './runner-metrics';
import { VersionProfiles } from './version-profiles';

/** What the alerts package does with an analysed window, inside the transaction that writes its rows. */
export interface WindowAlerts {
  evaluateIn(tx: Tx, analysis: AnalysedWindow): Promise<unknown>;
  /** A version without a reference profile opens a model-level incident; the profile's arrival resolves it. */
  modelConditionIn?(tx: Tx, condition: ModelCondition): Promise<void>;
}

export interface StreamRunnerOptions {
  config: Pick<VigilConfig, 'models'>;
  store: Store;
  /** The consumer group whose offsets batches commit. */
  groupId: string;
  topics: { predictions: string; labels: string };
  /**
   * Per model, the profile of its configured reference (a file, or a range once fitted): the candidate of versions
   * without their own stored profile. A version keeps the first profile it was binned with ({@link VersionProfiles}).
   */
  defaultProfiles?: ReadonlyMap<string, ReferenceProfile>;
  /** Why a model has no default profile yet, when that is known (a reference range still running, say). */
  missingProfileReason?: (model: string) => string | undefined;
  alerts?: WindowAlerts;
  /**
   * `kafka.topics.deadLetters`: handed the dead letters of each batch once its transaction committed. It must return
   * at once (the publisher queues and sends beside the consumer), so the topic can never hold a batch up.
   */
  deadLetterTopic?: { publish(letters: readonly DeadLetter[]): void };
  metrics?: RunnerMetrics;
  logger?: Logger;
  /** How long a prediction waits for its label. @defaultValue 30 days */
  labelTtlMs?: number;
  /** How long a label waits for its prediction. @defaultValue 7 days */
  orphanTtlMs?: number;
  /** Predictions further ahead of the clock are dead-lettered. @defaultValue 1 day */
  maxFutureMs?: number;
  /**
   * A model whose events stop for longer than this opens a `no_traffic` incident; its next event resolves it.
   * @defaultValue the model's window size plus its allowed lateness (a whole window without an event)
   */
  noTrafficAfterMs?: number;
  /** Windows analysed per model per pass (the rest wait for the next pass). @defaultValue 200 */
  analysisBatch?: number;
  /** `retention` of vigil.yaml: applied by `maintain()` at most once per {@link RETENTION_EVERY_MS}, each run audited. */
  retention?: RetentionLimits;
  /** Where windows are analysed: inline in `handle` (the default), or beside ingest. */
  analysis?: AnalysisOptions;
  now?: () => number;
}

/** Analysis beside ingest (docs/streaming.md, "Analysis beside ingest"). */
export interface AnalysisOptions {
  /** `handle` commits and returns; an {@link AnalysisScheduler} analyses the closed windows beside it. */
  background: boolean;
  /**
   * A revision (a window analysed before and changed since) is analysed at once when its labelled rows changed or
   * its rows changed by more than this fraction of the rows last analysed; a smaller change waits for
   * {@link revisionQuietMs}. @defaultValue 0.01
   */
  revisionRowChange?: number;
  /** A smaller revision is analysed once the window has not changed for this long. @defaultValue 60 s */
  revisionQuietMs?: number;
  /** `/readyz` says "analysis lagging" when the analysis lag exceeds this. @defaultValue 5 minutes */
  maxLagMs?: number;
  /**
   * A pass runs this long, then gives way to the batches being handled between two of its windows
   * (analysis-slices.ts). Infinity: a pass never gives way. @defaultValue 20 ms
   */
  sliceMs?: number;
}

export const ANALYSIS_DEFAULTS = { revisionRowChange: 0.01, revisionQuietMs: 60_000, maxLagMs: 300_000 } as const;

const DAY_MS = 86_400_000;
/** Retention limits are days to months: applying them hourly keeps the audit log to 24 entries a day per daemon. */
export const RETENTION_EVERY_MS = 3_600_000;
/**
 * The rows a model's columns start with in a batch before it has been seen (after that, its last batch's size).
 * The builder's default, 1,024, allocated ~37 columns × 1,024 rows (~260 KiB of array buffers) for every model a
 * batch touches; with 100–300 models keyed over 6 partitions a batch holds a few dozen rows per model, so most of
 * it was never written but stayed allocated as long as the batch (docs/benchmarks.md, "Memory as models grow").
 */
const EXPECTED_ROWS_PER_MODEL = 64;
/**
 * After a batch that repeated a prediction id, this many batches look their ids up before they are applied: repeats
 * come in runs (a producer retrying, a replay), and a batch applied as unseen that repeats one is done twice.
 */
const LOOK_UP_AFTER_REPEAT = 100;
/** A version without a profile is looked up again after this long (someone may have run `vigil reference fit`). */
const PROFILE_RETRY_MS = 30_000;
/** Models named in the message of a line about windows that wait for partitions (more are counted); and in its fields. */
const WAITING_NAMED = 4;
const WAITING_LISTED = 100;

interface ModelRuntime {
  config: ModelConfig;
  windows: EventTimeWindows;
}

export class StreamRunner {
  private readonly models = new Map<string, ModelRuntime>();
  private readonly builder: PredictionBatchBuilder;
  private readonly profiles = new Map<string, { profile: ReferenceProfile | undefined; checkedAt: number }>();
  private readonly reportedUnprofiled = new Set<string>();
  /** `model\0topic\0count`: the topic's partitions were given a watermark row for the model (once per process suffices). */
  private readonly partitionsAnnounced = new Set<string>();
  private readonly versionProfiles: VersionProfiles;
  /** Flags predictions for human review (docs/review.md); its rows go into the batch's transaction. */
  private readonly flagger: BatchFlagger;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly labelTtlMs: number;
  private readonly orphanTtlMs: number;
  private readonly decodeOptions;

  /** Models this daemon found silent (its no_traffic incident open), with the version it concerns. */
  private readonly silent = new Map<string, string>();
  private trafficChecked = false;
  /** Dead letters committed by this runner, by topic: the end-of-source summary counts this run's, not the store's. */
  private readonly deadLettersByTopic = new Map<string, number>();
  private retainedAt = Number.NEGATIVE_INFINITY;
  private partitionedAt = Number.NEGATIVE_INFINITY;
  private readonly startedAt: number;
  /** With `analysis.background`: the queue of changed windows and the passes beside ingest. */
  private readonly scheduler: AnalysisScheduler | undefined;
  /** With `analysis.background`: a pass gives way to batches between its windows, a slice at a time. */
  private readonly slices: AnalysisSlices | undefined;
  /** Revisions found too small to analyse yet: window key → the change_seq found, so it is not loaded again. */
  private readonly deferred = new Map<string, number>();
  /** Batches left to look their prediction ids up before applying: set after a batch that repeated one. */
  private lookUpRepeats = 0;
  /** Models whose windows wait for partitions that have not carried them yet: said once a wait (waitingSaid). */
  private readonly waiting = new Set<string>();
  /** The warn lines about committed dead letters, at most one per topic every 10 s. */
  private readonly deadLetterLog: DeadLetterLog;

  constructor(private readonly options: StreamRunnerOptions) {
    for (const model of options.config.models)
      this.models.set(model.id, { config: model, windows: new EventTimeWindows(model.window) });
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.logger = (options.logger ?? silentLogger).child({ component: 'runner' });
    this.deadLetterLog = new DeadLetterLog(this.logger, this.now);
    this.labelTtlMs = options.labelTtlMs ?? LABEL_TTL_MS;
    this.orphanTtlMs = options.orphanTtlMs ?? 7 * DAY_MS;
    this.decodeOptions = compileDecodeOptions({ maxFutureMs: options.maxFutureMs ?? DAY_MS, now: this.now });
    this.builder = new PredictionBatchBuilder(new Map([...this.models].map(([id, m]) => [id, m.config])), {
      ...this.decodeOptions,
      expectedRows: EXPECTED_ROWS_PER_MODEL,
    });
    this.versionProfiles = new VersionProfiles(options.store, options.defaultProfiles, this.logger);
    if (options.analysis?.background) {
      const scheduler = new AnalysisScheduler({
        pass: (work) => this.analyseWork(work),
        now: this.now,
        logger: this.logger,
      });
      this.scheduler = scheduler;
      this.slices = new AnalysisSlices({ sliceMs: options.analysis.sliceMs });
      options.metrics?.analysisProbe(() => ({
        lagSeconds: scheduler.lagSeconds(),
        queuedWindows: scheduler.queuedWindows(),
      }));
    }
    this.flagger = new BatchFlagger(options.store, this.now);
  }

  /**
   * A source's batch handler: commits the batch exactly once, then analyses the windows it closed or changed —
   * before returning, or, with `analysis.background`, beside the next batches.
   */
  async handle(batch: SourceBatch): Promise<void> {
    const changed: WindowKey[] = [];
    this.slices?.batchStarted();
    let models: string[];
    try {
      models =
        batch.topic === this.options.topics.labels
          ? await this.applyLabels(batch, changed)
          : await this.applyPredictions(batch, changed);
    } finally {
      this.slices?.batchEnded();
    }
    this.options.metrics?.observeLag(batch);
    if (this.scheduler) this.scheduler.mark(models, changed);
    else await this.analyse(models);
  }

  /** Resolves once the background analysis has nothing to do (no-op inline). */
  async idle(): Promise<void> {
    await this.scheduler?.idle();
  }

  /**
   * Every window closed by what was committed so far analysed, revisions the materiality rule defers included
   * (the end of an input). Inline, the same as a pass over every model.
   */
  async drain(): Promise<void> {
    if (this.scheduler) await this.scheduler.drain([...this.models.keys()]);
    else await this.analyse([...this.models.keys()]);
  }

  /**
   * Stops the background analysis after the pass in flight (what is left is due in the store, for the next start),
   * and says the dead letters not said yet.
   */
  async stop(): Promise<void> {
    this.deadLetterLog.flush(true);
    await this.scheduler?.stop();
  }

  /** Times the background passes gave way to batches between two windows, and of those, waited for one to end. */
  analysisYields(): { yields: number; waits: number } {
    return { yields: this.slices?.yields ?? 0, waits: this.slices?.waits ?? 0 };
  }

  /** Seconds the background analysis is behind the commits (0 inline). */
  analysisLagSeconds(): number {
    return this.scheduler?.lagSeconds() ?? 0;
  }

  /** A `/readyz` reason while the background analysis lags more than `analysis.maxLagMs`. */
  analysisProblem(): string | undefined {
    if (!this.scheduler) return undefined;
    const lag = this.scheduler.lagSeconds();
    const bound = (this.options.analysis?.maxLagMs ?? ANALYSIS_DEFAULTS.maxLagMs) / 1000;
    return lag > bound
      ? `analysis lagging: ${Math.round(lag)} s behind the committed events (more than ${bound} s)`
      : undefined;
  }

  /** How many of the messages this runner committed from `topic` were dead letters. */
  deadLettered(topic: string): number {
    return this.deadLettersByTopic.get(topic) ?? 0;
  }

  private countDeadLetters(letters: readonly DeadLetter[]): void {
    this.deadLetterLog.add(letters);
    for (const d of letters) {
      this.options.metrics?.deadLettered.inc({ topic: d.topic, code: d.code });
      this.deadLettersByTopic.set(d.topic, (this.deadLettersByTopic.get(d.topic) ?? 0) + 1);
    }
  }

  private async applyPredictions(batch: SourceBatch, changed: WindowKey[]): Promise<string[]> {
    for (const message of batch.messages) this.builder.add(message);
    const built = this.builder.build();
    await this.loadProfiles(
      [...built.batches.values()].flatMap((b) => b.version.categories.map((version) => [b.model, version] as const)),
    );
    // The ids are looked up in the index only while repeats were seen lately: otherwise the batch is applied as
    // unseen, and a repeat in it (the store then writes nothing) makes it go again, looked up.
    if (this.lookUpRepeats === 0) {
      const applied = await this.applyBuilt(batch, built, changed, undefined);
      if (applied) return [...built.batches.keys()];
      this.lookUpRepeats = LOOK_UP_AFTER_REPEAT;
    } else this.lookUpRepeats--;
    // Every model's ids in one look-up (a batch of a topic keyed by model holds dozens of models).
    const seen = await this.options.store.predictions.lookupOfModels(
      new Map([...built.batches].map(([id, b]) => [id, b.ids])),
    );
    await this.applyBuilt(batch, built, changed, seen);
    return [...built.batches.keys()];
  }

  /**
   * Counts and commits a decoded batch. `seen` holds the ids the index already has (dropped as repeats); without it
   * the batch goes as unseen, and false is returned, with nothing written, when it repeats an id.
   */
  private async applyBuilt(
    batch: SourceBatch,
    built: ReturnType<PredictionBatchBuilder['build']>,
    changed: WindowKey[],
    seen: ReadonlyMap<string, ReadonlyMap<string, unknown>> | undefined,
  ): Promise<boolean> {
    const buckets: BucketDelta<WindowAccumulator>[] = [];
    const predictions: PredictionIndexColumns[] = [];
    const windows: WindowKey[] = [];
    const watermarks: WatermarkInput[] = [];
    const unprofiled: { model: string; version: string; rows: number }[] = [];
    const flagged: FlaggedGroup[] = [];
    for (const [id, batchOfModel] of built.batches) {
      const runtime = this.models.get(id)!;
      const decoded = seen === undefined ? batchOfModel : this.withoutRepeats(batchOfModel, seen.get(id) ?? new Map());
      const out = batchBuckets(
        decoded,
        runtime.config,
        runtime.windows,
        (v) => this.profileOf(id, v),
        this.labelTtlMs,
        this.now(),
      );
      buckets.push(...out.buckets);
      if (out.predictions.rowCount > 0) predictions.push(out.predictions);
      windows.push(...out.windows);
      if (out.maxEventTs > -Infinity) watermarks.push(this.watermarkOf(id, out.maxEventTs, batch));
      for (const u of out.unprofiled) unprofiled.push({ model: id, ...u });
      // Rows of a version without a profile are not indexed, so the key cannot find one given twice in the batch,
      // which the look-up path drops (and counts once in `unprofiled`): such a batch goes looked up.
      if (seen === undefined && out.unprofiled.length > 0 && new Set(decoded.ids).size < decoded.rowCount) return false;
      const review = await this.flagger.flag(runtime.config, decoded, (v) => this.profileOf(id, v));
      if (review) flagged.push(review);
    }
    const batchOut: Batch<WindowAccumulator> = {
      ...this.batchBase(batch, built.deadLetters),
      buckets,
      predictionColumns: predictions,
      ...(seen === undefined ? { predictionsUnseen: true } : {}),
      windows,
      watermarks,
      ...(flagged.length > 0 ? { flagged: { now: this.now(), groups: flagged } } : {}),
    };
    const result = await this.options.store.batches.apply(batchOut, mergeAccumulatorsInto);
    if (!result.applied && 'repeated' in result) return false;
    changed.push(...windows);
    if (result.applied) {
      for (const w of watermarks)
        if (w.partitions !== undefined)
          this.partitionsAnnounced.add(compositeKey(w.model, String(w.topic), w.partitions));
      const m = this.options.metrics;
      for (const [id, b] of built.batches) m?.eventsConsumed.inc({ model: id }, b.rowCount);
      this.countDeadLetters(built.deadLetters);
      this.options.deadLetterTopic?.publish(built.deadLetters);
      for (const u of unprofiled) await this.reportUnprofiled(u.model, u.version, u.rows);
    }
    return true;
  }

  /**
   * The batch's progress for a model's watermark: its largest event time on the batch's partition, and, the first
   * time this process sees the model on a topic whose partition count it knows, that count, so the partitions that
   * have not carried the model yet hold its windows back until they do or go idle.
   */
  private watermarkOf(model: string, maxEventTs: number, batch: SourceBatch): WatermarkInput {
    const mark: WatermarkInput = { model, maxEventTs, topic: batch.topic, partition: batch.partition };
    const count = batch.topicPartitions;
    if (count !== undefined && !this.partitionsAnnounced.has(compositeKey(model, batch.topic, count)))
      mark.partitions = count;
    return mark;
  }

  /**
   * The batch without the events whose id the model has already seen — in the prediction index (within its TTL)
   * or earlier in the batch: a producer that retries a send delivers an event twice, and it must count once.
   * A partition has one consumer, so the index holds every earlier batch of it when this one is handled.
   */
  private withoutRepeats(batch: PredictionBatch, seen: ReadonlyMap<string, unknown>): PredictionBatch {
    const keep: number[] = [];
    const inBatch = new Set<string>();
    batch.ids.forEach((id, i) => {
      if (seen.has(id) || inBatch.has(id)) return;
      inBatch.add(id);
      keep.push(i);
    });
    if (keep.length === batch.rowCount) return batch;
    this.options.metrics?.predictionsDuplicate.inc({ model: batch.model }, batch.rowCount - keep.length);
    const table = selectRows(batch.table, keep);
    return {
      ...batch,
      rowCount: keep.length,
      ids: keep.map((i) => batch.ids[i] as string),
      ts: Float64Array.from(keep, (i) => batch.ts[i] as number),
      version: table.columns.get(BATCH_COLUMNS.version) as CategoricalColumn,
      table,
    };
  }

  private async applyLabels(batch: SourceBatch, changed: WindowKey[]): Promise<string[]> {
    const labels: LabelInput[] = [];
    const deadLetters: DeadLetter[] = [];
    const expiresAt = this.now() + this.orphanTtlMs;
    const configs = new Map([...this.models].map(([id, m]) => [id, m.config]));
    for (const message of batch.messages) {
      const decoded = decodeLabel(message, configs, this.decodeOptions);
      if (decoded.ok) labels.push({ ...decoded.label, expiresAt });
      else deadLetters.push(decoded.deadLetter);
    }
    const models = [...new Set(labels.map((l) => l.model))];
    await this.loadAllVersions(models);
    let effects: WindowKey[] = [];
    const result = await this.options.store.batches.apply(
      { ...this.batchBase(batch, deadLetters), buckets: [], labels },
      mergeAccumulatorsInto,
      (matches) => {
        const out = this.labelEffects(matches);
        effects = out.windows;
        return out;
      },
    );
    changed.push(...effects);
    if (result.applied) {
      const m = this.options.metrics;
      m?.labelsJoined.inc({}, result.labels.joined);
      m?.labelsOrphaned.inc({}, result.labels.orphaned);
      m?.labelsDuplicate.inc({}, result.labels.duplicates);
      this.countDeadLetters(deadLetters);
      this.options.deadLetterTopic?.publish(deadLetters);
    }
    return models;
  }

  /** Joined labels → label-only bucket deltas, per model. */
  private labelEffects(matches: readonly LabelMatch[]) {
    const buckets: ReturnType<typeof labelBuckets>['buckets'] = [];
    const windows: WindowKey[] = [];
    const byModel = new Map<string, LabelMatch[]>();
    for (const match of matches) byModel.set(match.model, [...(byModel.get(match.model) ?? []), match]);
    for (const [id, list] of byModel) {
      const runtime = this.models.get(id);
      if (!runtime) continue;
      const out = labelBuckets(list, runtime.config, runtime.windows, (v) => this.profileOf(id, v));
      buckets.push(...out.buckets);
      windows.push(...out.windows);
    }
    return { buckets, windows };
  }

  private batchBase(batch: SourceBatch, deadLetters: readonly DeadLetter[]) {
    return {
      groupId: this.options.groupId,
      offsets: [
        {
          topic: batch.topic,
          partition: batch.partition,
          firstOffset: batch.firstOffset,
          nextOffset: batch.nextOffset,
        },
      ],
      deadLetters: deadLetters.map((d): DeadLetterInput => ({
        topic: d.topic,
        partition: d.partition,
        offset: d.offset,
        code: d.code,
        reason: d.reason,
        raw: d.raw,
        rawBytes: d.rawBytes,
      })),
    };
  }

  /**
   * Periodic work that no single batch triggers: labels whose prediction arrived after them, expiries, and
   * windows left due by another daemon or a crash. Returns the windows analysed.
   */
  async maintain(): Promise<number> {
    const store = this.options.store;
    const now = this.now();
    this.deadLetterLog.flush();
    await this.loadAllVersions([...this.models.keys()]);
    while ((await store.labels.joinOrphans(mergeAccumulatorsInto, (matches) => this.labelEffects(matches))) > 0);
    const expired = await store.labels.expireOrphans(now);
    if (expired > 0) this.options.metrics?.labelsExpired.inc({}, expired);
    await store.predictions.deleteExpired(now);
    await settleReviewQueue(store, this.options.config.models, now);
    // Partitions of the weeks ahead, created hourly like retention runs (a window of a week without one waits in the
    // default partition until the next pass moves it).
    if (now - this.partitionedAt >= RETENTION_EVERY_MS) {
      await store.metrics.maintainPartitions(now);
      this.partitionedAt = now;
    }
    if (this.options.retention && now - this.retainedAt >= RETENTION_EVERY_MS) {
      await store.retention.apply(now, this.options.retention);
      this.retainedAt = now;
    }
    await this.checkTraffic();
    if (!this.scheduler) return this.analyse([...this.models.keys()]);
    // Beside ingest: the scheduler asks the store for every model's due windows in its next pass.
    this.scheduler.sweep([...this.models.keys()]);
    return 0;
  }

  /** Opens a `no_traffic` incident for each model silent for too long, and resolves it once events come back. */
  private async checkTraffic(): Promise<void> {
    if (!this.options.alerts?.modelConditionIn) return;
    const traffic = await this.options.store.windows.traffic();
    for (const [id, runtime] of this.models) {
      const seen = traffic.get(id);
      // A model never heard of has been silent since this daemon started.
      const silentMs = seen ? seen.silentMs : this.now() - this.startedAt;
      const limit =
        this.options.noTrafficAfterMs ?? runtime.config.window.sizeMs + runtime.config.window.allowedLatenessMs;
      const version = this.silent.get(id) ?? seen?.version ?? 'unversioned';
      if (silentMs > limit && !this.silent.has(id)) {
        const detail = `no events of model ${id} for ${Math.round(silentMs / 1000)} s (more than ${Math.round(limit / 1000)} s)`;
        this.logger.warn({ model: id, version }, detail);
        if (await this.modelCondition({ model: id, version, condition: 'no_traffic', active: true, detail }))
          this.silent.set(id, version);
      } else if (silentMs <= limit && (this.silent.has(id) || !this.trafficChecked)) {
        // On the first pass too: an incident another daemon (or this one before a restart) opened may be open.
        if (await this.modelCondition({ model: id, version, condition: 'no_traffic', active: false }))
          this.silent.delete(id);
      }
    }
    this.trafficChecked = true;
  }

  /** Analyses the due windows of `models` (closed by their watermark and changed since); returns how many. */
  async analyse(models: readonly string[]): Promise<number> {
    return (
      await this.analyseWork(models.map((model) => ({ model, earliestEnd: -Infinity, sweep: true, force: true })))
    ).analysed;
  }

  /**
   * Logs once, when it starts, that a model's windows wait for partitions expected to carry it that have not yet
   * (docs/streaming.md, "The watermark"): without it a first run whose events all sit in other partitions looks
   * stuck for up to `window.idleTimeout`. Said again after a wait has ended and another begins. The models of one
   * pass that start waiting for the same partitions are said in one line: a first run of 1,000 models on a keyed
   * topic is one line, not 1,000.
   */
  private sayWaiting(
    models: ReadonlyArray<{ model: string; progress: readonly PartitionWatermark[]; idleTimeoutMs: number }>,
  ): void {
    const groups = new Map<string, { models: string[]; partitions: string[]; idleTimeoutMs: number; wait: number }>();
    for (const { model, progress, idleTimeoutMs } of models) {
      const holding = progress.filter((p) => p.maxEventTs === null && p.idleMs <= idleTimeoutMs);
      if (holding.length === 0) {
        this.waiting.delete(model);
        continue;
      }
      if (this.waiting.has(model)) continue;
      this.waiting.add(model);
      const partitions = holding.map((p) => `${p.topic}/${p.partition}`);
      const key = compositeKey(String(idleTimeoutMs), ...partitions);
      const group = groups.get(key) ?? { models: [], partitions, idleTimeoutMs, wait: 0 };
      group.models.push(model);
      group.wait = Math.max(group.wait, ...holding.map((p) => idleTimeoutMs - p.idleMs));
      groups.set(key, group);
    }
    for (const { models: waiting, partitions, idleTimeoutMs, wait } of groups.values()) {
      const one = waiting.length === 1;
      const shown =
        waiting.length <= WAITING_NAMED
          ? waiting.join(', ')
          : `${waiting.slice(0, 3).join(', ')}, … and ${waiting.length - 3} more`;
      this.logger.info(
        {
          ...(one ? { model: waiting[0] } : { models: waiting.slice(0, WAITING_LISTED), modelCount: waiting.length }),
          partitions,
          idleTimeoutMs,
          waitsAtMostMs: wait,
        },
        `windows of ${one ? `model ${shown}` : `${waiting.length} models (${shown})`} wait for ${partitions.length === 1 ? 'a partition' : `${partitions.length} partitions`} that ${partitions.length === 1 ? 'has' : 'have'} not carried ${one ? 'it' : 'them'} yet: they close when ${partitions.length === 1 ? 'it passes' : 'those partitions pass'} them, or ${Math.ceil(wait / 1000)} s from now (window.idleTimeout) if nothing comes`,
      );
    }
  }

  /**
   * One pass: each model's watermark, and the due windows of the models asked to sweep or whose earliest changed
   * window it closed. Without `force`, a revision too small to matter waits ({@link AnalysisOptions}).
   */
  private async analyseWork(work: readonly ModelWork[]): Promise<PassOutcome> {
    const watermarks = new Map<string, number>();
    if (work.length === 0) return { watermarks, analysed: 0 };
    const partitions = await this.options.store.windows.partitionWatermarks(work.map((w) => w.model));
    let maxEventTimes: Map<string, number> | undefined;
    let analysed = 0;
    // The pass's windows are written together (analysis-writes.ts): one transaction for the pass, not one a window.
    const alerts = this.options.alerts;
    const writes = new AnalysisWrites({
      store: this.options.store,
      evaluateIn: alerts ? (tx, analysis) => alerts.evaluateIn(tx, analysis) : undefined,
      onRuleStates: (analysis, states) => {
        const { model, version } = analysis;
        for (const [state, n] of Object.entries(states))
          this.options.metrics?.ruleStates.set(n, { model, version, state });
      },
    });
    const counted = () => analysed++;
    this.sayWaiting(
      work.flatMap(({ model }) => {
        const progress = partitions.get(model);
        const runtime = this.models.get(model);
        return progress && runtime ? [{ model, progress, idleTimeoutMs: runtime.config.window.idleTimeoutMs }] : [];
      }),
    );
    this.slices?.passStarted();
    for (const { model: id, earliestEnd, sweep, force } of work) {
      const runtime = this.models.get(id);
      if (!runtime) continue;
      // The minimum over the partitions carrying the model (idle ones aside); a model whose batches came from a
      // source without partitions, or before vigil_partition_watermarks existed, has only its largest event time.
      const progress = partitions.get(id);
      const complete =
        progress !== undefined && progress.length > 0
          ? completeEventTime(progress, runtime.config.window.idleTimeoutMs)
          : ((maxEventTimes ??= await this.options.store.windows.maxEventTimes()).get(id) ?? null);
      if (complete === null) continue;
      const watermark = runtime.windows.watermark(complete);
      watermarks.set(id, watermark);
      this.options.metrics?.watermark.set(watermark / 1000, { model: id });
      // Nothing queued has closed: the store has no due window of this model that the queue knows of.
      if (!sweep && earliestEnd > watermark) continue;
      const limit = this.options.analysisBatch ?? 200;
      for (;;) {
        const due = await this.options.store.windows.due(id, watermark, limit);
        // Sliding windows share their buckets: each is read once for the page, a few windows ahead of the walk.
        const buckets = new AnalysisBuckets<WindowAccumulator>(
          (model, version, from, to) => this.options.store.buckets.load<WindowAccumulator>(model, version, from, to),
          due,
        );
        let skipped = 0;
        for (const window of due) {
          // Past its slice, the pass gives way to the batches being handled (analysis-slices.ts).
          await this.slices?.between();
          const outcome = await this.analyseWindow(runtime, window, force, writes, counted, buckets);
          if (outcome === 'deferred') skipped++;
        }
        // A full page of deferred revisions would come back as the same page: the next sweep looks again.
        if (due.length < limit || skipped === due.length) break;
        // The next page is read after this one is written (its windows would be due again otherwise).
        await this.flushWrites(writes);
      }
    }
    await this.flushWrites(writes);
    return { watermarks, analysed };
  }

  /**
   * Whether a revision is worth analysing now (docs/streaming.md, "Analysis beside ingest"): its labelled rows
   * changed, its rows changed by more than `revisionRowChange` of those last analysed, or it has been quiet for
   * `revisionQuietMs`. First analyses, inline runners and `drain` always analyse.
   */
  private material(window: DueWindow, rows: number, labelled: number): boolean {
    const options = this.options.analysis;
    if (!options?.background || window.analyses === 0) return true;
    if (labelled !== (window.analysedLabelledRows ?? -1)) return true;
    const before = window.analysedRows ?? 0;
    if (Math.abs(rows - before) > (options.revisionRowChange ?? ANALYSIS_DEFAULTS.revisionRowChange) * before)
      return true;
    return (window.quietMs ?? Infinity) >= (options.revisionQuietMs ?? ANALYSIS_DEFAULTS.revisionQuietMs);
  }

  /** Writes what the pass analysed so far; the time it takes counts as analysis time. */
  private async flushWrites(writes: AnalysisWrites): Promise<void> {
    if (writes.size === 0) return;
    const started = performance.now();
    await writes.flush();
    this.options.metrics?.analysisSeconds.inc({}, (performance.now() - started) / 1000);
  }

  /**
   * Analyses one due window and hands its results to `writes` (written with the pass's other windows; `counted` is
   * called once they are): 'analysed' when it has results to write, 'deferred' or 'skipped' when not.
   */
  private async analyseWindow(
    runtime: ModelRuntime,
    window: DueWindow,
    force: boolean,
    writes: AnalysisWrites,
    counted: () => void,
    pageBuckets: AnalysisBuckets<WindowAccumulator>,
  ): Promise<'analysed' | 'deferred' | 'skipped'> {
    const started = performance.now();
    const key = compositeKey(window.model, window.version, window.start, window.end);
    const quietMs = this.options.analysis?.revisionQuietMs ?? ANALYSIS_DEFAULTS.revisionQuietMs;
    // Past `retention.buckets` some of the window's buckets may be gone: analysed from the rest it would replace its
    // rows with a fraction of its traffic. The configuration keeps the limit past every label's re-analysis, so only
    // an event older than the limit (a back-fill) gets here; it is counted in its bucket, and the window stays as is.
    const bucketsMs = this.options.retention?.bucketsMs;
    if (bucketsMs !== undefined && window.start < this.now() - bucketsMs) {
      await writes.add({
        window,
        counts: { rows: window.analysedRows ?? 0, labelledRows: window.analysedLabelledRows ?? 0 },
        rows: [],
      });
      this.logger.warn(
        { model: window.model, version: window.version, windowStart: new Date(window.start).toISOString() },
        'window changed after its buckets passed retention.buckets: not analysed again',
      );
      return 'skipped';
    }
    // A model with a review section changes without new rows or labels (a claim, a verdict without a label, the
    // queue's backlog): its windows' review rows are revised whenever they are due, never deferred or skipped.
    const reviewed = runtime.config.review !== undefined;
    force ||= reviewed;
    // Found too small at this very change before, and not quiet long enough yet: not loaded again.
    if (!force && this.deferred.get(key) === window.changeSeq && (window.quietMs ?? Infinity) < quietMs)
      return 'deferred';
    await this.loadProfiles([[window.model, window.version]]);
    const profile = this.profileOf(window.model, window.version);
    if (!profile) return 'skipped';
    const buckets = await pageBuckets.of(window);
    // Stored buckets name groups by attribute (`sex`), so the window is analysed under those names.
    const stored = { ...batchSpec(runtime.config), groups: [...runtime.config.groups] };
    let acc = emptyAccumulator(profile, stored);
    // Summed into the window's own accumulator: the stored buckets (shared with overlapping windows) stay as they were.
    for (const b of buckets) acc = mergeAccumulatorsInto(acc, b.accumulator);
    if (
      this.scheduler &&
      !reviewed &&
      window.analyses > 0 &&
      acc.rows === window.analysedRows &&
      acc.outcome.labelled === window.analysedLabelledRows
    ) {
      // Every change adds rows or labels: the same counts mean the last analysis already read this change (it
      // committed while that analysis loaded the buckets). Its rows stand; the window is only marked as covered.
      await writes.add({ window, counts: { rows: acc.rows, labelledRows: acc.outcome.labelled }, rows: [] });
      this.deferred.delete(key);
      return 'skipped';
    }
    if (!force && !this.material(window, acc.rows, acc.outcome.labelled)) {
      if (this.deferred.get(key) !== window.changeSeq)
        this.options.metrics?.revisionsDeferred.inc({ model: window.model });
      // Bounded: an entry whose window another daemon analysed is never removed here.
      if (this.deferred.size >= 100_000) this.deferred.clear();
      this.deferred.set(key, window.changeSeq);
      return 'deferred';
    }
    this.deferred.delete(key);
    const analysis = analyzeWindow(profile, acc, stored);
    const explain = runtime.config.explain;
    const surrogate = explain ? analyzeSurrogateWindow(profile, acc.surrogate, stored.task, explain) : undefined;
    // Windows whose events logged attributions are ranked from those: the surrogate then writes only its own rows
    // (surrogateR2, surrogateImportance), so the two sources never write the same rows.
    const rows = windowMetricRows(
      window,
      acc,
      analysis,
      reconstructionWindow(profile.reconstruction, acc.reconstruction),
      surrogate ? { window: surrogate, rankingRows: !analysis.attributions } : undefined,
    );
    const review = await reviewWindowRows(this.options.store, runtime.config, window, this.now());
    rows.push(...review);
    // The store keeps one pair of counts per window (docs/storage.md): review rows, whose own `rows` count
    // decisions for the rules' minSamples, are stored with the window's counts (their values carry the review counts).
    const storedRows =
      review.length === 0 ? rows : rows.map((r) => ({ ...r, rows: acc.rows, labelledRows: acc.outcome.labelled }));
    const computeS = (performance.now() - started) / 1000;
    await writes.add({
      window,
      counts: { rows: acc.rows, labelledRows: acc.outcome.labelled },
      rows: storedRows,
      alert: {
        model: window.model,
        version: window.version,
        windowStart: window.start,
        windowEnd: window.end,
        rows: acc.rows,
        labelledRows: acc.outcome.labelled,
        metricRows: rows,
      },
      written: () => {
        counted();
        this.options.metrics?.windowsAnalysed.inc({
          model: window.model,
          kind: window.analyses === 0 ? 'first' : 'revision',
        });
        this.options.metrics?.analysisSeconds.inc({}, computeS);
        this.logger.debug(
          {
            model: window.model,
            version: window.version,
            start: new Date(window.start).toISOString(),
            rows: acc.rows,
            metrics: rows.length,
          },
          'window analysed',
        );
      },
    });
    return 'analysed';
  }

  /** The profile a version is binned and analysed with (pinned by `loadProfiles`), or none. */
  private profileOf(model: string, version: string): ReferenceProfile | undefined {
    return this.profiles.get(compositeKey(model, version))?.profile;
  }

  private async loadProfiles(pairs: Iterable<readonly [string, string]>): Promise<void> {
    const now = this.now();
    const due: Array<readonly [string, string]> = [];
    for (const pair of pairs) {
      const cached = this.profiles.get(compositeKey(pair[0], pair[1]));
      if (cached && (cached.profile || now - cached.checkedAt < PROFILE_RETRY_MS)) continue;
      due.push(pair);
    }
    if (due.length === 0) return;
    // All of them in a few statements: a fleet's first batches each hold versions of dozens of models.
    const resolved = await this.versionProfiles.resolveMany(due);
    for (const [model, version] of due) {
      const key = compositeKey(model, version);
      const cached = this.profiles.get(key);
      const profile = resolved.get(key);
      this.profiles.set(key, { profile, checkedAt: now });
      // A version with a profile resolves its no_reference_profile incident: when the profile appears, and on its
      // first look-up in this process (the incident may be from before a restart, or from another daemon).
      const reported = this.reportedUnprofiled.has(key);
      if (profile && (reported || !cached)) {
        this.reportedUnprofiled.delete(key);
        if (reported)
          this.logger.info({ model, version }, 'reference profile found: the version is analysed from now on');
        await this.modelCondition({ model, version, condition: 'no_reference_profile', active: false });
      }
    }
  }

  /** Profiles of every version the store knows of `models` (a label may concern any of them). */
  private async loadAllVersions(models: readonly string[]): Promise<void> {
    if (models.length === 0) return;
    const wanted = new Set(models);
    const known = (await this.options.store.models.list()).filter((m) => wanted.has(m.model));
    await this.loadProfiles(known.flatMap((m) => m.versions.map((v) => [m.model, v] as const)));
  }

  private async reportUnprofiled(model: string, version: string, rows: number): Promise<void> {
    this.options.metrics?.unprofiled.inc({ model, version }, rows);
    const key = compositeKey(model, version);
    if (this.reportedUnprofiled.has(key)) return;
    this.reportedUnprofiled.add(key);
    const reason = this.options.missingProfileReason?.(model);
    const detail =
      `model ${model} version ${version} has no reference profile: its events are not analysed until one is fitted` +
      (reason === undefined ? ` (vigil reference fit --model ${model} --version ${version})` : ` (${reason})`);
    this.logger.warn({ model, version }, detail);
    // An opening that fails is tried again with the next batch.
    if (!(await this.modelCondition({ model, version, condition: 'no_reference_profile', active: true, detail })))
      this.reportedUnprofiled.delete(key);
  }

  /** Tells the alerts about a model-level condition; false when it could not be written (tried again later). */
  private async modelCondition(condition: ModelCondition): Promise<boolean> {
    const alerts = this.options.alerts;
    if (!alerts?.modelConditionIn) return true;
    try {
      await this.options.store.transaction((tx) => alerts.modelConditionIn!(tx, condition));
      return true;
    } catch (error) {
      this.logger.warn(
        { err: error, model: condition.model, version: condition.version },
        `the ${condition.condition} incident could not be written; retried later`,
      );
      return false;
    }
  }
}
