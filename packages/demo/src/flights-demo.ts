/**
 * `vigil demo`: the flights of January–June 2001 through the real streaming pipeline (issue: the flights demo).
 *
 * 1. A logistic regression learns from a sample of January whether a flight leaves more than 15 minutes late.
 * 2. The reference profile of the model version is fitted on the rest of January (features and score) and
 *    stored, as `vigil reference fit` does.
 * 3. February–June (every k-th flight by default) are scored and become prediction events, delay included,
 *    which a file source hands to `StreamRunner` in batches with offsets, as Kafka would: decoding, bucket
 *    accumulators, exactly-once batch commits, 7-day windows closed by the event-time watermark, analysis,
 *    metric rows, alert rules and incidents — on embedded PGlite and the in-process alert queue by default, or
 *    on a running PostgreSQL and Redis.
 * 4. Notifications go to the model owner's webhook, a loopback endpoint of the demo that prints them.
 * 5. The summary is read back from the store; an HTML report (June against January) and the Grafana
 *    dashboards are written next to it.
 */
import { rm, mkdir, writeFile } from 'node:fs/promises';
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import {
  accumulate,
  analyzeReport,
  analyzeWindow,
  emptyAccumulator,
  fitDataReconstruction,
  fitReferenceProfile,
  initCompute,
  type AnalysisSpec,
  type ReferenceProfile,
} from '@vigil/analyzers';
import type { Alerting } from '@vigil/alerts';
import { ensureTopic, produceMessages, type OffsetsFor, type PredictionSource } from '@vigil/collector';
import { createLogger, parseConfig, shellWord, VigilError, type Logger, type VigilConfig } from '@vigil/core';
import { createStore, holdEmbeddedDatabase, redactUrl, type Incident, type Tx, type Store } from '@vigil/store';
import type { DemoHost, DemoIo, DemoSource } from './demo-host';
import { alertLines, startAlertReceiver, type AlertReceiver } from './alert-receiver';
import { FlightSource } from './flight-source';
import { FLIGHT_FEATURES, flightsTable, loadFlights, type Flights } from './flights-data';
import { labelsOf, rateMatchingThreshold, scoreFlights, trainFlightsModel } from './flights-model';
import { StreamProgress } from './stream-progress';
import {
  calendarMonths,
  formatStreamSummary,
  MIN_MONTH_ROWS,
  summarizeStream,
  type MonthAnalysis,
  type StreamSummary,
} from './stream-summary';

export const DEMO_MODEL = 'flights-delay';
export const DEMO_VERSION = '2001-01';
const GROUP_ID = 'vigil-demo';
const TOPICS = { predictions: 'vigil.predictions', labels: 'vigil.labels' };
/** January rows the model trains on (a deterministic every-n-th sample). */
const TRAIN_ROWS = 60_000;
/** The demo model's review capacity per hour: a few items queued, the rest of the flagged flights counted. */
const DEMO_REVIEW_CAPACITY = 20;
/** Queued items listed in the output. */
const REVIEW_LISTED = 5;

export interface FlightsDemoOptions {
  io: DemoIo;
  /** Redraw a progress bar (stderr is a terminal) rather than print progress lines. */
  tty: boolean;
  dataPath: string;
  outDir: string;
  /** Stream every k-th flight of February–June. */
  every: number;
  /** Stop after this many streamed events. */
  limit?: number;
  /** A running PostgreSQL instead of embedded PGlite; the demo's tables go to `schema`. */
  databaseUrl?: string;
  schema?: string;
  /** A running Redis for the alert queue (BullMQ) instead of the in-process queue. */
  redisUrl?: string;
  /** Running Kafka brokers: the events are produced to a topic of the demo's own and consumed from it. */
  kafkaBrokers?: readonly string[];
  /** Events per source batch. */
  batchSize: number;
  /** Window size and slide, e.g. `7d` and `1d`. */
  windowSize: string;
  windowSlide: string;
  /** Airports kept by name (January's busiest); the rest are "other". */
  topAirports: number;
  epochs: number;
}

