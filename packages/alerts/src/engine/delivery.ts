/**
 * The queue's job handler: delivers one outbox row. It reads the row and its incident first and skips what is no
 * longer wanted (settled, acknowledged, resolved); it settles the row only after the target answered, so a
 * worker that dies mid-delivery leaves the row pending and the job is run again (at least once; the dedupKey
 * and notificationId let the receiver recognise the repeat). A target that keeps failing is recorded on the
 * incident and the next escalation step is scheduled at once.
 */
import { errorMessage, isVigilError } from '@vigil/core';
import { type Incident, type OutboxRow, type Tx } from '@vigil/store';
import { deliveryError } from '../notifiers/notifier';
import type { NotifierRegistry } from '../notifiers/targets';
import {
  groupNotification,
  incidentPayload,
  type Notification,
  type PayloadLinks,
  type ReviewPayload,
} from '../notifiers/payload';
import type { RunningJob } from '../queue/job-queue';
import type { AlertingContext } from './alerting-context';
import { chainOf, nextStep, policyOf, stepRows } from './escalation';
import type { ControlEvent } from './lifecycle';
import { groupNoticeRows, groupStepRows, isBriefNotice } from './notification-groups';

export interface DeliveryDependencies {
  ctx: AlertingContext;
  notifiers: NotifierRegistry;
  links: PayloadLinks;
  publishControl?: (event: ControlEvent) => Promise<void>;
  /** Called after each delivery attempt (metrics: alerts sent, failures). */
  onDelivery?: (outcome: { kind: OutboxRow['kind']; target: string; ok: boolean; final: boolean }) => void;
}

export function createDeliveryHandler(deps: DeliveryDependencies): (job: RunningJob) => Promise<void> {
  const { ctx } = deps;
  const log = ctx.logger.child({ component: 'alert-delivery' });
  return async (job) => {
    const row = await ctx.store.transaction((tx) => tx.outbox.get(job.data.outboxId));
    if (row === null || row.state !== 'pending') return;
    if (row.groupId) {
      await deliverGroupRow(deps, row, job);
      return;
    }
    const incident =
      row.incidentId === null ? null : await ctx.store.transaction((tx) => tx.incidents.get(row.incidentId as string));
    // An acknowledgement notice after the resolve notice would reopen the incident at PagerDuty: skip it.
    if (row.kind === 'acknowledge' && incident?.status === 'resolved') {
      await ctx.store.transaction((tx) =>
        tx.outbox.settle(row.id, {
          state: 'cancelled',
          at: ctx.now(),
          attempts: job.attempt - 1,
          error: 'incident is resolved',
        }),
      );
      return;
    }
    if (row.kind === 'notify' && incident?.status !== 'firing') {
      await ctx.store.transaction((tx) =>
        tx.outbox.settle(row.id, {
          state: 'cancelled',
          at: ctx.now(),
          attempts: job.attempt - 1,
          error: `incident is ${incident?.status ?? 'gone'}`,
        }),
      );
      return;
    }
    // A model-level incident (no traffic, no reference) mutes the model version's other incidents; its end
    // restarts their escalation (model-conditions.ts).
    const inhibitor =
      row.kind === 'notify' && incident?.kind === 'rule'
        ? await ctx.store.transaction((tx) => inhibitorOf(tx, incident))
        : undefined;
    if (inhibitor !== undefined) {
      await ctx.store.transaction((tx) =>
        tx.outbox.settle(row.id, {
          state: 'cancelled',
          at: ctx.now(),
          attempts: job.attempt - 1,
          error: `inhibited by the ${inhibitor.metric} incident ${inhibitor.id}`,
        }),
      );
      return;
    }
    if (row.kind === 'control' && !deps.publishControl) {
      // Embedded mode, no Kafka: the paused state in the database is all there is; say so on the row.
      await ctx.store.transaction((tx) =>
        tx.outbox.settle(row.id, {
          state: 'cancelled',
          at: ctx.now(),
          attempts: 0,
          error: 'not published: this deployment has no control topic (no Kafka)',
        }),
      );
      return;
    }
    try {
      await send(deps, row, incident, job.signal);
    } catch (error) {
      const retriable = isVigilError(error) ? error.retriable : true;
      const message = errorMessage(error);
      // Shutting down: leave the row pending; the job (or the relay) runs it again.
      if (job.signal.aborted) throw error;
      // The kill switch is never given up on: the row stays pending and the relay's next full pass re-enqueues it.
      if (row.kind === 'control') {
        log.error(
          { model: row.model, attempt: job.attempt, err: error },
          'publishing the control event failed; will retry',
        );
        deps.onDelivery?.({ kind: row.kind, target: row.target, ok: false, final: false });
        throw error;
      }
      if (retriable && job.attempt < job.maxAttempts) {
        log.warn({ target: row.target, attempt: job.attempt, err: error }, 'delivery failed; will retry');
        deps.onDelivery?.({ kind: row.kind, target: row.target, ok: false, final: false });
        throw error;
      }
      log.error(
        { target: row.target, attempt: job.attempt, incident: row.incidentId, err: error },
        'delivery failed for good',
      );
      deps.onDelivery?.({ kind: row.kind, target: row.target, ok: false, final: true });
      await ctx.store.transaction((tx) => settleIn(tx, deps, row, job.attempt, message));
      return;
    }
    deps.onDelivery?.({ kind: row.kind, target: row.target, ok: true, final: true });
    await ctx.store.transaction((tx) => settleIn(tx, deps, row, job.attempt, undefined));
  };
}

