/**
 * Notification groups (docs/alerts.md, "Notification groups"), as Alertmanager groups alerts: the rule incidents
 * that share the labels of `alerts.groupBy` (default: model and version) are told about together. A group owns
 * the escalation of its subjects — one chain of outbox rows (`group_id`, job ids named after the group), so twenty
 * drifting features page once — while each subject stays its own incident (API, dashboards, audit).
 *
 * - A new group's first notice is due `groupWait` after it opens, and lists every firing subject at delivery.
 * - A subject that joins a group that was notified, or resolves while others still fire, is told of in one
 *   update, `groupInterval` after the group's last notice (changes meanwhile ride along); an update does not
 *   continue the chain. Notices list the firing subjects and those resolved since the group's last notice.
 * - The group resolves when its last subject resolves; acknowledging any of its incidents acknowledges the group
 *   and every firing subject of it (incident-transitions.ts).
 * Model conditions (no traffic, no reference) are not grouped: they mute the groups of their model version.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_ALERT_GROUPING, type AlertGroupingConfig, type ModelConfig, type VigilConfig } from '@vigil/core';
import {
  type AlertGroup,
  type Incident,
  type IncidentKey,
  type NewOutboxRow,
  type OutboxRow,
  type Tx,
} from '@vigil/store';
import { expandTargets } from '../notifiers/targets';
import type { AlertingContext } from './alerting-context';
import { chainOf, jobId, policyOf, type ChainPosition } from './escalation';

export function groupingOf(config: Pick<VigilConfig, 'alerts'>): AlertGroupingConfig {
  return config.alerts ?? DEFAULT_ALERT_GROUPING;
}

/** The group key of a subject: its `groupBy` labels in order, `/`-separated, `-` for none (`credit-risk/7`). */
export function groupKeyOf(config: Pick<VigilConfig, 'alerts'>, k: IncidentKey): string {
  const values: Record<string, string> = {
    model: k.model,
    version: k.version,
    metric: k.metric,
    feature: k.feature,
    group: k.group,
  };
  return groupingOf(config)
    .groupBy.map((label) => values[label] || '-')
    .join('/');
}

/** Outbox rows notifying every target of one step of a group's escalation. */
export function groupStepRows(
  ctx: AlertingContext,
  model: ModelConfig,
  group: AlertGroup,
  at: ChainPosition,
): NewOutboxRow[] {
  const s = policyOf(ctx, group).steps[at.step];
  if (s === undefined) return [];
  const chain = at.upgrade ? `${at.chain}-up` : at.chain;
  return expandTargets(s.notify, model, ctx.config).map((target) =>
    row(group, 'notify', {
      jobId: jobId({ kind: 'notify', subject: group.id, chain, step: at.step, round: at.round, target }),
      target,
      step: at.step,
      round: at.round,
      deliverAt: at.deliverAt,
      payload: { chain: at.chain, ...(at.upgrade ? { upgrade: true } : {}) },
    }),
  );
}

/** Acknowledgement and resolve notices of a group, to the given targets. */
export function groupNoticeRows(
  kind: 'resolve' | 'acknowledge',
  group: AlertGroup,
  targets: readonly string[],
  deliverAt: number,
): NewOutboxRow[] {
  return targets.map((target) =>
    row(group, kind, {
      jobId: jobId({ kind, subject: group.id, step: 0, round: 0, target }),
      target,
      step: 0,
      round: 0,
      deliverAt,
      payload: null,
    }),
  );
}

function row(
  group: AlertGroup,
  kind: NewOutboxRow['kind'],
  r: Pick<NewOutboxRow, 'jobId' | 'target' | 'step' | 'round' | 'deliverAt' | 'payload'>,
): NewOutboxRow {
  return { ...r, kind, incidentId: null, groupId: group.id, reviewId: null, model: group.model };
}

/** The targets of a group's first notice while it is still pending (the escalation's rows, not updates). */
export function firstNoticeTargets(rows: readonly OutboxRow[]): string[] {
  return [
    ...new Set(
      rows
        .filter((r) => r.kind === 'notify' && r.state === 'pending' && !chainOf(r.payload).upgrade)
        .map((r) => r.target),
    ),
  ];
}

/**
 * The notice of a group that breached and cleared before anyone was told: one notice per target, due now, that
 * lists every subject (resolved, with the window that breached and the one that cleared), and does not escalate.
 * Delivered, it is followed by the group's resolve notice to the same target (delivery.ts), so a PagerDuty
 * incident opens and resolves, in that order, and a chat channel reads "fired" then "resolved".
 */
export function briefNoticeRows(group: AlertGroup, targets: readonly string[], now: number): NewOutboxRow[] {
  return targets.map((target) =>
    row(group, 'notify', {
      jobId: jobId({ kind: 'notify', subject: group.id, chain: 'brief-up', step: 0, round: 0, target }),
      target,
      step: 0,
      round: 0,
      deliverAt: now,
      payload: { chain: 'brief', upgrade: true, brief: true, since: -1 },
    }),
  );
}

/** Whether a group's row is a brief notice ({@link briefNoticeRows}). */
export function isBriefNotice(r: Pick<OutboxRow, 'kind' | 'payload'>): boolean {
  return r.kind === 'notify' && (r.payload as { brief?: unknown } | null)?.brief === true;
}