/** What the review policies of the demo model flagged and queued (docs/review.md). */
export interface DemoReview {
  flagged: number;
  queued: number;
  notQueued: number;
  /** Flagged predictions per policy (one may have several). */
  perPolicy: Record<string, number>;
  /** Flagged predictions counted under more than one policy in `perPolicy`: its sum is `flagged` plus their extra counts. */
  multiPolicy: number;
  /** The most urgent queued items. */
  first: Array<{ id: string; predictionId: string; departure: string; score: number | null; policies: string[] }>;
}

export interface FlightsDemoResult {
  summary: StreamSummary;
  review: DemoReview;
  streamed: number;
  seconds: { total: number; stream: number };
  eventsPerSecond: number;
  alertsDelivered: number;
  files: Record<string, string>;
}

export async function runFlightsDemo(options: FlightsDemoOptions, host: DemoHost): Promise<FlightsDemoResult> {
  // Each run empties the embedded database of --out for a fresh start: its lock is taken first, so a second demo on
  // the same --out is refused (VIGIL_STORE_LOCKED) instead of deleting the database of a run still going.
  const release =
    options.databaseUrl === undefined
      ? await holdEmbeddedDatabase(join(options.outDir, '.vigil', 'pglite'))
      : undefined;
  try {
    return await streamFlights(options, host);
  } finally {
    release?.();
  }
}