async function send(
  deps: DeliveryDependencies,
  row: OutboxRow,
  incident: Incident | null,
  signal: AbortSignal,
): Promise<void> {
  const { ctx } = deps;
  if (row.kind === 'control') {
    await deps.publishControl!(row.payload as ControlEvent);
    return;
  }
  const model = ctx.models.get(row.model);
  const notifier = model === undefined ? undefined : deps.notifiers.get(model, row.target);
  if (model === undefined || notifier === undefined) {
    throw deliveryError(row.target, `no notifier "${row.target}" for model "${row.model}" in the configuration`, false);
  }
  let notification: Notification;
  if (row.kind === 'review') {
    const p = row.payload as Omit<ReviewPayload, 'links'>;
    const base = deps.links.publicUrl?.replace(/\/+$/, '');
    notification = {
      kind: 'review',
      payload: { ...p, links: { review: base ? `${base}/api/reviews/${encodeURIComponent(p.reviewId)}` : null } },
    };
  } else {
    if (incident === null) return;
    const status = row.kind === 'resolve' ? 'resolved' : row.kind === 'acknowledge' ? 'acknowledged' : incident.status;
    // A grouped subject's own notice (its resolve at Alertmanager) carries the group label its alert was posted with.
    const group =
      incident.notificationGroup === null
        ? null
        : await ctx.store.transaction((tx) => tx.alertGroups.get(incident.notificationGroup as string));
    const payload = incidentPayload(
      { ...incident, status },
      {
        notificationId: row.jobId,
        owner: model.owner.name,
        step: row.step,
        links: deps.links,
        groupKey: group?.groupKey ?? null,
      },
    );
    notification = { kind: 'incident', payload, openedAt: incident.openedAt, resolvedAt: incident.resolvedAt };
  }
  await notifier.send(notification, signal);
}

/** Settles the row and moves the escalation on, serialised per incident by a row lock. */
async function settleIn(
  tx: Tx,
  deps: DeliveryDependencies,
  row: OutboxRow,
  attempts: number,
  error: string | undefined,
): Promise<void> {
  const { ctx } = deps;
  const now = ctx.now();
  const incident = row.incidentId === null ? null : await tx.incidents.get(row.incidentId, true);
  const settled = await tx.outbox.settle(row.id, {
    state: error === undefined ? 'delivered' : 'failed',
    at: now,
    attempts,
    ...(error === undefined ? {} : { error }),
  });
  if (!settled) return;
  await tx.audit.append([
    {
      at: now,
      actor: 'vigil',
      action: error === undefined ? 'notification.delivered' : 'notification.failed',
      reason: error ?? null,
      model: row.model,
      incidentId: row.incidentId,
      details: {
        kind: row.kind,
        target: row.target,
        step: row.step,
        round: row.round,
        jobId: row.jobId,
        attempts,
        ...(row.reviewId ? { reviewId: row.reviewId } : {}),
      },
    },
  ]);
  if (incident === null || row.kind !== 'notify') return;
  if (error !== undefined)
    await tx.incidents.recordDeliveryFailure(incident.id, { target: row.target, step: row.step, error, at: now });
  else
    await tx.incidents.update(incident.id, {
      escalationStep: Math.max(incident.escalationStep, row.step),
      lastNotifiedAt: now,
    });
  const { chain, upgrade } = chainOf(row.payload);
  if (upgrade || incident.status !== 'firing') return;
  // The next step once every target of this one has settled; a failure among them escalates at once.
  const siblings = (await tx.outbox.ofIncident(incident.id)).filter(
    (r) =>
      r.kind === 'notify' &&
      r.step === row.step &&
      r.round === row.round &&
      chainOf(r.payload).chain === chain &&
      !chainOf(r.payload).upgrade,
  );
  if (siblings.some((r) => r.state === 'pending')) return;
  const failed = siblings.some((r) => r.state === 'failed');
  const next = nextStep(
    policyOf(ctx, incident),
    { chain, step: row.step, round: row.round, deliverAt: row.deliverAt },
    failed,
    now,
  );
  const model = ctx.models.get(incident.model);
  if (next === undefined || model === undefined) return;
  if (await tx.outbox.insert(stepRows(ctx, model, incident, next), now)) ctx.kick();
}