/** The targets a group's notices reached (a `notify` row delivered). */
export function toldTargets(rows: readonly OutboxRow[]): string[] {
  return [...new Set(rows.filter((r) => r.kind === 'notify' && r.state === 'delivered').map((r) => r.target))];
}

/**
 * A rule incident starts firing (opened, or back from a silence or a model condition): it joins its group, which
 * opens when there is none (first notice after `groupWait`). `restart` (back from a silence or a condition) starts
 * the group's escalation again from step 0 when it has none running, as an ungrouped incident's would.
 */
export async function groupFiringIn(
  tx: Tx,
  ctx: AlertingContext,
  model: ModelConfig,
  incident: Incident,
  o: { chain: string; restart: boolean },
): Promise<AlertGroup> {
  const now = ctx.now();
  const { group, opened } = await tx.alertGroups.open({
    id: `grp_${randomUUID()}`,
    groupKey: groupKeyOf(ctx.config, incident),
    model: incident.model,
    escalationPolicy: model.escalation,
    now,
  });
  if (incident.notificationGroup !== group.id) await tx.incidents.update(incident.id, { notificationGroup: group.id });
  if (opened) {
    await scheduleGroupIn(tx, ctx, model, group, 'c0', now + groupingOf(ctx.config).groupWaitMs);
    return group;
  }
  if (group.status === 'acknowledged') {
    // A new firing subject re-opens an acknowledged group: its escalation starts again (the notices list the
    // firing subjects; those acknowledged stay acknowledged).
    const firing = (await tx.alertGroups.update(group.id, {
      status: 'firing',
      acknowledgedAt: null,
      acknowledgedBy: null,
      updatedAt: now,
    }))!;
    await scheduleGroupIn(tx, ctx, model, firing, `a${now}`, now);
    return firing;
  }
  const rows = await tx.outbox.ofGroup(group.id);
  const chainRunning = rows.some((r) => r.kind === 'notify' && r.state === 'pending' && !chainOf(r.payload).upgrade);
  const told = toldTargets(rows);
  if (!chainRunning && (o.restart || told.length === 0)) {
    await scheduleGroupIn(tx, ctx, model, group, o.chain, now);
    return group;
  }
  // Not told yet: the pending first notice lists it. Told: one update after groupInterval (unless one is due).
  await scheduleUpdateIn(tx, ctx, group, rows);
  return group;
}

/**
 * The group changed (a subject joined, or resolved while others still fire): the targets told so far get one
 * update `groupInterval` after the group's last notice, unless one is already due (it will list the change too).
 */
export async function scheduleUpdateIn(
  tx: Tx,
  ctx: AlertingContext,
  group: AlertGroup,
  rows?: readonly OutboxRow[],
): Promise<void> {
  const all = rows ?? (await tx.outbox.ofGroup(group.id));
  const told = toldTargets(all);
  if (told.length === 0 || all.some((r) => r.kind === 'notify' && r.state === 'pending' && chainOf(r.payload).upgrade))
    return;
  const now = ctx.now();
  const due = Math.max(now, (group.lastNotifiedAt ?? now) + groupingOf(ctx.config).groupIntervalMs);
  await notifyToldIn(tx, ctx, group, told, `upd${due}`, due, group.lastNotifiedAt);
}

/** Step 0 of a group's escalation, due at its delay from `at`. */
export async function scheduleGroupIn(
  tx: Tx,
  ctx: AlertingContext,
  model: ModelConfig,
  group: AlertGroup,
  chain: string,
  at: number,
): Promise<void> {
  const first = policyOf(ctx, group).steps[0];
  if (
    await tx.outbox.insert(
      groupStepRows(ctx, model, group, { chain, step: 0, round: 0, deliverAt: at + (first?.afterMs ?? 0) }),
      ctx.now(),
    )
  )
    ctx.kick();
}

/** A one-off notice (an update, a severity raise) to the targets told so far; it does not continue the chain. */
async function notifyToldIn(
  tx: Tx,
  ctx: AlertingContext,
  group: AlertGroup,
  told: readonly string[],
  chain: string,
  due: number,
  since: number | null,
): Promise<void> {
  const step = Math.max(0, group.escalationStep);
  // `since`: the update also lists the subjects resolved after the notice before it (the same for every target).
  const rows = told.map((target) =>
    row(group, 'notify', {
      jobId: jobId({ kind: 'notify', subject: group.id, chain: `${chain}-up`, step, round: 0, target }),
      target,
      step,
      round: 0,
      deliverAt: due,
      payload: { chain, upgrade: true, since },
    }),
  );
  if (await tx.outbox.insert(rows, ctx.now())) ctx.kick();
}

/** A subject of a firing group turned more severe: tell the targets of the step reached so far, once per severity. */
export async function groupSeverityRaisedIn(
  tx: Tx,
  ctx: AlertingContext,
  model: ModelConfig,
  groupId: string,
  severity: string,
): Promise<void> {
  const group = await tx.alertGroups.get(groupId, true);
  if (group === null || group.status !== 'firing') return;
  const rows = groupStepRows(ctx, model, group, {
    chain: `sev-${severity}`,
    step: Math.max(0, group.escalationStep),
    round: 0,
    deliverAt: ctx.now(),
    upgrade: true,
  });
  if (await tx.outbox.insert(rows, ctx.now())) ctx.kick();
}
