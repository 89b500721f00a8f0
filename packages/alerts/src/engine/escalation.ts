/**
 * Escalation as outbox rows. A policy's steps are scheduled one at a time: opening an incident writes step 0;
 * when every target of a step has settled, the worker writes the next step (at its delay from the first step,
 * or at once when a target of this step failed for good), and after the last step a repeat round every
 * `repeat`. Acknowledging, resolving or silencing cancels what is pending. Job ids are deterministic, so writing
 * the same step twice (two workers settling the last two targets, a re-run after a crash) inserts it once.
 */
import type { EscalationPolicyConfig, ModelConfig } from '@vigil/core';
import type { Incident, NewOutboxRow, OutboxKind } from '@vigil/store';
import { expandTargets } from '../notifiers/targets';
import type { AlertingContext } from './alerting-context';

/** BullMQ refuses ':' in custom ids; target names come from the config, so they are escaped. */
export function jobId(parts: {
  kind: OutboxKind;
  subject: string;
  chain?: string;
  step: number;
  round: number;
  target: string;
}): string {
  const target = parts.target.replace(/[^A-Za-z0-9_.-]/g, (c) => `~${c.charCodeAt(0).toString(16)}`);
  return `vigil.${parts.subject}.${parts.kind}.${parts.chain ?? 'c0'}.s${parts.step}.r${parts.round}.${target}`;
}

/**
 * Where a notify row sits in its escalation chain. An incident's first chain is `c0`; a silence that runs out
 * starts a new chain, and a severity upgrade sends a one-off (`upgrade`) that does not continue any chain.
 */
export interface ChainPosition {
  chain: string;
  step: number;
  round: number;
  deliverAt: number;
  upgrade?: boolean;
}

/** The chain of a notify row, from its payload. */
export function chainOf(payload: unknown): { chain: string; upgrade: boolean } {
  const p = (payload ?? {}) as { chain?: unknown; upgrade?: unknown };
  return { chain: typeof p.chain === 'string' ? p.chain : 'c0', upgrade: p.upgrade === true };
}

/** The policy of an incident (a group); `alerts.repeatInterval` is the repeat of a policy that sets none. */
export function policyOf(ctx: AlertingContext, incident: Pick<Incident, 'escalationPolicy'>): EscalationPolicyConfig {
  const policy = ctx.config.escalation[incident.escalationPolicy] ??
    ctx.config.escalation.default ?? { steps: [{ afterMs: 0, notify: ['owner'] }] };
  const repeatMs = policy.repeatMs ?? ctx.config.alerts?.repeatIntervalMs;
  return repeatMs === undefined || policy.repeatMs !== undefined ? policy : { ...policy, repeatMs };
}

/** Outbox rows notifying every target of one step (round 0 is the step itself, round k its k-th repeat). */
export function stepRows(
  ctx: AlertingContext,
  model: ModelConfig,
  incident: Incident,
  at: ChainPosition,
): NewOutboxRow[] {
  const policy = policyOf(ctx, incident);
  const s = policy.steps[at.step];
  if (s === undefined) return [];
  const chain = at.upgrade ? `${at.chain}-up` : at.chain;
  return expandTargets(s.notify, model, ctx.config).map((target) => ({
    jobId: jobId({ kind: 'notify', subject: incident.id, chain, step: at.step, round: at.round, target }),
    kind: 'notify',
    incidentId: incident.id,
    reviewId: null,
    model: incident.model,
    step: at.step,
    round: at.round,
    target,
    payload: { chain: at.chain, ...(at.upgrade ? { upgrade: true } : {}) },
    deliverAt: at.deliverAt,
  }));
}

/** When the step after `row` is due, or undefined when the policy has nothing more to send. */
export function nextStep(
  policy: EscalationPolicyConfig,
  row: ChainPosition,
  failed: boolean,
  now: number,
): ChainPosition | undefined {
  const current = policy.steps[row.step];
  const next = policy.steps[row.step + 1];
  if (current === undefined) return undefined;
  if (next !== undefined && row.round === 0) {
    // Delays count from the first step; a target that failed for good escalates at once.
    const origin = row.deliverAt - current.afterMs;
    return {
      chain: row.chain,
      step: row.step + 1,
      round: 0,
      deliverAt: failed ? now : Math.max(origin + next.afterMs, row.deliverAt),
    };
  }
  if (next === undefined && policy.repeatMs !== undefined)
    return { chain: row.chain, step: row.step, round: row.round + 1, deliverAt: row.deliverAt + policy.repeatMs };
  return undefined;
}

/** Resolve (acknowledge) notices go to every target that was told about the incident. */
export function noticeRows(
  kind: 'resolve' | 'acknowledge',
  incident: Incident,
  notifiedTargets: readonly string[],
  deliverAt: number,
): NewOutboxRow[] {
  return notifiedTargets.map((target) => ({
    jobId: jobId({ kind, subject: incident.id, step: 0, round: 0, target }),
    kind,
    incidentId: incident.id,
    reviewId: null,
    model: incident.model,
    step: 0,
    round: 0,
    target,
    payload: null,
    deliverAt,
  }));
}
