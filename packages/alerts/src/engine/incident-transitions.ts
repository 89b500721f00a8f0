/**
 * The state changes of an incident, each with its outbox rows and audit entry, all in the caller's transaction.
 * Every other module changes incidents through these functions, so the lifecycle
 * firing → acknowledged → resolved, or silenced, lives in one place.
 */
import { randomUUID } from 'node:crypto';
import type { ModelConfig } from '@vigil/core';
import { type Incident, type IncidentResolution, type NewIncident, type Tx } from '@vigil/store';
import type { AlertingContext } from './alerting-context';
import { noticeRows, policyOf, stepRows } from './escalation';
import {
  briefNoticeRows,
  firstNoticeTargets,
  groupFiringIn,
  groupNoticeRows,
  scheduleUpdateIn,
  toldTargets,
} from './notification-groups';

export type OpenInput = Omit<NewIncident, 'id' | 'status' | 'escalationPolicy' | 'openedAt'> & {
  silencedUntil?: number | null;
};

/**
 * Opens an incident (silenced when a silence covers it) and schedules its first escalation step. Returns null
 * when an unresolved incident of the same key exists (a concurrent evaluation opened it first).
 */
export async function openIncidentIn(
  tx: Tx,
  ctx: AlertingContext,
  model: ModelConfig,
  input: OpenInput,
  reason: string,
): Promise<Incident | null> {
  const now = ctx.now();
  const silenced = input.silencedUntil !== undefined && input.silencedUntil !== null;
  const id = `inc_${randomUUID()}`;
  const inserted = await tx.incidents.insert({
    ...input,
    id,
    status: silenced ? 'silenced' : 'firing',
    escalationPolicy: model.escalation,
    openedAt: now,
    silencedUntil: input.silencedUntil ?? null,
  });
  if (!inserted) return null;
  const incident = (await tx.incidents.update(id, {}))!;
  if (!silenced && incident.kind === 'rule')
    await groupFiringIn(tx, ctx, model, incident, { chain: 'c0', restart: false });
  else if (!silenced) await scheduleFromStartIn(tx, ctx, model, incident, 'c0', now);
  await tx.audit.append([
    {
      at: now,
      actor: 'vigil',
      action: 'incident.opened',
      reason,
      model: incident.model,
      incidentId: id,
      details: { severity: incident.severity, value: incident.value, threshold: incident.threshold, silenced },
    },
  ]);
  return incident;
}

/**
 * Writes step 0 of the escalation policy, due at its delay from `at`; `chain` tells restarts apart. A rule
 * incident's escalation is its notification group's: it (re)joins the group, which restarts its escalation unless
 * one is running (then the group tells of it in an update).
 */
export async function scheduleFromStartIn(
  tx: Tx,
  ctx: AlertingContext,
  model: ModelConfig,
  incident: Incident,
  chain: string,
  at: number,
): Promise<void> {
  if (incident.kind === 'rule') {
    await groupFiringIn(tx, ctx, model, incident, { chain, restart: true });
    return;
  }
  const first = policyOf(ctx, incident).steps[0];
  const rows = stepRows(ctx, model, incident, { chain, step: 0, round: 0, deliverAt: at + (first?.afterMs ?? 0) });
  if (await tx.outbox.insert(rows, ctx.now())) ctx.kick();
}

/** The targets that were told about an incident (for resolve notices). */
export async function notifiedTargetsIn(tx: Tx, incidentId: string): Promise<string[]> {
  const rows = await tx.outbox.ofIncident(incidentId);
  return [...new Set(rows.filter((r) => r.kind === 'notify' && r.state === 'delivered').map((r) => r.target))];
}

/**
 * Resolves an incident: cancels pending notifications and tells everyone who was told. `resolution` is the window
 * that cleared it (automatic resolves); a resolve by hand or by a condition ending has none.
 */