/** The unresolved model-level incident of the incident's model version, if any. */
async function inhibitorOf(tx: Tx, incident: Incident): Promise<Incident | undefined> {
  return (await tx.incidents.open(incident.model, incident.version)).find((i) => i.kind === 'condition');
}

/**
 * The subjects a group's row tells of: notices of the firing ones, and updates also of those resolved since the
 * notice before (as Alertmanager's `send_resolved`), acknowledgements of the open ones, all on resolve.
 */
function listedSubjects(row: OutboxRow, subjects: readonly Incident[]): Incident[] {
  // An update names the time of the notice before it: subjects resolved since are listed as resolved.
  const since = (row.payload as { since?: unknown } | null)?.since;
  if (row.kind === 'notify')
    return subjects.filter(
      (i) =>
        i.status === 'firing' || (i.status === 'resolved' && typeof since === 'number' && (i.resolvedAt ?? 0) > since),
    );
  if (row.kind === 'acknowledge') return subjects.filter((i) => i.status !== 'resolved');
  return [...subjects];
}

/** A notification group's row: one notice about its subjects (notification-groups.ts). */
async function deliverGroupRow(deps: DeliveryDependencies, row: OutboxRow, job: RunningJob): Promise<void> {
  const { ctx } = deps;
  const log = ctx.logger.child({ component: 'alert-delivery' });
  const cancel = async (error: string): Promise<void> => {
    await ctx.store.transaction((tx) =>
      tx.outbox.settle(row.id, { state: 'cancelled', at: ctx.now(), attempts: job.attempt - 1, error }),
    );
  };
  const { group, subjects } = await ctx.store.transaction(async (tx) => ({
    group: await tx.alertGroups.get(row.groupId as string),
    subjects: await tx.incidents.ofGroup(row.groupId as string),
  }));
  if (group === null) return cancel('group is gone');
  if (row.kind === 'acknowledge' && group.status === 'resolved') return cancel('group is resolved');
  const brief = isBriefNotice(row);
  if (row.kind === 'notify' && group.status !== 'firing' && !brief) return cancel(`group is ${group.status}`);
  const listed = listedSubjects(row, subjects);
  if (!listed.some((i) => brief || i.status === (row.kind === 'notify' ? 'firing' : i.status)))
    return cancel('no firing subject in the group (silenced or acknowledged)');
  if (row.kind === 'notify') {
    const versions = new Set(listed.map((i) => i.version));
    const inhibitor = await ctx.store.transaction(async (tx) =>
      (await tx.incidents.open(group.model)).find((i) => i.kind === 'condition' && versions.has(i.version)),
    );
    if (inhibitor !== undefined) return cancel(`inhibited by the ${inhibitor.metric} incident ${inhibitor.id}`);
  }
  const model = ctx.models.get(row.model);
  const notifier = model === undefined ? undefined : deps.notifiers.get(model, row.target);
  try {
    if (model === undefined || notifier === undefined)
      throw deliveryError(
        row.target,
        `no notifier "${row.target}" for model "${row.model}" in the configuration`,
        false,
      );
    const status = row.kind === 'resolve' ? 'resolved' : row.kind === 'acknowledge' ? 'acknowledged' : 'firing';
    await notifier.send(
      groupNotification(group, listed, status, {
        notificationId: row.jobId,
        owner: model.owner.name,
        step: row.step,
        links: deps.links,
      }),
      job.signal,
    );
  } catch (error) {
    const retriable = isVigilError(error) ? error.retriable : true;
    if (job.signal.aborted) throw error;
    if (retriable && job.attempt < job.maxAttempts) {
      log.warn({ target: row.target, attempt: job.attempt, err: error }, 'delivery failed; will retry');
      deps.onDelivery?.({ kind: row.kind, target: row.target, ok: false, final: false });
      throw error;
    }
    log.error({ target: row.target, attempt: job.attempt, group: row.groupId, err: error }, 'delivery failed for good');
    deps.onDelivery?.({ kind: row.kind, target: row.target, ok: false, final: true });
    const message = errorMessage(error);
    await recordOnSubjects(
      deps,
      row,
      await ctx.store.transaction((tx) => settleGroupIn(tx, deps, row, job.attempt, message)),
      message,
    );
    return;
  }
  deps.onDelivery?.({ kind: row.kind, target: row.target, ok: true, final: true });
  await recordOnSubjects(
    deps,
    row,
    await ctx.store.transaction((tx) => settleGroupIn(tx, deps, row, job.attempt, undefined)),
    undefined,
  );
}

