import { type ModelDefinition } from '../model-definition';

/**
 * The compiled, validated and deeply frozen form of vigil.yaml (docs/configuration.md), as `parseConfig` returns it.
 * Durations are milliseconds (`...Ms`), defaults are filled in, names are resolved. Secret values (passwords,
 * tokens, connection and webhook URLs) are non-enumerable properties: they are readable, but `JSON.stringify`,
 * spreads and loggers do not see them. `redactedConfig()` gives a serialisable view with secrets masked.
 * docs/configuration.md documents every key.
 */
export interface VigilConfig {
  /** Absent → no Kafka: events come from `vigil replay`/file sources. */
  readonly kafka?: KafkaConfig;
  /** Absent → embedded PGlite under `./.vigil/`. */
  readonly database?: DatabaseConfig;
  /** Absent → in-process alert queue. */
  readonly redis?: RedisConfig;
  readonly http: HttpConfig;
  /** Outgoing SMTP server for `email` notifiers and owners reached by e-mail. */
  readonly smtp?: SmtpConfig;
  /** Named notification targets that escalation steps refer to (besides `owner`). */
  readonly notifiers: Readonly<Record<string, NotifierConfig>>;
  /** Escalation policies by name; always holds `default` (built in unless the file defines it). */
  readonly escalation: Readonly<Record<string, EscalationPolicyConfig>>;
  /** How incidents are grouped into notifications; absent (hand-built configs) → `DEFAULT_ALERT_GROUPING`. */
  readonly alerts?: AlertGroupingConfig;
  readonly models: readonly ModelConfig[];
  /** How long personal data is kept (docs/configuration.md, "Retention"); absent → kept as before. */
  readonly retention?: RetentionConfig;
}

/** Enforced by the maintenance pass of `vigil run`; each run that applies a limit is recorded in the audit log. */
export interface RetentionConfig {
  /** A dead letter's raw bytes are erased this long after it was received; the row and its reason stay. */
  readonly deadLetterRawMs?: number;
  /** Prediction-index rows whose event time is older than this are deleted (before their label TTL if need be). */
  readonly predictionIndexMs?: number;
  /** Metric rows of windows that ended longer ago than this are deleted once rolled up hourly and daily. */
  readonly metricRowsMs?: number;
  /** Hourly metric roll-ups older than this are deleted; daily ones are kept. */
  readonly metricHourlyMs?: number;
  /** Review items settled longer ago than this lose their feature values, reasons and context; the row stays. */
  readonly reviewQueueMs?: number;
  /**
   * Buckets whose start is older than this are deleted; never shorter than what re-analysis needs (`auto`: exactly
   * that, see `minimumBucketRetentionMs`). Windows starting before it are no longer analysed.
   */
  readonly bucketsMs?: number;
}

export type AlertGroupLabel = 'model' | 'version' | 'metric' | 'feature' | 'group';

/** `alerts:` (docs/alerts.md, "Notification groups"), with Alertmanager's meanings. */
export interface AlertGroupingConfig {
  /** The labels incidents are grouped by; always includes `model`. @defaultValue `['model', 'version']` */
  readonly groupBy: readonly AlertGroupLabel[];
  /** How long a new group waits before its first notice. @defaultValue 0 */
  readonly groupWaitMs: number;
  /** How long a notified group waits before telling of subjects that joined it. @defaultValue 5 minutes */
  readonly groupIntervalMs: number;
  /** The repeat of the last escalation step for policies that set no `repeat`; absent → those never repeat. */
  readonly repeatIntervalMs?: number;
}

export interface KafkaConfig {
  /** `host:port` of each bootstrap broker. */
  readonly brokers: readonly string[];
  /** @defaultValue `'vigil'` */
  readonly groupId: string;
  /** @defaultValue `'vigil'` */
  readonly clientId: string;
  readonly topics: KafkaTopicsConfig;
  /**
   * How long the group waits for a silent member before giving its partitions to the others (a crashed daemon's
   * partitions stand still this long). @defaultValue 30 s
   */
  readonly sessionTimeoutMs: number;
  /** How much a fetch brings, hence how many events one batch transaction carries (docs/streaming.md). */
  readonly fetch: KafkaFetchConfig;
  /**
   * Consumers per daemon: each is a member of the group with its own fetch loop, and their batches go to the one
   * runner (docs/streaming.md, "Consumers"). @defaultValue 2
   */
  readonly consumers: number;
  /** TLS to the brokers; absent → plaintext. */
  readonly ssl?: KafkaSslConfig;
  readonly sasl?: KafkaSaslConfig;
}

/**
 * The consumer's fetch sizes. Each partition's fetch becomes one batch and one database transaction, and a batch
 * costs per (model, bucket) it touches as well as per event: larger fetches carry more events per bucket delta.
 */
export interface KafkaFetchConfig {
  /** At most this many bytes of one partition per fetch (compressed bytes, as stored). @defaultValue 4 MiB */
  readonly maxBytesPerPartition: number;
  /** At most this many bytes per fetch response, all partitions together. @defaultValue 8 MiB */
  readonly maxBytes: number;
  /** The broker answers once it has this many bytes, or after `maxWaitMs`. @defaultValue 1 */
  readonly minBytes: number;
  /** @defaultValue 1000 */
  readonly maxWaitMs: number;
}