async function streamFlights(options: FlightsDemoOptions, host: DemoHost): Promise<FlightsDemoResult> {
  const { io, outDir } = options;
  const started = performance.now();
  const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const note = (text: string): void => io.stderr(`[${elapsed().padStart(7)}] ${text}\n`);

  const flights = await loadFlights(options.dataPath, options.topAirports);
  note(
    `read ${flights.rows.toLocaleString('en-US')} flights (${isoDay(flights.ts[0] ?? 0)} … ${isoDay(flights.ts[flights.rows - 1] ?? 0)}) from ${flights.source}`,
  );

  // January: a training sample, and the rest as the reference the stream is compared with.
  const january = flights.februaryStart;
  const step = Math.max(1, Math.ceil(january / TRAIN_ROWS));
  const trainRows = everyNth(0, january, step, 0);
  const referenceRows = Int32Array.from({ length: january }, (_, i) => i).filter((i) => i % step !== 0);
  const { backend } = await initCompute();
  const model = await trainFlightsModel(flights, trainRows, options.epochs, options.topAirports + 1);
  const referenceScores = scoreFlights(model, flights, referenceRows);
  const referenceTable = flightsTable(flights, referenceRows, 'January (reference)', referenceScores);
  const { threshold, positiveRate } = rateMatchingThreshold(referenceScores, labelsOf(referenceTable));
  note(
    `trained a logistic regression on ${trainRows.length.toLocaleString('en-US')} January flights (tfjs ${backend} backend); ` +
      `${(positiveRate * 100).toFixed(1)}% of January flights left >15 min late, so the threshold is ${threshold.toFixed(3)} (same share flagged)`,
  );

  // Every k-th flight of February onwards, as the stream.
  const total = flights.rows - january;
  let streamRows = everyNth(january, flights.rows, options.every, 0);
  if (options.limit !== undefined && options.limit < streamRows.length)
    streamRows = streamRows.subarray(0, options.limit);
  const streamScores = scoreFlights(model, flights, streamRows);

  await mkdir(outDir, { recursive: true });
  const receiverLines: string[] = [];
  let progress: StreamProgress | undefined;
  const printed = new Map<string, string>();
  const receiver: AlertReceiver = await startAlertReceiver((alert) => {
    // A notification group's notice tells of several subjects: one line per subject it changes.
    for (const line of alertLines(alert, printed)) {
      receiverLines.push(line);
      if (progress) progress.print(line, io.stdout);
      else io.stdout(`${line}\n`);
    }
  });
  // Where every command looks for the embedded database of a working directory (docs/configuration.md; its lock is
  // held by runFlightsDemo): with the demo's vigil.yaml beside it, `vigil queue`, `vigil incidents` and the rest read the demo's database from `outDir`.
  const pgliteDir = join(outDir, '.vigil', 'pglite');
  const configPath = join(outDir, 'vigil.yaml');
  let store: Store | undefined;
  const logger: Logger = createLogger({
    level: 'warn',
    write: (line) => (progress ? progress.print(line, io.stderr) : io.stderr(`${line}\n`)),
  });
  try {
    const { config, text: configText } = demoConfig({
      threshold,
      webhook: receiver.url,
      windowSize: options.windowSize,
      windowSlide: options.windowSlide,
      databaseUrl: options.databaseUrl,
      redisUrl: options.redisUrl,
    });
    const modelConfig = config.models[0]!;
    if (options.databaseUrl === undefined) {
      // A fresh embedded database per run: the demo's offsets and windows start from nothing.
      await rm(pgliteDir, { recursive: true, force: true });
      store = await createStore({ dataDir: pgliteDir, logger });
      // The configuration the run used, for the commands that read its database afterwards (the webhook it names
      // was the demo's own receiver, gone once the demo ends).
      await writeFile(
        configPath,
        `# vigil.yaml of the last \`vigil demo\` run (its database: .vigil/pglite beside it); JSON is YAML.\n${configText}`,
      );
    } else {
      store = await createStore({ url: options.databaseUrl, schema: options.schema, logger });
    }
    const where =
      options.databaseUrl === undefined
        ? `embedded PGlite in ${pgliteDir}`
        : `PostgreSQL at ${redactUrl(options.databaseUrl)}, schema ${options.schema}`;

    // The reference profile of the version, stored as `vigil reference fit` stores it.
    const profileSpec: AnalysisSpec = {
      task: 'binary',
      features: FLIGHT_FEATURES,
      score: 'score',
      groups: [],
      threshold,
      minGroupSize: modelConfig.minGroupSize,
      fdr: modelConfig.fdr,
    };
    // With the data reconstruction of multivariate drift, as `vigil reference fit` fits it (fit-reference.ts).
    const profile: ReferenceProfile = {
      ...fitReferenceProfile(referenceTable, profileSpec),
      reconstruction: (await fitDataReconstruction(referenceTable, profileSpec.features)).model,
    };
    await store.profiles.saveReference(DEMO_MODEL, DEMO_VERSION, profile);
    note(
      `stored the reference profile of ${DEMO_MODEL} version ${DEMO_VERSION} (${referenceRows.length.toLocaleString('en-US')} January flights) in ${where}`,
    );

    // January through the same accumulator and window analysis: the baseline the months are compared with.
    const baselineSpec: AnalysisSpec = { ...profileSpec, label: 'label', groups: ['origin'] };
    const baselineAcc = accumulate(emptyAccumulator(profile, baselineSpec), profile, baselineSpec, referenceTable);
    const januaryAnalysis = {
      ...analyzeWindow(profile, baselineAcc, baselineSpec),
      rows: baselineAcc.rows,
      labelled: baselineAcc.outcome.labelled,
    };

    let delivered = 0;
    let failed = 0;
    // The alerts run on the replay's clock (the event time reached), so incidents open, escalate and resolve in
    // 2001 next to the windows that caused them — on the dashboards' time axis too — not at today's date.
    let replayClock = flights.ts[streamRows[0] as number] ?? Date.now();
    let windows = 0;
    /** Incident id → start of the window that opened it (the incident row keeps the latest window). */
    const openedIn = new Map<string, number>();
    // A demo run through Kafka gets topics and a consumer group of its own, so runs never mix.
    const stamp = Date.now().toString(36);
    const groupId = options.kafkaBrokers === undefined ? GROUP_ID : `vigil-demo-${stamp}`;
    const runTopics =
      options.kafkaBrokers === undefined
        ? TOPICS
        : { predictions: `vigil-demo-${stamp}.predictions`, labels: `vigil-demo-${stamp}.labels` };
    const flightSource = (offsetsFor: OffsetsFor): FlightSource =>
      new FlightSource({
        flights,
        rows: streamRows,
        scores: streamScores,
        model: DEMO_MODEL,
        version: DEMO_VERSION,
        topic: runTopics.predictions,
        batchSize: options.batchSize,
        offsetsFor,
      });
    const streamLength = streamRows.length;
    // With Kafka, the same events go through a topic of the demo's own (one partition, so offsets are positions).
    let daemonSource: DemoSource = {
      describe: { source: 'the flights of February–June' },
      readyAtOnce: true,
      create: ({ offsetsFor }) => flightSource(offsetsFor),
    };
    let kafkaSource: PredictionSource | undefined;
    if (options.kafkaBrokers !== undefined) {
      const connection = { brokers: options.kafkaBrokers, logger };
      await ensureTopic(runTopics.predictions, 1, connection);
      note(
        `producing ${streamLength.toLocaleString('en-US')} events to the Kafka topic ${runTopics.predictions} at ${options.kafkaBrokers.join(',')}`,
      );
      const all = flightSource(async () => new Map());
      for (let from = 0; from < all.length; from += 50_000) {
        const part = all.batch(from, Math.min(all.length, from + 50_000));
        await produceMessages(
          part.messages.map((m) => ({ topic: runTopics.predictions, value: m.value ?? Buffer.alloc(0) })),
          connection,
        );
      }
      const kafka = host.kafkaSource(connection, { groupId, topics: [runTopics.predictions] });
      daemonSource = { ...kafka, create: (o) => (kafkaSource = kafka.create(o)) };
    }
    note(
      `streaming ${streamRows.length.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} February–June flights` +
        `${options.every > 1 ? ` (every ${ordinal(options.every)})` : ''} through the pipeline in batches of ${options.batchSize}: ` +
        `${options.windowSize} windows sliding by ${options.windowSlide}, alerts to ${options.redisUrl !== undefined ? 'BullMQ on Redis' : 'the in-process queue'}`,
    );

    progress = new StreamProgress({ total: streamRows.length, write: io.stderr, tty: options.tty });
    const streamStarted = performance.now();
    let events = 0;
    /** When the last batch was applied: the stream's time, without the wait for the last notices. */
    let streamEnded = streamStarted;
    let before = 0;
    let settled = false;
    let incidents: Incident[] = [];
    const storeRef = store;
    let alertingRef: Alerting | undefined;
    const outcome = await host.runDaemon({
      name: 'vigil demo',
      config,
      configDir: outDir,
      openStore: async () => storeRef,
      database: where,
      // The summary is read from the store after the stream.
      keepStoreOpen: true,
      logger,
      groupId,
      topics: runTopics,
      source: daemonSource,
      http: false,
      drainFlushMs: 60_000,
      alerting: {
        now: () => replayClock,
        onDelivery: (o) => {
          if (o.ok) delivered++;
          else if (o.final) failed++;
        },
        ...(options.redisUrl !== undefined ? { bullmq: { name: `vigil-demo-${Date.now().toString(36)}` } } : {}),
      },
      windowAlerts: (alerting) => {
        alertingRef = alerting;
        return {
          async evaluateIn(tx: Tx, analysis) {
            windows++;
            for (const id of (await alerting.evaluateIn(tx, analysis)).opened) openedIn.set(id, analysis.windowStart);
          },
          // Model-level conditions (no reference profile, no traffic) as `vigil run` raises them.
          modelConditionIn: (tx, condition) => alerting.modelConditionIn(tx, condition),
        };
      },
      beforeBatch: (batch) => {
        before = windows;
        replayClock = Math.max(
          replayClock,
          flights.ts[streamRows[Number(batch.nextOffset) - 1] as number] ?? replayClock,
        );
      },
      afterBatch: async (batch) => {
        // The topic holds exactly the stream: once its last event is applied, the consumer stops.
        if (kafkaSource && Number(batch.nextOffset) >= streamLength) void kafkaSource.close();
        alertingRef?.kick();
        events = Number(batch.nextOffset);
        streamEnded = performance.now();
        progress?.update({
          events,
          windows,
          alerts: receiver.received.length,
          eventTime: flights.ts[streamRows[events - 1] as number] ?? Number.NaN,
        });
        // A replay runs months in seconds: it waits for the notifications of the windows it just closed, so each
        // alert is delivered (and printed) next to its window, before the next window can resolve it. A live
        // daemon does not wait; its relay delivers within its poll interval.
        if (windows > before) await alertingRef?.flush(30_000);
        // The embedded database answers without I/O, so a busy stream would starve the timers and sockets of the
        // outbox relay and the webhook: let them run between batches, as a Kafka fetch would.
        else await new Promise((resolve) => setImmediate(resolve));
      },
      atEnd: async ({ alerting, settled: done }) => {
        settled = done;
        const streamSeconds = (streamEnded - streamStarted) / 1000;
        progress?.update({
          events,
          windows,
          alerts: receiver.received.length,
          eventTime: flights.ts[streamRows[events - 1] as number] ?? Number.NaN,
        });
        progress?.finish();
        progress = undefined;
        note(
          `streamed ${events.toLocaleString('en-US')} events in ${streamSeconds.toFixed(1)} s (${Math.round(events / streamSeconds).toLocaleString('en-US')} events/s), ` +
            `analysed ${windows} windows, ${openedIn.size} incidents opened, ${delivered} notifications delivered${failed > 0 ? `, ${failed} failed` : ''}${settled ? '' : ' (some still pending after 60 s)'}` +
            // A group's notice tells of every incident of the model version it changes, one ALERT line each, so
            // the lines and the notifications need not agree: say so rather than leave a reader counting.
            (receiverLines.length === delivered
              ? ''
              : ` (printed as ${receiverLines.length} ALERT lines, one per incident a notification changed: a notification group's notice tells of several)`),
        );
        incidents = await alerting.listIncidents({ model: DEMO_MODEL, limit: 1000 });
      },
    });
    if (outcome.state === 'failed') throw outcome.error;
    const streamSeconds = (streamEnded - streamStarted) / 1000;
    const eventsPerSecond = events / streamSeconds;

    const review = await demoReview(store);

    // The streamed flights of each calendar month through the accumulator and analysis of January's baseline: the
    // stored buckets are weekly and cannot be split at a month's boundary (stream-summary.ts).
    const months = analyzeMonths(flights, streamRows.subarray(0, events), streamScores, profile, baselineSpec);

    // The summary, read back from what the pipeline stored.
    const from = flights.ts[streamRows[0] as number] ?? 0;
    const to = (flights.ts[streamRows[streamRows.length - 1] as number] ?? 0) + 1;
    const storedSpec = { ...host.batchSpec(modelConfig), groups: [...modelConfig.groups] };
    const summary = await summarizeStream({
      store,
      model: DEMO_MODEL,
      version: DEMO_VERSION,
      profile,
      spec: storedSpec,
      from,
      to,
      january: januaryAnalysis,
      months: months.map((m) => m.analysis),
      incidents,
      openedIn,
      groupAttribute: 'origin',
    });

    // The HTML report: the last month streamed (of enough flights to analyse) against January, by `vigil report`'s analysis.
    const lastMonth = months.filter((m) => m.rows.length >= MIN_MONTH_ROWS).at(-1) ?? months.at(-1);
    if (lastMonth === undefined) throw new VigilError('VIGIL_BAD_VALUE', 'vigil demo: no flight was streamed');
    const monthName = new Date(lastMonth.start).toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });
    const report = await analyzeReport({
      reference: referenceTable,
      current: flightsTable(
        flights,
        lastMonth.rows,
        `${monthName} ${new Date(lastMonth.start).getUTCFullYear()} (streamed flights)`,
        lastMonth.scores,
      ),
      spec: {
        task: 'binary',
        features: FLIGHT_FEATURES,
        score: 'score',
        label: 'label',
        groups: ['origin'],
        threshold,
        minGroupSize: modelConfig.minGroupSize,
        fdr: modelConfig.fdr,
      },
    });
    const files = {
      html: join(outDir, 'demo-report.html'),
      json: join(outDir, 'demo-report.json'),
      summary: join(outDir, 'demo-summary.json'),
      dashboards: join(outDir, 'grafana'),
      ...(options.databaseUrl === undefined ? { config: configPath, database: pgliteDir } : {}),
    };
    await writeFile(
      files.html,
      host.renderReportHtml(report, {
        inputs: {
          reference: 'January 2001 (the training month)',
          current:
            report.rows.current > 0
              ? `${monthName} ${new Date(lastMonth.start).getUTCFullYear()} (streamed flights)`
              : '',
        },
        version: host.version,
        commandLine: 'vigil demo',
      }),
    );
    await writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`);
    const dashboards = await host.writeDashboards(files.dashboards);
    const seconds = { total: (performance.now() - started) / 1000, stream: streamSeconds };
    const result: FlightsDemoResult = {
      summary,
      review,
      streamed: events,
      seconds,
      eventsPerSecond,
      alertsDelivered: delivered,
      files,
    };
    await writeFile(
      files.summary,
      `${JSON.stringify({ model: DEMO_MODEL, version: DEMO_VERSION, threshold, januaryDelayRate: positiveRate, every: options.every, streamed: events, seconds, eventsPerSecond, notifications: receiverLines, ...summary, review }, null, 2)}\n`,
    );

    io.stdout(`\n${formatStreamSummary(summary)}`);
    io.stdout(formatDemoReview(review));
    io.stdout(
      [
        '',
        `Done in ${seconds.total.toFixed(1)} s (stream ${seconds.stream.toFixed(1)} s, ${Math.round(eventsPerSecond).toLocaleString('en-US')} events/s).`,
        ...aligned([
          [`HTML report (${monthName} against January)`, files.html],
          ['JSON report', files.json],
          ['summary (JSON)', files.summary],
          [
            `Grafana dashboards (${dashboards.filter((p) => p.endsWith('.json')).length}) and provisioning`,
            files.dashboards,
          ],
          ...(options.databaseUrl === undefined
            ? [
                ["the demo's configuration", configPath] as const,
                ["the demo's database (embedded PGlite)", pgliteDir] as const,
              ]
            : [['metric rows and incidents', `${redactUrl(options.databaseUrl)}, schema ${options.schema}`] as const]),
        ]),
        ...(options.databaseUrl === undefined
          ? [
              '',
              `The review queue (docs/review.md; \`vigil queue show|claim|verdict ID -c vigil.yaml\` from the same directory):`,
              `  ${queueCommand(outDir)}`,
              `The model from a shell (docs/cli.md; \`vigil model show ${DEMO_MODEL} -c vigil.yaml\` prints its latest window's metrics):`,
              `  ${inOutDir(outDir, 'model list -c vigil.yaml')}`,
            ]
          : []),
        '',
      ].join('\n'),
    );
    return result;
  } finally {
    progress = undefined;
    await receiver.close();
    await store?.close();
  }
}