/**
 * The notice on each firing subject it told of: its escalation step and last notification, or the failure. One
 * small transaction per incident after the group's is committed: holding the group's lock while waiting for
 * incident rows would invert the order every other path takes (incident, then group) and could deadlock.
 */
async function recordOnSubjects(
  deps: DeliveryDependencies,
  row: OutboxRow,
  subjects: readonly Incident[],
  error: string | undefined,
): Promise<void> {
  const { ctx } = deps;
  if (row.kind !== 'notify') return;
  const now = ctx.now();
  for (const i of subjects.filter((x) => x.status === 'firing')) {
    await ctx.store.transaction(async (tx) => {
      if (error !== undefined)
        await tx.incidents.recordDeliveryFailure(i.id, { target: row.target, step: row.step, error, at: now });
      else {
        const current = await tx.incidents.get(i.id, true);
        if (current !== null)
          await tx.incidents.update(i.id, {
            escalationStep: Math.max(current.escalationStep, row.step),
            lastNotifiedAt: now,
          });
      }
    });
  }
}

/**
 * Settles a group's row and moves the group's escalation on, serialised per group by a row lock. The audit log
 * records the notice on every subject it told of, so each incident's history stays complete.
 */
async function settleGroupIn(
  tx: Tx,
  deps: DeliveryDependencies,
  row: OutboxRow,
  attempts: number,
  error: string | undefined,
): Promise<Incident[]> {
  const { ctx } = deps;
  const now = ctx.now();
  const group = await tx.alertGroups.get(row.groupId as string, true);
  const settled = await tx.outbox.settle(row.id, {
    state: error === undefined ? 'delivered' : 'failed',
    at: now,
    attempts,
    ...(error === undefined ? {} : { error }),
  });
  if (!settled || group === null) return [];
  const listed = listedSubjects(row, await tx.incidents.ofGroup(group.id));
  await tx.audit.append(
    listed.map((i) => ({
      at: now,
      actor: 'vigil',
      action: error === undefined ? 'notification.delivered' : 'notification.failed',
      reason: error ?? null,
      model: row.model,
      incidentId: i.id,
      details: {
        kind: row.kind,
        target: row.target,
        step: row.step,
        round: row.round,
        jobId: row.jobId,
        attempts,
        group: group.groupKey,
        subjects: listed.length,
      },
    })),
  );
  if (row.kind !== 'notify') return listed;
  const current =
    error === undefined
      ? (await tx.alertGroups.update(group.id, {
          escalationStep: Math.max(group.escalationStep, row.step),
          lastNotifiedAt: now,
          updatedAt: now,
        }))!
      : group;
  // A brief notice told of a group that had cleared already: its resolve follows, to the same target.
  if (
    isBriefNotice(row) &&
    error === undefined &&
    (await tx.outbox.insert(groupNoticeRows('resolve', current, [row.target], now), now))
  )
    ctx.kick();
  const { chain, upgrade } = chainOf(row.payload);
  if (upgrade || current.status !== 'firing') return listed;
  const siblings = (await tx.outbox.ofGroup(group.id)).filter(
    (r) =>
      r.kind === 'notify' &&
      r.step === row.step &&
      r.round === row.round &&
      chainOf(r.payload).chain === chain &&
      !chainOf(r.payload).upgrade,
  );
  if (siblings.some((r) => r.state === 'pending')) return listed;
  const failed = siblings.some((r) => r.state === 'failed');
  const next = nextStep(
    policyOf(ctx, current),
    { chain, step: row.step, round: row.round, deliverAt: row.deliverAt },
    failed,
    now,
  );
  const model = ctx.models.get(current.model);
  if (
    next !== undefined &&
    model !== undefined &&
    (await tx.outbox.insert(groupStepRows(ctx, model, current, next), now))
  )
    ctx.kick();
  return listed;
}
