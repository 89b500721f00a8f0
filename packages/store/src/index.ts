export { createStore } from './create-store';
export type { Store, StoreOptions } from './create-store';
export type {
  ApplyBatchResult,
  Batch,
  BatchPartition,
  BucketDelta,
  DeadLetterInput,
  LabelEffects,
  MergeAccumulators,
  PredictionIndexRow,
} from './batch/apply-batch';
export type { StoredBucket } from './batch/load-buckets';
export type { DeadLetter, DeadLetterQuery } from './dead-letters/dead-letters';
export { metricRows as metricRowsIn, upsertMetricRows as upsertMetricRowsIn } from './metrics/metric-rows';
export type { MetricRow, MetricRowQuery } from './metrics/metric-rows';
export { markAnalysedIn, touchWindowsIn } from './stream/windows';
export type { DueWindow, PartitionWatermark, WatermarkInput, WindowKey } from './stream/windows';
export type { LabelInput, LabelMatch, LabelOutcome } from './stream/labels';
export { migrate } from './migrations/migrate';
export type { MigrateOptions, MigrateResult } from './migrations/migrate';
export { MIGRATIONS } from './migrations/migrations';
export type { Migration } from './migrations/migrations';
export type { StoredOffset } from './offsets/offsets';
export type { IndexedPrediction } from './predictions/prediction-index';
export type { PinnedProfile, StoredRangeProfile, StoredReferenceProfile } from './profiles/reference-profiles';
export { createPgliteClient, openPglite } from './sql/pglite-client';
export type { PgliteClientOptions } from './sql/pglite-client';
export { createPostgresClient, redactUrl } from './sql/postgres-client';
export type { PostgresClientOptions } from './sql/postgres-client';
export type { SqlClient, SqlExecutor, SqlResult } from './sql/sql-client';
export type { Offset } from './values';
export { appendAuditIn, auditLog } from './alerts/audit-log';
export type { AuditEntry, AuditEntryInput, AuditQuery } from './alerts/audit-log';
export { getAlertGroup, openAlertGroupIn, updateAlertGroupIn } from './alerts/alert-groups';
export type { AlertGroup, AlertGroupPatch, AlertGroupStatus } from './alerts/alert-groups';
export {
  getIncident,
  incidentsOfGroup,
  incidentsOfModel,
  insertIncidentIn,
  listIncidents,
  openIncidentsIn,
  recordDeliveryFailureIn,
  updateIncidentIn,
} from './alerts/incidents';
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
export { modelControls, setModelControlIn } from './alerts/model-controls';
export type { ModelControl } from './alerts/model-controls';
export {
  cancelGroupOutboxIn,
  cancelOutboxIn,
  getOutboxRow,
  insertOutboxIn,
  markEnqueued,
  openIncidentsNotifiedAt,
  outboxOfGroup,
  outboxOfIncident,
  pendingOutbox,
  settleOutboxIn,
} from './alerts/outbox';
export type { NewOutboxRow, OutboxKind, OutboxRow, OutboxState, PendingOutboxQuery } from './alerts/outbox';
export {
  addFindingIn,
  closeReviewIn,
  collectEvidenceIn,
  countReviews,
  getReview,
  insertReviewIn,
  listReviews,
  REVIEW_OUTCOMES,
  reviewFindings,
} from './alerts/reviews';
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
export {
  claimReviewItemIn,
  countDecided,
  decideReviewItemIn,
  expireReviewItemsIn,
  fillReviewContextIn,
  getReviewItem,
  listReviewItems,
  nextReviewItemIn,
  queueFlaggedIn,
  REVIEW_VERDICTS,
  reviewCapacity,
  reviewWindowItemsIn,
} from './review-queue/review-queue';
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
export { applyRetentionIn } from './retention/apply-retention';
export { rollUpMetricsIn } from './metrics/metric-rollups';
export type { MetricExpiry, RollUpResult } from './metrics/metric-rollups';
export {
  ensureMetricPartitionsIn,
  dropMetricPartitionsIn,
  metricPartitions,
  partitionStart,
} from './metrics/metric-partitions';
export type { DroppedPartition, MetricPartition, PartitionsResult } from './metrics/metric-partitions';
export type { RetentionLimits, RetentionResult } from './retention/apply-retention';
export {
  pruneRuleWindowsIn,
  recentRuleWindowsIn,
  ruleKeyId,
  ruleStatesIn,
  upsertRuleStatesIn,
  upsertRuleWindowsIn,
} from './alerts/rule-windows';
export type { RuleKey, RuleState, RuleWindow, RuleWindowOutcome } from './alerts/rule-windows';
export { activeSilencesIn, insertSilenceIn, silenceMatches } from './alerts/silences';
export type { Silence } from './alerts/silences';