/**
 * The demo's vigil.yaml, as an object: one model, its owner reached by webhook, and the default rules of the high
 * risk tier (docs/configuration.md): PSI > 0.1 / 0.25, ECE > 0.05, statistical parity difference > 0.1, 1 of 1.
 */
function demoConfig(o: {
  threshold: number;
  webhook: string;
  windowSize: string;
  windowSlide: string;
  databaseUrl?: string;
  redisUrl?: string;
}): { config: VigilConfig; text: string } {
  const raw = {
    ...(o.databaseUrl !== undefined ? { database: { url: o.databaseUrl } } : {}),
    ...(o.redisUrl !== undefined ? { redis: { url: o.redisUrl } } : {}),
    escalation: { default: { steps: [{ after: '0m', notify: ['owner'] }] } },
    models: [
      {
        id: DEMO_MODEL,
        task: 'binary',
        threshold: o.threshold,
        owner: { name: 'Flight operations ML (demo)', webhook: o.webhook },
        riskTier: 'high',
        features: Object.fromEntries(FLIGHT_FEATURES.map((f) => [f.name, f.kind])),
        groups: ['origin'],
        window: { size: o.windowSize, slide: o.windowSlide, allowedLateness: '1h' },
        // A few flights for a person to look at (docs/review.md): the closest to the threshold and a uniform sample,
        // at most DEMO_REVIEW_CAPACITY an hour of the daemon's clock (one or two hours for a run).
        review: {
          capacityPerHour: DEMO_REVIEW_CAPACITY,
          borderline: { margin: 0.001 },
          audit: { rate: 0.0005, reserve: 5 },
        },
      },
    ],
  };
  // JSON is YAML; no environment: the demo's settings are its options, not VIGIL_* variables.
  const text = `${JSON.stringify(raw, null, 2)}\n`;
  return { config: parseConfig(text, 'vigil demo', {}), text };
}

