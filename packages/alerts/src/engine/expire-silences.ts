/**
 * Silences end by themselves: an incident whose silence ran out goes back to firing and its escalation starts
 * again. Evaluations do this as well when the subject breaches again; this sweep covers subjects that stopped
 * producing windows.
 */
import type { AlertingContext } from './alerting-context';
import { unsilenceIncidentIn } from './incident-transitions';

export async function expireSilences(ctx: AlertingContext): Promise<number> {
  const now = ctx.now();
  const silenced = await ctx.store.transaction((tx) => tx.incidents.list({ statuses: ['silenced'], limit: 1000 }));
  let n = 0;
  for (const candidate of silenced) {
    if (candidate.silencedUntil === null || candidate.silencedUntil > now) continue;
    const model = ctx.models.get(candidate.model);
    if (model === undefined) continue;
    await ctx.store.transaction(async (tx) => {
      const incident = await tx.incidents.get(candidate.id, true);
      if (incident?.status !== 'silenced' || incident.silencedUntil === null || incident.silencedUntil > now) return;
      await unsilenceIncidentIn(tx, ctx, model, incident);
      n += 1;
    });
  }
  return n;
}
