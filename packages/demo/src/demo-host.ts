/**
 * What the demos need of the daemon, handed in by `vigil demo` (the daemon's `cli/demo-command.ts`). The demo
 * package sits below the daemon (docs/architecture.md): the daemon's CLI imports the demos, so the demos cannot
 * import the daemon back. They get its runner, its report renderer and a few of its CLI helpers through this
 * interface instead, typed with the lower packages' types only; `new Daemon(options)` in the daemon type-checks
 * that `DemoDaemonOptions` is still a subset of what the daemon accepts.
 */
import type { AnalysisSpec, Report } from '@vigil/analyzers';
import type { Alerting, AlertingOptions } from '@vigil/alerts';
import type { KafkaConnectionOptions, OffsetsFor, PredictionSource, SourceBatch } from '@vigil/collector';
import type { Logger, Table, VigilConfig } from '@vigil/core';
import type { Store } from '@vigil/store';

/** Where a demo writes: the command's two streams, its directory and its environment. */
export interface DemoIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Where the streamed events come from, made by the daemon with the store's offsets (the daemon's `DaemonSource`). */
export interface DemoSource {
  /** For the daemon's "started" log line. */
  describe: Record<string, unknown>;
  /** Ready at once (the demo's own source) or once the source says it joined (Kafka). */
  readyAtOnce: boolean;
  create(o: { offsetsFor: OffsetsFor; onConnection: (state: 'joined' | 'lost') => void }): PredictionSource;
}

/** The daemon as the flights demo runs it: a `vigil run` over the demo's events, without the HTTP API. */
export interface DemoDaemonOptions {
  name: string;
  config: VigilConfig;
  configDir: string;
  openStore: () => Promise<Store>;
  /** How the store is named in the log (credentials redacted). */
  database: string;
  keepStoreOpen: boolean;
  logger: Logger;
  groupId: string;
  topics: { predictions: string; labels: string };
  source: DemoSource;
  http: false;
  /** When the events end: how long to wait for the notices of the last windows. */
  drainFlushMs: number;
  alerting: Pick<AlertingOptions, 'now' | 'bullmq' | 'onDelivery'>;
  /** Wraps the alerting the runner reports windows to (the demo counts windows and the incidents they open). */
  windowAlerts: (alerting: Alerting) => {
    evaluateIn(...args: Parameters<Alerting['evaluateIn']>): Promise<unknown>;
    modelConditionIn: Alerting['modelConditionIn'];
  };
  beforeBatch: (batch: SourceBatch) => void;
  afterBatch: (batch: SourceBatch) => Promise<void>;
  atEnd: (d: { alerting: Alerting; settled: boolean }) => Promise<void>;
}

export interface DemoHost {
  /** Vigil's version, printed in the HTML report's footer. */
  version: string;
  /** Runs the daemon until the source ends or it fails; `error` when failed. */
  runDaemon(options: DemoDaemonOptions): Promise<{ state: 'stopped' | 'failed'; error?: unknown }>;
  /** The Kafka topics in a consumer group, as `vigil run` consumes them. */
  kafkaSource(connection: KafkaConnectionOptions, o: { groupId: string; topics: readonly string[] }): DemoSource;
  /** The analysis spec the runner accumulates a model's events with (its features under their own names). */
  batchSpec(model: VigilConfig['models'][number]): AnalysisSpec;
  /** `vigil report`'s HTML report. */
  renderReportHtml(
    report: Report,
    context: { inputs: { reference: string; current: string }; version: string; commandLine: string },
  ): string;
  /** `vigil report`'s plain-text summary. */
  summarizeReport(report: Report): string;
  /** A table as RFC-4180 CSV. */
  writeCsv(path: string, table: Table): Promise<void>;
  /** `vigil dashboards`: the Grafana dashboards and their provisioning under `dir`; their paths relative to it. */
  writeDashboards(dir: string): Promise<string[]>;
}