export async function resolveIncidentIn(
  tx: Tx,
  ctx: AlertingContext,
  incident: Incident,
  actor: string,
  reason: string,
  resolution: IncidentResolution | null = null,
): Promise<Incident> {
  const now = ctx.now();
  await tx.outbox.cancel(incident.id, ['notify', 'acknowledge'], now);
  const resolved = (await tx.incidents.update(incident.id, {
    status: 'resolved',
    resolvedAt: now,
    resolvedBy: actor,
    updatedAt: now,
    resolution,
  }))!;
  // Alertmanager also hears of a resolve when its notification was given up on: the re-sender may have told it.
  const gaveUp = (await tx.outbox.ofIncident(incident.id))
    .filter(
      (r) => r.kind === 'notify' && r.state === 'failed' && ctx.config.notifiers[r.target]?.type === 'alertmanager',
    )
    .map((r) => r.target);
  const targets = [...new Set([...(await notifiedTargetsIn(tx, incident.id)), ...gaveUp])];
  if (resolved.notificationGroup !== null) {
    // Alertmanager keeps one alert per subject: it hears of this subject's end now. The other targets hear of the
    // group's end, when its last subject resolves.
    const am = targets.filter((t) => isAlertmanager(ctx, t));
    if (await tx.outbox.insert(noticeRows('resolve', resolved, am, now), now)) ctx.kick();
    await resolveGroupIfDoneIn(
      tx,
      ctx,
      resolved.notificationGroup,
      targets.filter((t) => !isAlertmanager(ctx, t)),
      resolution !== null,
    );
  } else if (await tx.outbox.insert(noticeRows('resolve', resolved, targets, now), now)) ctx.kick();
  await tx.audit.append([
    {
      at: now,
      actor,
      action: 'incident.resolved',
      reason,
      model: incident.model,
      incidentId: incident.id,
      details: { previousStatus: incident.status, notices: targets },
    },
  ]);
  return resolved;
}

/**
 * Acknowledges: escalation stops, and the targets already told hear who took it (PagerDuty acknowledges its own
 * incident, so it stops paging too). Alertmanager has no acknowledgement: it keeps the alert until resolved.
 * The incident still resolves by itself when the metric clears.
 */
export async function acknowledgeIncidentIn(
  tx: Tx,
  ctx: AlertingContext,
  incident: Incident,
  actor: string,
  reason: string,
): Promise<Incident> {
  if (incident.notificationGroup !== null) return acknowledgeGroupIn(tx, ctx, incident, actor, reason);
  const now = ctx.now();
  const cancelled = await tx.outbox.cancel(incident.id, ['notify'], now);
  const acked = (await tx.incidents.update(incident.id, {
    status: 'acknowledged',
    acknowledgedAt: now,
    acknowledgedBy: actor,
    updatedAt: now,
  }))!;
  const told = (await notifiedTargetsIn(tx, incident.id)).filter(
    (t) => ctx.config.notifiers[t]?.type !== 'alertmanager',
  );
  if (await tx.outbox.insert(noticeRows('acknowledge', acked, told, now), now)) ctx.kick();
  await tx.audit.append([
    {
      at: now,
      actor,
      action: 'incident.acknowledged',
      reason,
      model: incident.model,
      incidentId: incident.id,
      details: { previousStatus: incident.status, cancelledNotifications: cancelled },
    },
  ]);
  return acked;
}

/** Silences until `until`: pending notifications are cancelled; escalation restarts if it still fires after. */
export async function silenceIncidentIn(
  tx: Tx,
  ctx: AlertingContext,
  incident: Incident,
  until: number,
  actor: string,
  reason: string,
  silenceId: string,
): Promise<Incident> {
  const now = ctx.now();
  await tx.outbox.cancel(incident.id, ['notify'], now);
  const silenced = (await tx.incidents.update(incident.id, {
    status: 'silenced',
    silencedUntil: until,
    updatedAt: now,
  }))!;
  await tx.audit.append([
    {
      at: now,
      actor,
      action: 'incident.silenced',
      reason,
      model: incident.model,
      incidentId: incident.id,
      details: { until: new Date(until).toISOString(), silenceId },
    },
  ]);
  return silenced;
}

/** A silence ran out while the incident still fires: back to firing, escalation from step 0. */
export async function unsilenceIncidentIn(
  tx: Tx,
  ctx: AlertingContext,
  model: ModelConfig,
  incident: Incident,
): Promise<Incident> {
  const now = ctx.now();
  const firing = (await tx.incidents.update(incident.id, { status: 'firing', silencedUntil: null, updatedAt: now }))!;
  // A new chain per restart keeps job ids unique (the first chain's rows are settled or cancelled).
  await scheduleFromStartIn(tx, ctx, model, firing, `u${now}`, now);
  await tx.audit.append([
    {
      at: now,
      actor: 'vigil',
      action: 'incident.unsilenced',
      reason: 'the silence expired and the incident still fires',
      model: incident.model,
      incidentId: incident.id,
    },
  ]);
  return firing;
}