/** Counts of the demo model's review queue, and its most urgent queued items. */
async function demoReview(store: Store): Promise<DemoReview> {
  return store.transaction(async (tx) => {
    const counts = await tx.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM vigil_review_queue WHERE model = $1 GROUP BY status',
      [DEMO_MODEL],
    );
    const policies = await tx.query<{ policy: string; n: number }>(
      'SELECT p AS policy, count(*)::int AS n FROM vigil_review_queue, unnest(policies) AS p WHERE model = $1 GROUP BY p ORDER BY p',
      [DEMO_MODEL],
    );
    const multi = await tx.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM vigil_review_queue WHERE model = $1 AND cardinality(policies) > 1',
      [DEMO_MODEL],
    );
    const of = (status: string) => Number(counts.rows.find((r) => r.status === status)?.n ?? 0);
    const items = await tx.reviewQueue.list({ model: DEMO_MODEL, status: 'pending', limit: REVIEW_LISTED });
    const flagged = counts.rows.reduce((sum, r) => sum + Number(r.n), 0);
    return {
      flagged,
      queued: flagged - of('not_queued'),
      notQueued: of('not_queued'),
      perPolicy: Object.fromEntries(policies.rows.map((r) => [r.policy, Number(r.n)])),
      multiPolicy: Number(multi.rows[0]?.n ?? 0),
      first: items.map((i) => ({
        id: i.id,
        predictionId: i.predictionId,
        departure: new Date(i.eventTs).toISOString().slice(0, 16).replace('T', ' '),
        score: i.score,
        policies: i.policies,
      })),
    };
  });
}

