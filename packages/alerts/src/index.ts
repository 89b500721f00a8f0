export { createAlerting } from './alerting';
export type { Alerting, AlertingOperations, AlertingOptions, AlertingState } from './alerting';
export type { AnalysedWindow, EvaluationSummary } from './engine/evaluate-window';
export type {
  Actor,
  CloseReviewInput,
  ControlEvent,
  FindingInput,
  IncidentDetail,
  ReviewDetail,
  ReviewInput,
  SilenceInput,
} from './engine/lifecycle';
export { MAX_FINDING_CHARS } from './engine/lifecycle';
export { MAX_SILENCE_MS } from './engine/lifecycle';
export type { ModelCondition, ModelConditionName } from './engine/model-conditions';
export type { RelayOptions } from './engine/outbox-relay';
export { breaches, comparisonText, dedupKey, formatNumber } from './notifiers/payload';
export type { IncidentPayload, PayloadLinks, ReviewPayload } from './notifiers/payload';
export { beyond, classifyWindow, decideRule } from './rules/rule-evaluation';
export type { RuleDecision, WindowOutcome } from './rules/rule-evaluation';
export { LABEL_BASED_METRICS, matchRules } from './rules/match-rules';
export type { RuleEvaluation } from './rules/match-rules';
export { createMemoryQueue } from './queue/memory-queue';
export { createBullmqQueue } from './queue/bullmq-queue';
export type { BullmqQueueOptions } from './queue/bullmq-queue';
export type { JobData, JobHandler, JobQueue, JobQueueOptions, QueuedJob, RunningJob } from './queue/job-queue';
