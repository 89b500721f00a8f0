/**
 * Settles the review queue at `now`: timed-out claims go back to `pending`, items past their TTL become `expired`,
 * and the windows of every item that changed are touched so their review rows (reviewBacklog, oldestPendingAge) are
 * analysed again. The runner's maintenance pass calls it, so the queue and its rows stay current without traffic or
 * readers; the reviewer operations call it first, so what a reviewer sees is current.
 */
import { EventTimeWindows } from '@vigil/analyzers';
import type { ModelConfig } from '@vigil/core';
import { type Tx, type Store, type WindowKey } from '@vigil/store';

export async function settleReviewQueueIn(
  tx: Tx,
  models: ReadonlyMap<string, ModelConfig>,
  now: number,
): Promise<{ released: number; expired: number }> {
  // A model configured without a review section (it was removed) has items nobody can claim: they expire now. A
  // model absent from the configuration is left to its TTL: another daemon sharing the database may review it.
  const unreviewed = [...models.values()].filter((m) => !m.review).map((m) => m.id);
  const { released, expired, changed } = await tx.reviewQueue.expire(now, unreviewed);
  const windows: WindowKey[] = [];
  const windowsOf = new Map<string, EventTimeWindows>();
  for (const item of changed) {
    const model = models.get(item.model);
    // A model no longer configured has no windows analysed here.
    if (!model) continue;
    let w = windowsOf.get(model.id);
    if (!w) windowsOf.set(model.id, (w = new EventTimeWindows(model.window)));
    for (const { start, end } of w.windowsOfBucket(w.bucketOf(item.eventTs)))
      windows.push({ model: item.model, version: item.version, start, end });
  }
  await tx.windows.touch(windows);
  return { released, expired };
}

/**
 * {@link settleReviewQueueIn} in its own transaction. It runs even when no model has a `review` section any more:
 * the items queued while one had are settled all the same.
 */
export async function settleReviewQueue(
  store: Pick<Store, 'transaction'>,
  models: readonly ModelConfig[],
  now: number,
): Promise<{ released: number; expired: number }> {
  const byId = new Map(models.map((m) => [m.id, m]));
  return store.transaction((tx) => settleReviewQueueIn(tx, byId, now));
}