export interface KafkaTopicsConfig {
  /** @defaultValue `'vigil.predictions'` */
  readonly predictions: string;
  /** @defaultValue `'vigil.labels'` */
  readonly labels: string;
  /** @defaultValue `'vigil.control'` */
  readonly control: string;
  /**
   * Bad events always go to the dead-letter store; when this is set, `vigil run` also publishes each one here as a JSON
   * record after its batch commits (docs/streaming.md, "The dead-letter topic").
   */
  readonly deadLetters?: string;
}

export interface KafkaSslConfig {
  /** @defaultValue `true` */
  readonly rejectUnauthorized: boolean;
  /** PEM files, resolved against the directory of the configuration file. */
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export interface KafkaSaslConfig {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  /** Secret (non-enumerable). */
  readonly password: string;
}

export interface DatabaseConfig {
  /** `postgres://` or `postgresql://` URL. Secret (non-enumerable): it usually carries a password. */
  readonly url: string;
}

export interface RedisConfig {
  /** `redis://` or `rediss://` URL. Secret (non-enumerable). */
  readonly url: string;
}

/** `reviewer`: the review queue only (docs/review.md); the others: docs/alerts.md, "HTTP API and roles". */
export type HttpRole = 'owner' | 'responder' | 'admin' | 'reviewer';

export interface HttpTokenConfig {
  readonly name: string;
  readonly role: HttpRole;
  /** The bearer token. Secret (non-enumerable). */
  readonly token: string;
}

export interface HttpConfig {
  /** @defaultValue `8080` */
  readonly port: number;
  /** @defaultValue `'127.0.0.1'` */
  readonly host: string;
  /** Bearer tokens for the write endpoints (docs/alerts.md, "HTTP API and roles"). @defaultValue `[]` */
  readonly tokens: readonly HttpTokenConfig[];
  /** Whether `GET` endpoints other than /healthz, /readyz and /metrics need a token too. @defaultValue `false` */
  readonly readsRequireToken: boolean;
}

export interface SmtpConfig {
  /** `smtp://` or `smtps://` URL, with credentials if the server needs them. Secret (non-enumerable). */
  readonly url: string;
  /** Sender address of every e-mail. */
  readonly from: string;
}

export type NotifierConfig =
  | { readonly type: 'webhook'; /** Secret (non-enumerable). */ readonly url: string }
  | { readonly type: 'slack'; /** Slack-compatible incoming webhook. Secret (non-enumerable). */ readonly url: string }
  | {
      readonly type: 'pagerduty';
      /** Events v2 integration (routing) key. Secret (non-enumerable). */
      readonly routingKey: string;
      /** @defaultValue `'https://events.pagerduty.com/v2/enqueue'` */
      readonly url: string;
    }
  | { readonly type: 'email'; readonly to: readonly string[] }
  | {
      readonly type: 'alertmanager';
      /** Base URL; alerts go to `/api/v2/alerts`. Secret (non-enumerable). */
      readonly url: string;
      /**
       * How often the running daemon re-sends the open incidents Alertmanager was told about; a firing alert holds
       * for 4 intervals. Absent: the default. @defaultValue 60000 (applied by the alerting service)
       */
      readonly resendMs?: number;
    };

export type NotifierType = NotifierConfig['type'];

export interface EscalationStepConfig {
  /** Delay from the incident's opening; steps are in ascending order. */
  readonly afterMs: number;
  /** `owner` (the model's owner) or names of `notifiers`. */
  readonly notify: readonly string[];
}

export interface EscalationPolicyConfig {
  readonly steps: readonly EscalationStepConfig[];
  /** Re-notify the last step's targets this often while the incident is unacknowledged; absent → never. */
  readonly repeatMs?: number;
}

export interface OwnerConfig {
  readonly name: string;
  readonly email?: string;
  /** Generic JSON webhook (docs/alerts.md, "Notifiers"). Secret (non-enumerable): webhook URLs are capabilities. */
  readonly webhook?: string;
}

/**
 * Who is told when a review of the model opens: a person (notified by webhook and/or e-mail, like the owner), or a
 * name under `notifiers` (`owner` for the model's owner).
 */
export type ReviewerConfig = OwnerConfig | { readonly notifier: string };

export type RiskTier = 'high' | 'medium' | 'low';

/** A reference of a model: a file (CSV, NDJSON, Parquet), or a time range of its own logged traffic. */
export type ReferenceConfig =
  | { readonly file: string }
  /** ISO-8601 instants, `from` inclusive, `to` exclusive. */
  | { readonly from: string; readonly to: string };

export interface WindowConfig {
  /** @defaultValue 1h */
  readonly sizeMs: number;
  /** Divides `sizeMs`. @defaultValue 5m */
  readonly slideMs: number;
  /** How long after a window's end late events are still counted in it. @defaultValue 10m */
  readonly allowedLatenessMs: number;
  /**
   * Processing time without an event of the model from a partition after which that partition no longer holds the
   * model's watermark back (docs/streaming.md, "The watermark"). @defaultValue 1m
   */
  readonly idleTimeoutMs: number;
}

export type Comparison = '>' | '>=' | '<' | '<=';
export type Severity = 'warning' | 'critical';

/** An alert rule (docs/configuration.md, "Rules"). */
export interface RuleConfig {
  readonly metric: string;
  /** Per-feature metrics only; absent → the rule applies to every feature. */
  readonly feature?: string;
  /** Fairness metrics only: a group attribute or intersection of the model; absent → every one. */
  readonly group?: string;
  readonly comparison: Comparison;
  /** NaN when `reference` is set: each window's threshold then comes from the reference chunks. */
  readonly threshold: number;
  /** An incident clears once the value is no longer beyond this (hysteresis). @defaultValue the threshold */
  readonly clearThreshold: number;
  /**
   * `threshold: reference`: the window breaches beyond mean ∓ sigmas·σ of the reference chunks of its size (below
   * for metrics where lower is worse), and clears within it; the band is on the metric row (`details.reference`).
   */
  readonly reference?: { readonly sigmas: number };
  /** @defaultValue `'warning'` */
  readonly severity: Severity;
  /** Breach when at least `n` of the last `m` windows breach. @defaultValue `{ n: 1, m: 1 }` */
  readonly breachesOfWindows: { readonly n: number; readonly m: number };
  /** Fewer rows (labelled rows for label-based metrics) → `insufficient_data`. @defaultValue 100 */
  readonly minSamples: number;
}

export interface ModelConfig extends ModelDefinition {
  readonly owner: OwnerConfig;
  /** Told when a review opens; absent → the first step of the escalation policy is. */
  readonly reviewers?: readonly ReviewerConfig[];
  /** Name of a policy of `VigilConfig.escalation`. @defaultValue `'default'` */
  readonly escalation: string;
  /** @defaultValue `'medium'` */
  readonly riskTier: RiskTier;
  readonly reference?: ReferenceConfig;
  readonly window: WindowConfig;
  /** @defaultValue 30 */
  readonly minGroupSize: number;
  /** Benjamini–Hochberg false-discovery rate. @defaultValue 0.05 */
  readonly fdr: number;
  /** @defaultValue the default rules of the model's risk tier (docs/configuration.md) */
  readonly rules: readonly RuleConfig[];
  /** Which predictions are flagged for human review (docs/review.md); absent → none. */
  readonly review?: ReviewConfig;
  /** Protected attributes and proxies for the attribution metrics (docs/explanations.md); absent → none. */
  readonly explain?: ExplainConfig;
  /**
   * Where each feature's kind is written, `vigil.yaml:14` (a template's line for a merged one), for messages about
   * data that contradicts it. Non-enumerable, as secrets are: not in JSON, logs or comparisons of configurations;
   * absent from a model built in code.
   */
  readonly featuresDeclaredAt?: Readonly<Record<string, string>>;
}

/** `models[].explain` (docs/configuration.md, "Explain"; docs/explanations.md). */
export interface ExplainConfig {
  /** Features that are protected attributes; their share of total |attribution| is `protectedAttributionShare`. */
  readonly protected: readonly string[];
  /** Features that stand in for a protected attribute (zip code for race); `proxyAttributionShare`. @defaultValue `[]` */
  readonly proxies: readonly string[];
  /** How many top places of the feature ranking `attributionNdcg` counts; absent → all features. */
  readonly k?: number;
}

/** A group whose predictions are sampled for review with a probability of their own. */
export interface ReviewGroupSample {
  /** A group attribute of the model (`age_band`), read from the event's `groups`. */
  readonly attribute: string;
  readonly value: string;
  /** In (0, 1]. */
  readonly probability: number;
  /** Items of each hour's capacity kept for this sample (docs/review.md, "Capacity"). @defaultValue 0 */
  readonly reserve: number;
}

/** `models[].review` (docs/review.md, "Configuring the policies"). */
export interface ReviewConfig {
  /** Items queued per clock hour; flagged events beyond it are counted as `not_queued`. */
  readonly capacityPerHour: number;
  /** A pending item expires this long after it was queued. @defaultValue 7 days */
  readonly ttlMs: number;
  /** A claim not decided within this goes back to the queue. @defaultValue 30 minutes */
  readonly claimTimeoutMs: number;
  /** |score − threshold| < margin (binary models). */
  readonly borderline?: { readonly margin: number };
  /**
   * A numeric feature outside its range (configured, else the reference's [p0.5, p99.5]), a category the reference
   * never saw, a missing value of a `required` feature.
   */
  readonly unusual?: {
    readonly ranges: Readonly<Record<string, readonly [number, number]>>;
    readonly required: readonly string[];
  };
  /** @defaultValue [] */
  readonly groups: readonly ReviewGroupSample[];
  /**
   * The uniform random sample (`rate` in (0, 1]) that estimates error rates without bias; `reserve` items of each
   * hour's capacity are kept for it. @defaultValue reserve: a quarter of capacityPerHour (rounded up), within what
   * the groups' reserves leave
   */
  readonly audit?: { readonly rate: number; readonly reserve: number };
}
