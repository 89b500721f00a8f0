/**
 * The store's surface inside a transaction, grouped by domain (one group per folder of the store, one per table
 * family): `tx.metrics.upsertRows(rows)`, `tx.incidents.update(id, patch)`, `tx.outbox.insert(rows, now)`.
 * Each group is a thin binding of the module's functions to the transaction's connection: the SQL stays in the
 * modules, and this is the one way callers outside the store write a table in a transaction.
 */
import { appendAuditIn, auditLog } from './alerts/audit-log';
import { getAlertGroup, openAlertGroupIn, updateAlertGroupIn } from './alerts/alert-groups';
import {
  getIncident,
  incidentsOfGroup,
  incidentsOfModel,
  insertIncidentIn,
  listIncidents,
  openIncidentsIn,
  recordDeliveryFailureIn,
  updateIncidentIn,
} from './alerts/incidents';
import { modelControlIn, modelControls, setModelControlIn } from './alerts/model-controls';
import {
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
import {
  addFindingIn,
  closeReviewIn,
  collectEvidenceIn,
  countReviews,
  getReview,
  insertReviewIn,
  listReviews,
  reviewFindings,
} from './alerts/reviews';
import {
  pruneRuleWindowsIn,
  recentRuleWindowsIn,
  ruleStatesIn,
  upsertRuleStatesIn,
  upsertRuleWindowsIn,
} from './alerts/rule-windows';
import { activeSilencesIn, insertSilenceIn } from './alerts/silences';
import { dropMetricPartitionsIn, ensureMetricPartitionsIn, metricPartitions } from './metrics/metric-partitions';
import { rollUpMetricsIn } from './metrics/metric-rollups';
import { metricRows, upsertMetricRows } from './metrics/metric-rows';
import { applyRetentionIn } from './retention/apply-retention';
import {
  claimReviewItemIn,
  countDecided,
  decideReviewItemIn,
  expireReviewItemsIn,
  predictionLabelIn,
  fillReviewContextIn,
  getReviewItem,
  listReviewItems,
  nextReviewItemIn,
  queueFlaggedIn,
  reviewCapacity,
  reviewWindowItemsIn,
} from './review-queue/review-queue';
import type { SqlExecutor } from './sql/sql-client';
import { markAnalysedIn, markAnalysedManyIn, touchWindowsIn } from './stream/windows';

/** A store function with its connection bound: the same parameters after the first. */
export type Bound<F> = F extends (sql: SqlExecutor, ...args: infer A) => infer R ? (...args: A) => R : never;

function bind<F extends (sql: SqlExecutor, ...args: never[]) => unknown>(sql: SqlExecutor, fn: F): Bound<F> {
  return ((...args: never[]) => fn(sql, ...args)) as Bound<F>;
}

/** Metric windows and their series (`vigil_metric_windows`), their weekly partitions and their roll-ups. */
export interface MetricsOfTx {
  upsertRows: Bound<typeof upsertMetricRows>;
  rows: Bound<typeof metricRows>;
  rollUp: Bound<typeof rollUpMetricsIn>;
  ensurePartitions: Bound<typeof ensureMetricPartitionsIn>;
  dropPartitions: Bound<typeof dropMetricPartitionsIn>;
  partitions: Bound<typeof metricPartitions>;
}

/** Analysis windows (`vigil_windows`): marking them changed and analysed. */
export interface WindowsOfTx {
  touch: Bound<typeof touchWindowsIn>;
  markAnalysed: Bound<typeof markAnalysedIn>;
  markAnalysedMany: Bound<typeof markAnalysedManyIn>;
}

export interface IncidentsOfTx {
  insert: Bound<typeof insertIncidentIn>;
  update: Bound<typeof updateIncidentIn>;
  recordDeliveryFailure: Bound<typeof recordDeliveryFailureIn>;
  get: Bound<typeof getIncident>;
  open: Bound<typeof openIncidentsIn>;
  ofGroup: Bound<typeof incidentsOfGroup>;
  ofModel: Bound<typeof incidentsOfModel>;
  list: Bound<typeof listIncidents>;
}

export interface AlertGroupsOfTx {
  open: Bound<typeof openAlertGroupIn>;
  update: Bound<typeof updateAlertGroupIn>;
  get: Bound<typeof getAlertGroup>;
}

export interface OutboxOfTx {
  insert: Bound<typeof insertOutboxIn>;
  settle: Bound<typeof settleOutboxIn>;
  cancel: Bound<typeof cancelOutboxIn>;
  cancelGroup: Bound<typeof cancelGroupOutboxIn>;
  markEnqueued: Bound<typeof markEnqueued>;
  get: Bound<typeof getOutboxRow>;
  pending: Bound<typeof pendingOutbox>;
  ofIncident: Bound<typeof outboxOfIncident>;
  ofGroup: Bound<typeof outboxOfGroup>;
  openIncidentsNotifiedAt: Bound<typeof openIncidentsNotifiedAt>;
}

export interface AuditOfTx {
  append: Bound<typeof appendAuditIn>;
  log: Bound<typeof auditLog>;
}

/** Model reviews (`vigil_reviews`, `vigil_review_findings`). */
export interface ReviewsOfTx {
  collectEvidence: Bound<typeof collectEvidenceIn>;
  insert: Bound<typeof insertReviewIn>;
  addFinding: Bound<typeof addFindingIn>;
  close: Bound<typeof closeReviewIn>;
  get: Bound<typeof getReview>;
  list: Bound<typeof listReviews>;
  findings: Bound<typeof reviewFindings>;
  count: Bound<typeof countReviews>;
}

/** The human review queue of flagged predictions (`vigil_review_queue`, `vigil_review_capacity`). */
export interface ReviewQueueOfTx {
  queueFlagged: Bound<typeof queueFlaggedIn>;
  claim: Bound<typeof claimReviewItemIn>;
  next: Bound<typeof nextReviewItemIn>;
  decide: Bound<typeof decideReviewItemIn>;
  predictionLabel: Bound<typeof predictionLabelIn>;
  expire: Bound<typeof expireReviewItemsIn>;
  fillContext: Bound<typeof fillReviewContextIn>;
  windowItems: Bound<typeof reviewWindowItemsIn>;
  get: Bound<typeof getReviewItem>;
  list: Bound<typeof listReviewItems>;
  countDecided: Bound<typeof countDecided>;
  capacity: Bound<typeof reviewCapacity>;
}

/** Rules' per-window outcomes and their state (`vigil_rule_windows`, `vigil_rule_states`). */
export interface RuleWindowsOfTx {
  upsert: Bound<typeof upsertRuleWindowsIn>;
  recent: Bound<typeof recentRuleWindowsIn>;
  prune: Bound<typeof pruneRuleWindowsIn>;
  states: Bound<typeof ruleStatesIn>;
  upsertStates: Bound<typeof upsertRuleStatesIn>;
}

export interface SilencesOfTx {
  insert: Bound<typeof insertSilenceIn>;
  active: Bound<typeof activeSilencesIn>;
}

export interface ModelControlsOfTx {
  set: Bound<typeof setModelControlIn>;
  list: Bound<typeof modelControls>;
  get: Bound<typeof modelControlIn>;
}

export interface RetentionOfTx {
  apply: Bound<typeof applyRetentionIn>;
}

/**
 * The transaction handed to `store.transaction(fn)`: the domain groups, and `query` for statements no group
 * covers (tests' fixtures, ad-hoc counts); tables are written through the groups.
 */
export interface Tx extends SqlExecutor {
  readonly metrics: MetricsOfTx;
  readonly windows: WindowsOfTx;
  readonly incidents: IncidentsOfTx;
  readonly alertGroups: AlertGroupsOfTx;
  readonly outbox: OutboxOfTx;
  readonly audit: AuditOfTx;
  readonly reviews: ReviewsOfTx;
  readonly reviewQueue: ReviewQueueOfTx;
  readonly ruleWindows: RuleWindowsOfTx;
  readonly silences: SilencesOfTx;
  readonly modelControls: ModelControlsOfTx;
  readonly retention: RetentionOfTx;
}

/** The groups over `sql` (a transaction, or the client for the store's own reads). */
export function txOver(sql: SqlExecutor): Tx {
  return {
    query: (text, params) => sql.query(text, params),
    metrics: {
      upsertRows: bind(sql, upsertMetricRows),
      rows: bind(sql, metricRows),
      rollUp: bind(sql, rollUpMetricsIn),
      ensurePartitions: bind(sql, ensureMetricPartitionsIn),
      dropPartitions: bind(sql, dropMetricPartitionsIn),
      partitions: bind(sql, metricPartitions),
    },
    windows: {
      touch: bind(sql, touchWindowsIn),
      markAnalysed: bind(sql, markAnalysedIn),
      markAnalysedMany: bind(sql, markAnalysedManyIn),
    },
    incidents: {
      insert: bind(sql, insertIncidentIn),
      update: bind(sql, updateIncidentIn),
      recordDeliveryFailure: bind(sql, recordDeliveryFailureIn),
      get: bind(sql, getIncident),
      open: bind(sql, openIncidentsIn),
      ofGroup: bind(sql, incidentsOfGroup),
      ofModel: bind(sql, incidentsOfModel),
      list: bind(sql, listIncidents),
    },
    alertGroups: {
      open: bind(sql, openAlertGroupIn),
      update: bind(sql, updateAlertGroupIn),
      get: bind(sql, getAlertGroup),
    },
    outbox: {
      insert: bind(sql, insertOutboxIn),
      settle: bind(sql, settleOutboxIn),
      cancel: bind(sql, cancelOutboxIn),
      cancelGroup: bind(sql, cancelGroupOutboxIn),
      markEnqueued: bind(sql, markEnqueued),
      get: bind(sql, getOutboxRow),
      pending: bind(sql, pendingOutbox),
      ofIncident: bind(sql, outboxOfIncident),
      ofGroup: bind(sql, outboxOfGroup),
      openIncidentsNotifiedAt: bind(sql, openIncidentsNotifiedAt),
    },
    audit: { append: bind(sql, appendAuditIn), log: bind(sql, auditLog) },
    reviews: {
      collectEvidence: bind(sql, collectEvidenceIn),
      insert: bind(sql, insertReviewIn),
      addFinding: bind(sql, addFindingIn),
      close: bind(sql, closeReviewIn),
      get: bind(sql, getReview),
      list: bind(sql, listReviews),
      findings: bind(sql, reviewFindings),
      count: bind(sql, countReviews),
    },
    reviewQueue: {
      queueFlagged: bind(sql, queueFlaggedIn),
      claim: bind(sql, claimReviewItemIn),
      next: bind(sql, nextReviewItemIn),
      decide: bind(sql, decideReviewItemIn),
      predictionLabel: bind(sql, predictionLabelIn),
      expire: bind(sql, expireReviewItemsIn),
      fillContext: bind(sql, fillReviewContextIn),
      windowItems: bind(sql, reviewWindowItemsIn),
      get: bind(sql, getReviewItem),
      list: bind(sql, listReviewItems),
      countDecided: bind(sql, countDecided),
      capacity: bind(sql, reviewCapacity),
    },
    ruleWindows: {
      upsert: bind(sql, upsertRuleWindowsIn),
      recent: bind(sql, recentRuleWindowsIn),
      prune: bind(sql, pruneRuleWindowsIn),
      states: bind(sql, ruleStatesIn),
      upsertStates: bind(sql, upsertRuleStatesIn),
    },
    silences: { insert: bind(sql, insertSilenceIn), active: bind(sql, activeSilencesIn) },
    modelControls: {
      set: bind(sql, setModelControlIn),
      list: bind(sql, modelControls),
      get: bind(sql, modelControlIn),
    },
    retention: { apply: bind(sql, applyRetentionIn) },
  };
}