const isAlertmanager = (ctx: AlertingContext, target: string): boolean =>
  ctx.config.notifiers[target]?.type === 'alertmanager';

/**
 * The last subject of a group resolved: the group resolves, and the targets it told hear so (one notice). A group
 * whose metrics cleared before its first notice went out (breached and cleared in one analysis pass, or within
 * `groupWait`) is still told: its first notice's targets get a brief notice now, and its resolve once that is
 * delivered (notification-groups.ts, `briefNoticeRows`), as PagerDuty and Slack users expect to learn that a
 * window breached. Resolved by hand, it is not: whoever resolved it knows.
 */
async function resolveGroupIfDoneIn(
  tx: Tx,
  ctx: AlertingContext,
  groupId: string,
  targets: readonly string[],
  cleared: boolean,
): Promise<void> {
  const now = ctx.now();
  const group = await tx.alertGroups.get(groupId, true);
  if (group === null || group.status === 'resolved') return;
  if ((await tx.incidents.ofGroup(groupId)).some((i) => i.status !== 'resolved')) {
    // Others still fire: the group's next notice (an update after groupInterval) lists this one as resolved.
    if (group.status === 'firing') await scheduleUpdateIn(tx, ctx, group);
    return;
  }
  const rows = await tx.outbox.ofGroup(groupId);
  const untold = cleared && group.status === 'firing' && toldTargets(rows).length === 0 ? firstNoticeTargets(rows) : [];
  await tx.outbox.cancelGroup(groupId, ['notify', 'acknowledge'], now);
  const resolved = (await tx.alertGroups.update(groupId, { status: 'resolved', resolvedAt: now, updatedAt: now }))!;
  if (
    await tx.outbox.insert(
      [...groupNoticeRows('resolve', resolved, targets, now), ...briefNoticeRows(resolved, untold, now)],
      now,
    )
  )
    ctx.kick();
}

/**
 * Acknowledging an incident of a group acknowledges the group — its escalation stops, and the targets it told
 * (Alertmanager aside) get one acknowledgement notice — and every firing subject of it: whoever took the page
 * took the group. Silenced subjects stay silenced. A subject that starts firing later re-opens the group.
 */
async function acknowledgeGroupIn(
  tx: Tx,
  ctx: AlertingContext,
  incident: Incident,
  actor: string,
  reason: string,
): Promise<Incident> {
  const now = ctx.now();
  const groupId = incident.notificationGroup as string;
  const group = await tx.alertGroups.get(groupId, true);
  let acked: Incident | undefined;
  const subjects = (await tx.incidents.ofGroup(groupId)).filter((i) => i.id === incident.id || i.status === 'firing');
  for (const subject of subjects) {
    const cancelled = await tx.outbox.cancel(subject.id, ['notify'], now);
    const updated = (await tx.incidents.update(subject.id, {
      status: 'acknowledged',
      acknowledgedAt: now,
      acknowledgedBy: actor,
      updatedAt: now,
    }))!;
    if (subject.id === incident.id) acked = updated;
    await tx.audit.append([
      {
        at: now,
        actor,
        action: 'incident.acknowledged',
        reason,
        model: subject.model,
        incidentId: subject.id,
        details: {
          previousStatus: subject.status,
          cancelledNotifications: cancelled,
          group: group?.groupKey ?? null,
          ...(subject.id === incident.id ? {} : { via: incident.id }),
        },
      },
    ]);
  }
  if (group !== null && group.status === 'firing') {
    await tx.outbox.cancelGroup(groupId, ['notify'], now);
    const groupAcked = (await tx.alertGroups.update(groupId, {
      status: 'acknowledged',
      acknowledgedAt: now,
      acknowledgedBy: actor,
      updatedAt: now,
    }))!;
    const told = toldTargets(await tx.outbox.ofGroup(groupId)).filter((t) => !isAlertmanager(ctx, t));
    if (await tx.outbox.insert(groupNoticeRows('acknowledge', groupAcked, told, now), now)) ctx.kick();
  }
  return acked ?? (await tx.incidents.get(incident.id))!;
}
