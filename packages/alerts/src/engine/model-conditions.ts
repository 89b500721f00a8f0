/**
 * Model-level conditions (no traffic, no reference profile): one incident per (model, version, condition). While
 * one is unresolved, no feature-, group- or model-metric incident opens for that model version, and those already
 * open send nothing — without traffic or a reference, those metrics say nothing (Alertmanager calls this
 * inhibition). When the condition ends, the muted incidents that still fire start their escalation again.
 */
import { type Tx } from '@vigil/store';
import type { AlertingContext } from './alerting-context';
import { openIncidentIn, resolveIncidentIn, scheduleFromStartIn } from './incident-transitions';

export type ModelConditionName = 'no_reference_profile' | 'no_traffic';

export interface ModelCondition {
  model: string;
  version: string;
  condition: ModelConditionName;
  /** true: the condition holds now; false: it no longer does (resolves the incident). */
  active: boolean;
  detail?: string;
}

const SEVERITY: Record<ModelConditionName, 'warning' | 'critical'> = {
  no_traffic: 'critical',
  no_reference_profile: 'warning',
};

export async function modelConditionIn(tx: Tx, ctx: AlertingContext, c: ModelCondition): Promise<void> {
  const model = ctx.models.get(c.model);
  if (model === undefined) return;
  const open = (await tx.incidents.open(c.model, c.version)).find(
    (i) => i.kind === 'condition' && i.metric === c.condition,
  );
  if (c.active) {
    if (open) {
      if ((c.detail ?? null) !== open.detail)
        await tx.incidents.update(open.id, { detail: c.detail ?? null, updatedAt: ctx.now() });
      return;
    }
    await openIncidentIn(
      tx,
      ctx,
      model,
      {
        model: c.model,
        version: c.version,
        metric: c.condition,
        feature: '',
        group: '',
        kind: 'condition',
        severity: SEVERITY[c.condition],
        value: null,
        threshold: null,
        comparison: null,
        windowStart: null,
        windowEnd: null,
        windowRows: null,
        detail: c.detail ?? null,
      },
      c.detail ?? c.condition.replace(/_/g, ' '),
    );
  } else if (open) {
    await resolveIncidentIn(tx, ctx, open, 'vigil', `${c.condition.replace(/_/g, ' ')} no longer holds`);
    // Incidents it muted start their escalation again, unless another condition still holds.
    const rest = await tx.incidents.open(c.model, c.version);
    if (rest.some((i) => i.kind === 'condition')) return;
    const now = ctx.now();
    // One restart per notification group (its subjects share one escalation).
    const groups = new Set<string>();
    for (const muted of rest.filter((i) => i.kind === 'rule' && i.status === 'firing')) {
      if (muted.notificationGroup !== null && groups.has(muted.notificationGroup)) continue;
      if (muted.notificationGroup !== null) groups.add(muted.notificationGroup);
      await scheduleFromStartIn(tx, ctx, model, muted, `i${now}`, now);
    }
  }
}
