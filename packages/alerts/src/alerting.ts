/**
 * The alerting service (docs/alerts.md): `createAlerting` wires rules, incidents, the outbox relay, the queue
 * (BullMQ on Redis, or in-process) and the notifiers. Postgres is the source of truth: evaluations and lifecycle
 * operations only write rows; `start()` runs the relay and the workers that turn those rows into notifications.
 * Commands that only change state (the CLI) never call `start()` and never need Redis.
 */
import { silentLogger, VigilError, type Logger, type ModelConfig, type VigilConfig } from '@vigil/core';
import type {
  AuditEntry,
  AuditQuery,
  Incident,
  IncidentQuery,
  ModelControl,
  Review,
  ReviewFinding,
  ReviewQuery,
  ReviewSummary,
  Silence,
  Tx,
  Store,
} from '@vigil/store';
import type { AlertingContext } from './engine/alerting-context';
import { AlertmanagerResender } from './engine/alertmanager-resend';
import { createDeliveryHandler } from './engine/delivery';
import { evaluateWindowIn, type AnalysedWindow, type EvaluationSummary } from './engine/evaluate-window';
import { expireSilences } from './engine/expire-silences';
import {
  Lifecycle,
  type Actor,
  type CloseReviewInput,
  type ControlEvent,
  type FindingInput,
  type IncidentDetail,
  type ReviewDetail,
  type ReviewInput,
  type SilenceInput,
} from './engine/lifecycle';
import { modelConditionIn, type ModelCondition } from './engine/model-conditions';
import { OutboxRelay, type RelayOptions } from './engine/outbox-relay';
import { NotifierRegistry } from './notifiers/targets';
import type { PayloadLinks } from './notifiers/payload';
import { createBullmqQueue } from './queue/bullmq-queue';
import type { JobQueue } from './queue/job-queue';
import { createMemoryQueue } from './queue/memory-queue';

export interface AlertingOptions {
  config: VigilConfig;
  store: Pick<Store, 'transaction'>;
  /** Redis for BullMQ. @defaultValue `config.redis?.url`; absent: the in-process queue */
  redisUrl?: string;
  logger?: Logger;
  /** The clock of every decision and timestamp (tests step it). @defaultValue `Date.now` */
  now?: () => number;
  /** Publishes pause/resume to the control topic (the daemon wires Kafka `vigil.control`); absent: not published. */
  publishControl?: (event: ControlEvent) => Promise<void>;
  /** Links in notifications. */
  links?: PayloadLinks;
  delivery?: {
    /** Per request. @defaultValue 10000 */
    timeoutMs?: number;
    /** @defaultValue 5 */
    maxAttempts?: number;
    /** First retry delay, doubling. @defaultValue 1000 */
    backoffMs?: number;
    /** @defaultValue 8 */
    concurrency?: number;
  };
  relay?: RelayOptions;
  /** BullMQ queue name, key prefix and stall detection (tests use unique names and short locks). */
  bullmq?: {
    name?: string;
    prefix?: string;
    lockDurationMs?: number;
    stalledIntervalMs?: number;
    connectTimeoutMs?: number;
  };
  /** Use this queue instead of building one (tests). */
  queue?: JobQueue;
  /** Told about each delivery attempt (the daemon counts alerts sent for /metrics). */
  onDelivery?: (outcome: { kind: string; target: string; ok: boolean; final: boolean }) => void;
}

export type AlertingState = 'created' | 'running' | 'stopping' | 'stopped';

export interface Alerting {
  /** Rules → incidents + outbox + audit, in the caller's transaction (the one that writes the window's metric rows). */
  evaluateIn(tx: Tx, analysis: AnalysedWindow): Promise<EvaluationSummary>;
  /** A model-level condition starts or stops; while it holds, the model version's other incidents do not open. */
  modelConditionIn(tx: Tx, condition: ModelCondition): Promise<void>;
  /**
   * Starts the outbox relay, the delivery workers (connects to Redis when configured) and the re-sending of open
   * incidents to each `alertmanager` notifier.
   */
  start(): Promise<void>;
  /** Bounded and idempotent: stops the relay, drains in-flight deliveries (aborting them after `timeoutMs`), closes the queue. */
  close(timeoutMs?: number): Promise<void>;
  /** Asks the relay for a pass now (call after committing a transaction that used `evaluateIn`). */
  kick(): void;
  /** Waits until everything due now is delivered or settled (tests, `vigil demo`); false on timeout. */
  flush(timeoutMs?: number): Promise<boolean>;
  readonly state: AlertingState;

  listIncidents(query?: IncidentQuery): Promise<Incident[]>;
  getIncident(id: string): Promise<IncidentDetail>;
  acknowledge(id: string, who: Actor): Promise<Incident>;
  resolve(id: string, who: Actor): Promise<Incident>;
  silence(input: SilenceInput): Promise<{ silence: Silence; silenced: Incident[] }>;
  openReview(input: ReviewInput): Promise<Review>;
  getReview(id: string): Promise<ReviewDetail>;
  listReviews(query?: ReviewQuery): Promise<ReviewSummary[]>;
  addFinding(id: string, input: FindingInput): Promise<ReviewFinding>;
  closeReview(id: string, input: CloseReviewInput): Promise<ReviewDetail>;
  auditLog(query?: AuditQuery): Promise<AuditEntry[]>;
  pauseModel(model: string, who: Actor): Promise<ModelControl>;
  resumeModel(model: string, who: Actor): Promise<ModelControl>;
  modelControls(): Promise<ModelControl[]>;
}

