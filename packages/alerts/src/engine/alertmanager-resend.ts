/**
 * Keeps Alertmanager told. Alertmanager keeps no alert across a restart and ends one whose `endsAt` passes; its
 * client guide asks clients to re-send active alerts continuously (every 30 s to 3 min). Every `resend` interval
 * of each `alertmanager` notifier, the running daemon re-sends, from Postgres, every unresolved incident (firing,
 * acknowledged or silenced) that notifier was notified of, with the incident's true `startsAt` and a fresh
 * `endsAt` a few intervals ahead.
 *
 * Acknowledged and silenced incidents are re-sent too: a re-send is state, not a notification (Alertmanager
 * notifies on its own grouping and repeat rules), and letting the alert lapse would make Alertmanager announce a
 * resolution that did not happen. Several daemons may re-send the same alerts: Alertmanager merges alerts by label
 * set, keeps the earliest `startsAt` and the latest `endsAt`, so every copy says the same thing (the way redundant
 * Prometheus servers share one Alertmanager).
 *
 * A re-send that crosses a resolve (read as open, delivered after the resolve notice) would re-open the alert: after
 * each post the incidents are read again and those resolved meanwhile are sent resolved once more.
 */
import type { NotifierConfig } from '@vigil/core';
import { type Incident, type Tx } from '@vigil/store';
import {
  ALERTMANAGER_HOLD_INTERVALS,
  ALERTMANAGER_RESEND_MS,
  alertmanagerAlert,
  alertmanagerUrl,
} from '../notifiers/http-notifiers';
import { postJson } from '../notifiers/notifier';
import { incidentPayload, type Notification, type PayloadLinks } from '../notifiers/payload';
import type { AlertingContext } from './alerting-context';

export interface ResendTarget {
  name: string;
  url: string;
  resendMs: number;
}

/** The `alertmanager` notifiers of the configuration, with their re-send interval. */
export function resendTargets(notifiers: Readonly<Record<string, NotifierConfig>>): ResendTarget[] {
  return Object.entries(notifiers).flatMap(([name, n]) =>
    n.type === 'alertmanager' ? [{ name, url: n.url, resendMs: n.resendMs ?? ALERTMANAGER_RESEND_MS }] : [],
  );
}

function notificationOf(
  ctx: AlertingContext,
  links: PayloadLinks,
  target: string,
  incident: Incident,
  groupKey: string | null,
): Notification | undefined {
  const model = ctx.models.get(incident.model);
  if (model === undefined) return undefined;
  const payload = incidentPayload(incident, {
    notificationId: `vigil.${incident.id}.resend.${target}`,
    owner: model.owner.name,
    step: Math.max(0, incident.escalationStep),
    links,
    groupKey,
  });
  return { kind: 'incident', payload, openedAt: incident.openedAt, resolvedAt: incident.resolvedAt };
}

/** The open incidents `target` must keep showing, read from Postgres. */
/** The group label a grouped subject's alert was posted with (the same on every re-send). */
async function groupKeyIn(tx: Tx, incident: Incident): Promise<string | null> {
  return incident.notificationGroup === null
    ? null
    : ((await tx.alertGroups.get(incident.notificationGroup))?.groupKey ?? null);
}

export async function openAlertsOf(ctx: AlertingContext, links: PayloadLinks, target: string): Promise<Notification[]> {
  return ctx.store.transaction(async (tx) => {
    const out: Notification[] = [];
    for (const { incidentId } of await tx.outbox.openIncidentsNotifiedAt([target])) {
      const incident = await tx.incidents.get(incidentId);
      if (incident === null || incident.status === 'resolved') continue;
      const n = notificationOf(ctx, links, target, incident, await groupKeyIn(tx, incident));
      if (n) out.push(n);
    }
    return out;
  });
}

/**
 * Posts `alerts` (from `openAlertsOf`) to the target in one request, then re-sends as resolved those whose incident
 * resolved in between. Returns how many alerts were posted as open.
 */
export async function resendAlerts(
  ctx: AlertingContext,
  links: PayloadLinks,
  target: ResendTarget,
  alerts: readonly Notification[],
  signal: AbortSignal,
  timeoutMs: number,
): Promise<number> {
  if (alerts.length === 0) return 0;
  const url = alertmanagerUrl(target.url);
  const holdMs = ALERTMANAGER_HOLD_INTERVALS * target.resendMs;
  await postJson(
    target.name,
    url,
    alerts.map((n) => alertmanagerAlert(n, { now: ctx.now(), holdMs })),
    signal,
    timeoutMs,
  );
  const ids = alerts.flatMap((n) => (n.kind === 'incident' ? [n.payload.incidentId] : []));
  const resolved = await ctx.store.transaction(async (tx) => {
    const out: Notification[] = [];
    for (const id of ids) {
      const incident = await tx.incidents.get(id);
      if (incident?.status !== 'resolved') continue;
      const n = notificationOf(ctx, links, target.name, incident, await groupKeyIn(tx, incident));
      if (n) out.push(n);
    }
    return out;
  });
  if (resolved.length > 0)
    await postJson(
      target.name,
      url,
      resolved.map((n) => alertmanagerAlert(n, { now: ctx.now(), holdMs })),
      signal,
      timeoutMs,
    );
  return alerts.length;
}

/** One timer per `alertmanager` notifier; passes of a target never overlap. */
export class AlertmanagerResender {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly passes = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(
    private readonly ctx: AlertingContext,
    private readonly links: PayloadLinks,
    private readonly timeoutMs: number,
    private readonly targets: readonly ResendTarget[] = resendTargets(ctx.config.notifiers),
  ) {}

  /** The first pass is at once: a daemon that starts re-tells an Alertmanager that may have restarted with it. */
  start(): void {
    for (const target of this.targets) this.schedule(target, 0);
  }

  /** One pass for a target now (tests); returns how many alerts were re-sent. */
  async pass(target: ResendTarget): Promise<number> {
    return resendAlerts(
      this.ctx,
      this.links,
      target,
      await openAlertsOf(this.ctx, this.links, target.name),
      this.abort.signal,
      this.timeoutMs,
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.abort.abort();
    await Promise.allSettled([...this.passes]);
  }

  private schedule(target: ResendTarget, ms: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      const run = this.pass(target)
        .then(
          (n) =>
            this.ctx.logger.debug(
              { component: 'alertmanager-resend', target: target.name, alerts: n },
              're-sent open alerts',
            ),
          (error: unknown) => {
            if (!this.stopped)
              this.ctx.logger.warn(
                { component: 'alertmanager-resend', target: target.name, err: error },
                're-sending open alerts failed; next try in one interval',
              );
          },
        )
        .finally(() => {
          this.passes.delete(run);
          this.schedule(target, target.resendMs);
        });
      this.passes.add(run);
    }, ms);
    timer.unref();
    this.timers.set(target.name, timer);
  }
}