/** The review lines of the demo's output. */
export function formatDemoReview(review: DemoReview): string {
  const n = (x: number) => x.toLocaleString('en-US');
  // A prediction may be flagged by several policies: the counts per policy add up to more than the flagged ones,
  // so the line shows the sum with the repeats taken off (audit 247 + borderline 3,207 − 3 flagged by both).
  const entries = Object.entries(review.perPolicy);
  const repeats = entries.reduce((sum, [, count]) => sum + count, 0) - review.flagged;
  const per =
    entries.map(([policy, count]) => `${policy} ${n(count)}`).join(' + ') +
    (repeats > 0
      ? entries.length === 2
        ? ` − ${n(repeats)} flagged by both`
        : ` − ${n(repeats)} counted more than once (${n(review.multiPolicy)} flagged by several policies)`
      : '');
  const lines = [
    '',
    `Human review (docs/review.md): ${n(review.flagged)} predictions flagged${per ? ` (${per})` : ''}; ${n(review.queued)} queued for a reviewer ` +
      `(capacityPerHour ${DEMO_REVIEW_CAPACITY}, the audit sample first), ${n(review.notQueued)} counted as not queued.`,
  ];
  if (review.first.length > 0) {
    lines.push('  The most urgent:');
    for (const item of review.first)
      lines.push(
        `    item ${item.id.padStart(4)}  ${item.predictionId.padEnd(14)} departing ${item.departure}  score ${item.score === null ? '—' : item.score.toFixed(3)}  ${item.policies.join(', ')}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The flights `rows` (scored `scores`, position by position) grouped by the calendar month of their departure, each
 * month accumulated and analysed as one window, as January's baseline is.
 */
export function analyzeMonths(
  flights: Flights,
  rows: Int32Array,
  scores: Float64Array,
  profile: ReferenceProfile,
  spec: AnalysisSpec,
): Array<{ start: number; rows: Int32Array; scores: Float64Array; analysis: MonthAnalysis }> {
  return calendarMonths(Float64Array.from(rows, (r) => flights.ts[r] as number)).map((month) => {
    const monthRows = Int32Array.from(month.positions, (p) => rows[p] as number);
    const monthScores = Float64Array.from(month.positions, (p) => scores[p] as number);
    const acc = accumulate(
      emptyAccumulator(profile, spec),
      profile,
      spec,
      flightsTable(flights, monthRows, month.period, monthScores),
    );
    return {
      start: month.start,
      rows: monthRows,
      scores: monthScores,
      analysis: {
        period: month.period,
        analysis: analyzeWindow(profile, acc, spec),
        rows: acc.rows,
        labelled: acc.outcome.labelled,
      },
    };
  });
}

/** Row indices from, from + n, from + 2n, … below `to`. */
function everyNth(from: number, to: number, n: number, offset: number): Int32Array {
  const out = new Int32Array(Math.max(0, Math.ceil((to - from - offset) / n)));
  for (let k = 0; k < out.length; k++) out[k] = from + offset + k * n;
  return out;
}

/** 2 → 2nd, 5 → 5th, 11 → 11th, 21 → 21st. */
function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The command that lists the demo's review queue: `vigil queue` reads ./.vigil/pglite of the directory it runs in.
 * `vigil` when it is on the PATH; else (a clone set up with `--no-link`) the clone's executable by its path, which
 * works from any directory, where `pnpm vigil` works only inside the clone.
 */
export function queueCommand(outDir: string, path = process.env['PATH'] ?? ''): string {
  return inOutDir(outDir, 'queue list -c vigil.yaml', path);
}

/** `cd OUT && vigil ARGS`: a command on the demo's embedded database, which vigil finds under ./.vigil/pglite. */
export function inOutDir(outDir: string, args: string, path = process.env['PATH'] ?? ''): string {
  return `cd ${shellWord(outDir)} && ${vigilCommand(path)} ${args}`;
}

/**
 * `vigil` if the first executable of that name on `path` is this clone's (its real path, through the link that
 * scripts/link-vigil.sh or a global install makes), else this clone's packages/daemon/bin/vigil, quoted: a `vigil`
 * of another checkout on the PATH would read this demo's database with other code.
 */
function vigilCommand(path: string): string {
  const executable = join(__dirname, '..', '..', 'daemon', 'bin', 'vigil');
  const found = path
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, 'vigil'))
    .find((file) => {
      try {
        accessSync(file, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  if (!existsSync(executable)) return 'vigil';
  return found !== undefined && realpathSync(found) === realpathSync(executable) ? 'vigil' : shellWord(executable);
}

/** `  label   value` lines with the values in one column. */
function aligned(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
}