/** The lifecycle operations, as the HTTP API and the CLI use them. */
export type AlertingOperations = Pick<
  Alerting,
  | 'listIncidents'
  | 'getIncident'
  | 'acknowledge'
  | 'resolve'
  | 'silence'
  | 'openReview'
  | 'getReview'
  | 'listReviews'
  | 'addFinding'
  | 'closeReview'
  | 'auditLog'
  | 'pauseModel'
  | 'resumeModel'
  | 'modelControls'
>;

export async function createAlerting(options: AlertingOptions): Promise<Alerting> {
  const logger = (options.logger ?? silentLogger).child({ component: 'alerting' });
  const now = options.now ?? Date.now;
  const models = new Map<string, ModelConfig>(options.config.models.map((m) => [m.id, m]));
  let relay: OutboxRelay | undefined;
  let resender: AlertmanagerResender | undefined;
  const ctx: AlertingContext = {
    config: options.config,
    models,
    store: options.store,
    now,
    logger,
    // After the caller's commit, ideally; a pass that comes too early finds nothing and the next poll catches up.
    kick: () => setImmediate(() => relay?.kick()),
  };
  const lifecycle = new Lifecycle(ctx);
  const timeoutMs = options.delivery?.timeoutMs ?? 10_000;
  const notifiers = new NotifierRegistry(options.config, { timeoutMs, now });
  const redisUrl = options.redisUrl ?? options.config.redis?.url;
  let queue: JobQueue | undefined;
  let state: AlertingState = 'created';
  let closing: Promise<void> | undefined;

  const alerting: Alerting = {
    get state() {
      return state;
    },
    evaluateIn: (tx, analysis) => evaluateWindowIn(tx, ctx, analysis),
    modelConditionIn: (tx, condition) => modelConditionIn(tx, ctx, condition),
    async start() {
      if (state !== 'created') throw new VigilError('VIGIL_INTERNAL', `alerting cannot start: it is ${state}`);
      const queueOptions = {
        maxAttempts: options.delivery?.maxAttempts ?? 5,
        backoffMs: options.delivery?.backoffMs ?? 1000,
        concurrency: options.delivery?.concurrency ?? 8,
      };
      queue =
        options.queue ??
        (redisUrl !== undefined
          ? await createBullmqQueue({ url: redisUrl, logger, ...queueOptions, ...(options.bullmq ?? {}) })
          : createMemoryQueue(queueOptions));
      queue.process(
        createDeliveryHandler({
          ctx,
          notifiers,
          links: options.links ?? {},
          ...(options.publishControl ? { publishControl: options.publishControl } : {}),
          ...(options.onDelivery ? { onDelivery: options.onDelivery } : {}),
        }),
      );
      // Silences are swept once per full relay pass, not on every poll.
      let lastSweep = Number.NEGATIVE_INFINITY;
      const sweepEvery = options.relay?.recheckMs ?? 5000;
      relay = new OutboxRelay(ctx, queue, options.relay, async () => {
        if (Date.now() - lastSweep < sweepEvery) return;
        lastSweep = Date.now();
        await expireSilences(ctx);
      });
      relay.start();
      // Beside the relay: Alertmanager forgets alerts that are not re-sent (alertmanager-resend.ts).
      resender = new AlertmanagerResender(ctx, options.links ?? {}, timeoutMs);
      resender.start();
      state = 'running';
      logger.info({ queue: queue.kind }, 'alerting started');
    },
    close(timeoutMs = 10_000) {
      closing ??= (async () => {
        state = 'stopping';
        const steps: Array<() => Promise<unknown>> = [
          () => relay?.stop() ?? Promise.resolve(),
          () => resender?.stop() ?? Promise.resolve(),
          () => queue?.close(timeoutMs) ?? Promise.resolve(),
          () => notifiers.close(),
        ];
        for (const step of steps)
          await step().catch((error: unknown) => logger.warn({ err: error }, 'closing alerting'));
        state = 'stopped';
      })();
      return closing;
    },
    kick: () => ctx.kick(),
    async flush(timeoutMs = 30_000) {
      if (!relay || !queue) throw new VigilError('VIGIL_INTERNAL', 'flush() needs a started alerting service');
      const deadline = Date.now() + timeoutMs;
      let quiet = 0;
      while (Date.now() < deadline) {
        await expireSilences(ctx);
        await relay.pass(true);
        const c = await queue.counts();
        const due = await options.store.transaction((tx) =>
          tx.outbox.pending({ dueBefore: now() + 1, notEnqueuedOnly: false, limit: 1 }),
        );
        // Two quiet looks in a row: a job that just finished may have written the next step's row in between.
        quiet = c.waiting + c.active + c.delayed === 0 && due.length === 0 ? quiet + 1 : 0;
        if (quiet >= 2) return true;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return false;
    },
    listIncidents: (q) => lifecycle.listIncidents(q),
    getIncident: (id) => lifecycle.getIncident(id),
    acknowledge: (id, who) => lifecycle.acknowledge(id, who),
    resolve: (id, who) => lifecycle.resolve(id, who),
    silence: (input) => lifecycle.silence(input),
    openReview: (input) => lifecycle.openReview(input),
    getReview: (id) => lifecycle.getReview(id),
    listReviews: (query) => lifecycle.listReviews(query),
    addFinding: (id, input) => lifecycle.addFinding(id, input),
    closeReview: (id, input) => lifecycle.closeReview(id, input),
    auditLog: (query) => lifecycle.auditLog(query),
    pauseModel: (model, who) => lifecycle.pauseModel(model, who),
    resumeModel: (model, who) => lifecycle.resumeModel(model, who),
    modelControls: () => lifecycle.modelControls(),
  };
  return alerting;
}
