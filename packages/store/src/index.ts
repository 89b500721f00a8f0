export { createStore } from './create-store';
export type { Store, StoreOptions } from './create-store';
export type { Tx } from './tx';
export type {
  ApplyBatchResult,
  Batch,
  BatchPartition,
  BucketDelta,
  DeadLetterInput,
  LabelEffects,
  MergeAccumulators,
  PredictionIndexColumns,
  PredictionIndexRow,
} from './batch/apply-batch';
export { predictionIndexRows } from './batch/apply-batch';
export { accumulatorOf, storedAccumulator } from './batch/stored-accumulator';
export type { StoredBucket } from './batch/load-buckets';
export type { DeadLetter, DeadLetterQuery } from './dead-letters/dead-letters';
export type { MetricRow, MetricRowQuery } from './metrics/metric-rows';
export type { FleetModel, LatestWindow } from './metrics/fleet-summary';
export type { DueWindow, PartitionWatermark, WatermarkInput, WindowKey } from './stream/windows';
export type { LabelInput, LabelMatch, LabelOutcome } from './stream/labels';
export { migrate } from './migrations/migrate';
export type { MigrateOptions, MigrateResult } from './migrations/migrate';
export { MIGRATIONS } from './migrations/migrations';
export type { Migration } from './migrations/migrations';
export type { StoredOffset } from './offsets/offsets';
export type { IndexedPrediction } from './predictions/prediction-index';
export type {
  PinnedProfile,
  PinRequest,
  StoredRangeProfile,
  StoredReferenceFit,
  StoredReferenceProfile,
} from './profiles/reference-profiles';
export { REFERENCE_FIT_UNUSED_DAYS } from './profiles/reference-profiles';
export { createPgliteClient, openPglite } from './sql/pglite-client';
export { holdEmbeddedDatabase } from './sql/embedded-lock';
export type { PgliteClientOptions } from './sql/pglite-client';
export { createPostgresClient, redactUrl } from './sql/postgres-client';
export type { PostgresClientOptions } from './sql/postgres-client';
export type { SqlClient, SqlExecutor, SqlResult } from './sql/sql-client';
export type { Offset } from './values';
export type { AuditEntry, AuditEntryInput, AuditQuery } from './alerts/audit-log';
export type { AlertGroup, AlertGroupPatch, AlertGroupStatus } from './alerts/alert-groups';
export type {
  Incident,
  IncidentKey,
  IncidentResolution,
  IncidentKind,
  IncidentPatch,
  IncidentQuery,
  IncidentSeverity,
  IncidentStatus,
  NewIncident,
} from './alerts/incidents';
export type { ModelControl } from './alerts/model-controls';
export type { NewOutboxRow, OutboxKind, OutboxRow, OutboxState, PendingOutboxQuery } from './alerts/outbox';
export { REVIEW_OUTCOMES } from './alerts/reviews';
export type {
  Review,
  ReviewEvidence,
  ReviewFinding,
  ReviewOutcome,
  ReviewQuery,
  ReviewStatus,
  ReviewSummary,
} from './alerts/reviews';
export { allotReviewCapacity } from './review-queue/allot-review-capacity';
export type { CapacityClaim, CapacityUse } from './review-queue/allot-review-capacity';
export { REVIEW_VERDICTS } from './review-queue/review-queue';
export type {
  FlaggedGroup,
  FlaggedPrediction,
  ReviewItem,
  ReviewWindowItem,
  SettledReviewItem,
  ReviewItemStatus,
  ReviewQueueQuery,
  ReviewVerdict,
  VerdictInput,
} from './review-queue/review-queue';
export type { MetricExpiry, RollUpResult } from './metrics/metric-rollups';
export type { DroppedPartition, MetricPartition, PartitionsResult } from './metrics/metric-partitions';
export type { RetentionLimits, RetentionResult } from './retention/apply-retention';
export { ruleKeyId } from './alerts/rule-windows';
export type { RuleKey, RuleState, RuleWindow, RuleWindowOutcome } from './alerts/rule-windows';
export { silenceMatches } from './alerts/silences';
export type { Silence } from './alerts/silences';
