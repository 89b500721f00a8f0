export { ERROR_CODES, VigilError, isVigilError } from './errors';
export type { VigilErrorCode, VigilErrorOptions } from './errors';
export { createLogger, redact, silentLogger, syncWriter } from './logger';
export type { LogFields, LogFormat, LogLevel, Logger, LoggerOptions } from './logger';
export { MISSING_CODE, MISSING_GROUP, categoryAt, selectRows, withColumns } from './table';
export type {
  CategoricalColumn,
  Column,
  FeatureKind,
  NumericColumn,
  SpilledColumn,
  SpilledColumnDecoder,
  Table,
} from './table';
export { parseDuration, parseInstant } from './duration';
export { fisherYates, seededRandom, type SeededRandom } from './seeded-random';
export { growMemory, instantiateKernel, type WasmMemory } from './wasm-kernel';
export { compositeKey } from './composite-key';
export { packJson, unpackJson } from './packed-json';
export { wilsonIntervalOfRate, Z_95 } from './wilson';
export { shellWord } from './shell-word';
export { errorMessage } from './error-message';
export { unknownColumnError } from './unknown-column-error';
export { FEATURE_DRIFT_MEASURES, METRIC_NAMES } from './metric-names';
export type { MetricName, MetricRowKind } from './metric-names';
export type { ModelDefinition } from './model-definition';
export { loadConfig } from './config/load-config';
export { parseConfig, type ConfigNeeds } from './config/parse-config';
export { redactedConfig } from './config/redacted-config';
export { RULE_METRICS, DEFAULT_RULES } from './config/compile-rules';
export { DEFAULT_CLAIM_TIMEOUT_MS, DEFAULT_REVIEW_TTL_MS } from './config/compile-review';
export { LABEL_TTL_MS, minimumBucketRetentionMs } from './config/compile-retention';
export { CONFIG_ENV, KAFKA_FETCH_DEFAULTS } from './config/compile-connections';
export { ALERT_GROUP_LABELS, DEFAULT_ALERT_GROUPING } from './config/compile-alerts';
export { didYouMean, editDistance } from './config/config-problems';
export type { ConfigProblem } from './config/config-problems';
export type { RuleMetric } from './config/compile-rules';
export type {
  Comparison,
  DatabaseConfig,
  EscalationPolicyConfig,
  AlertGroupingConfig,
  AlertGroupLabel,
  EscalationStepConfig,
  HttpConfig,
  HttpRole,
  HttpTokenConfig,
  KafkaConfig,
  KafkaFetchConfig,
  ExplainConfig,
  KafkaSaslConfig,
  KafkaSslConfig,
  KafkaTopicsConfig,
  ModelConfig,
  NotifierConfig,
  NotifierType,
  OwnerConfig,
  RetentionConfig,
  ReviewConfig,
  ReviewerConfig,
  ReviewGroupSample,
  RedisConfig,
  ReferenceConfig,
  RiskTier,
  RuleConfig,
  Severity,
  SmtpConfig,
  VigilConfig,
  WindowConfig,
} from './config/vigil-config';
