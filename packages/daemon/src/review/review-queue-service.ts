/**
 * The review queue's operations (docs/review.md), shared by the HTTP API, the `/review` page and `vigil queue`: list
 * and show items, claim one (or the next), decide it. Every claim and verdict is written to the audit log in the
 * transaction that makes it, with the reviewer as the actor. Timed-out claims and expired items are settled first
 * (their windows touched), so what a reviewer sees is current.
 */
import { EventTimeWindows, type ReferenceProfile } from '@vigil/analyzers';
import { VigilError, type ModelConfig, type VigilConfig } from '@vigil/core';
import {
  REVIEW_VERDICTS,
  type ReviewItem,
  type ReviewItemStatus,
  type ReviewQueueQuery,
  type ReviewVerdict,
  type Tx,
  type Store,
} from '@vigil/store';
import { latestWindowContext } from './flag-batch';
import { settleReviewQueueIn } from './settle-review-queue';

export const REVIEW_ITEM_STATUSES: readonly ReviewItemStatus[] = [
  'pending',
  'claimed',
  'decided',
  'expired',
  'not_queued',
];
export const FLAG_POLICIES = ['audit', 'borderline', 'unusual', 'group'] as const;

const DAY_MS = 86_400_000;
/** How long a reviewer's label waits for a prediction that left the index (as `vigil run`'s orphan labels do). */
const LABEL_TTL_MS = 7 * DAY_MS;
/** Reasons longer than this are refused: they go to the audit log and into the page. */
export const MAX_REASON_LENGTH = 2000;

export interface VerdictRequest {
  verdict: ReviewVerdict;
  label?: number;
  reason: string;
}

export class ReviewQueueService {
  private readonly models: ReadonlyMap<string, ModelConfig>;

  constructor(
    private readonly store: Pick<Store, 'transaction' | 'profiles'>,
    config: Pick<VigilConfig, 'models'>,
    private readonly now: () => number = Date.now,
  ) {
    this.models = new Map(config.models.map((m) => [m.id, m]));
  }

  /** Models with a `review` section. */
  reviewedModels(): string[] {
    return [...this.models.values()].filter((m) => m.review).map((m) => m.id);
  }

  async list(query: ReviewQueueQuery): Promise<ReviewItem[]> {
    if (query.status !== undefined && !REVIEW_ITEM_STATUSES.includes(query.status)) {
      throw new VigilError(
        'VIGIL_USAGE',
        `status must be one of ${REVIEW_ITEM_STATUSES.join(', ')}, not "${String(query.status).slice(0, 40)}"`,
      );
    }
    if (query.reason !== undefined && !(FLAG_POLICIES as readonly string[]).includes(query.reason)) {
      throw new VigilError(
        'VIGIL_USAGE',
        `reason must be one of ${FLAG_POLICIES.join(', ')}, not "${query.reason.slice(0, 40)}"`,
      );
    }
    return this.store.transaction(async (tx) => {
      const now = this.now();
      await settleReviewQueueIn(tx, this.models, now);
      const items: ReviewItem[] = [];
      for (const item of await tx.reviewQueue.list(query)) items.push(await this.withWindow(tx, item, now));
      return items;
    });
  }

  async show(id: string): Promise<ReviewItem> {
    const item = await this.store.transaction(async (tx) => {
      const now = this.now();
      await settleReviewQueueIn(tx, this.models, now);
      const found = await tx.reviewQueue.get(id);
      return found && this.withWindow(tx, found, now);
    });
    if (!item) throw new VigilError('VIGIL_NOT_FOUND', `no review item ${id.slice(0, 40)}`);
    return item;
  }

  async claim(id: string, reviewer: string): Promise<ReviewItem> {
    return this.store.transaction(async (tx) => {
      const now = this.now();
      await settleReviewQueueIn(tx, this.models, now);
      const found = await tx.reviewQueue.get(id);
      if (!found) throw new VigilError('VIGIL_NOT_FOUND', `no review item ${id.slice(0, 40)}`);
      const item = await tx.reviewQueue.claim(id, reviewer, now, this.claimTimeoutOf(found.model));
      await this.audit(tx, now, reviewer, 'review_item.claimed', item, null);
      return this.withWindow(tx, item, now);
    });
  }

  /** Claims the most urgent item of `models` (every reviewed model when absent) for `reviewer`; null when none waits. */
  async claimNext(reviewer: string, models?: readonly string[]): Promise<ReviewItem | null> {
    return this.store.transaction(async (tx) => {
      const now = this.now();
      await settleReviewQueueIn(tx, this.models, now);
      const next = await tx.reviewQueue.next(reviewer, now, models ?? this.reviewedModels());
      if (!next) return null;
      if (next.status === 'claimed' && next.claimedBy === reviewer && (next.claimExpiresAt ?? 0) > now)
        return this.withWindow(tx, next, now);
      const item = await tx.reviewQueue.claim(next.id, reviewer, now, this.claimTimeoutOf(next.model));
      await this.audit(tx, now, reviewer, 'review_item.claimed', item, null);
      return this.withWindow(tx, item, now);
    });
  }

  async decide(id: string, reviewer: string, request: VerdictRequest): Promise<ReviewItem> {
    return (await this.decideTelling(id, reviewer, request)).item;
  }

  /**
   * {@link decide}, and the label the prediction already carried when the verdict gave one (`keptLabel`): the first
   * label of a prediction wins, so the verdict's label is then not the prediction's ground truth (docs/review.md).
   */
  async decideTelling(
    id: string,
    reviewer: string,
    request: VerdictRequest,
  ): Promise<{ item: ReviewItem; keptLabel?: number }> {
    if (!REVIEW_VERDICTS.includes(request.verdict))
      throw new VigilError(
        'VIGIL_USAGE',
        `verdict must be agree or override, not "${String(request.verdict).slice(0, 40)}"`,
      );
    const reason = request.reason.trim();
    if (reason === '') throw new VigilError('VIGIL_USAGE', 'a verdict needs a reason');
    if (reason.length > MAX_REASON_LENGTH)
      throw new VigilError('VIGIL_USAGE', `the reason is longer than ${MAX_REASON_LENGTH} characters`);
    return this.store.transaction(async (tx) => {
      const now = this.now();
      const found = await tx.reviewQueue.get(id);
      if (!found) throw new VigilError('VIGIL_NOT_FOUND', `no review item ${id.slice(0, 40)}`);
      checkLabel(this.models.get(found.model), found, request);
      const kept =
        request.label === undefined ? undefined : await tx.reviewQueue.predictionLabel(found.model, found.predictionId);
      const item = await tx.reviewQueue.decide(id, reviewer, now, {
        verdict: request.verdict,
        reason,
        labelTtlMs: LABEL_TTL_MS,
        ...(request.label !== undefined ? { label: request.label } : {}),
      });
      await this.audit(tx, now, reviewer, 'review_item.decided', item, reason);
      // The windows of the prediction are analysed again: their decided rows and override rate changed.
      const model = this.models.get(item.model);
      if (model) {
        const windows = new EventTimeWindows(model.window);
        await tx.windows.touch(
          windows
            .windowsOfBucket(windows.bucketOf(item.eventTs))
            .map((w) => ({ model: item.model, version: item.version, start: w.start, end: w.end })),
        );
      }
      return { item, ...(kept === undefined || kept === null ? {} : { keptLabel: kept }) };
    });
  }

  modelConfig(id: string): ModelConfig | undefined {
    return this.models.get(id);
  }

  /** The profile a version's windows are analysed with (pinned by `vigil run`), if any. */
  async referenceProfile(model: string, version: string): Promise<ReferenceProfile | undefined> {
    return (await this.store.profiles.loadPinned<ReferenceProfile>(model, version))?.profile;
  }

  /** The item `reviewer` holds a live claim on, if any (the most urgent). */
  async currentClaim(reviewer: string): Promise<ReviewItem | undefined> {
    const now = this.now();
    const claimed = await this.list({ status: 'claimed', limit: 10_000 });
    return claimed.find((i) => i.claimedBy === reviewer && (i.claimExpiresAt ?? 0) > now);
  }

  /** Pending items of the reviewed models (at most 1,000 counted). */
  async waiting(): Promise<number> {
    const models = new Set(this.reviewedModels());
    return (await this.list({ status: 'pending', limit: 1000 })).filter((i) => models.has(i.model)).length;
  }

  /** Items `reviewer` decided today (UTC). */
  async decidedToday(reviewer: string): Promise<number> {
    const now = this.now();
    const start = Math.floor(now / DAY_MS) * DAY_MS;
    return this.store.transaction((tx) => tx.reviewQueue.countDecided(reviewer, start, start + DAY_MS));
  }

  /**
   * An item flagged before any window of its model was analysed (a file replay flags every event before the first
   * analysis; a daemon's first hour) has no window in its context. Once one is, the first read fills it in: the
   * latest analysed window at or before the event, as flagging would have found it, marked `windowFilledAt`. Only
   * items still waiting for a reviewer are filled (retention erases settled ones' context).
   */
  private async withWindow(tx: Tx, item: ReviewItem, now: number): Promise<ReviewItem> {
    const model = this.models.get(item.model);
    if (!model || 'window' in item.context || (item.status !== 'pending' && item.status !== 'claimed')) return item;
    const rows = await tx.metrics.rows(item.model, {
      from: item.eventTs - 3 * model.window.sizeMs,
      to: item.eventTs + 1,
    });
    const found = latestWindowContext(rows);
    if (!('window' in found)) return item;
    const patch = { ...found, windowFilledAt: now };
    return (await tx.reviewQueue.fillContext(item.id, patch))
      ? { ...item, context: { ...item.context, ...patch } }
      : item;
  }

  private claimTimeoutOf(model: string): number {
    const review = this.models.get(model)?.review;
    if (!review)
      throw new VigilError(
        'VIGIL_CONFLICT',
        `model ${model} has no review section in this configuration: its items cannot be claimed here`,
      );
    return review.claimTimeoutMs;
  }

  private async audit(
    tx: Tx,
    at: number,
    actor: string,
    action: string,
    item: ReviewItem,
    reason: string | null,
  ): Promise<void> {
    await tx.audit.append([
      {
        at,
        actor,
        action,
        reason,
        model: item.model,
        details: {
          reviewItem: item.id,
          predictionId: item.predictionId,
          version: item.version,
          ...(action === 'review_item.decided'
            ? { verdict: item.verdict, label: item.label }
            : { claimExpiresAt: new Date(item.claimExpiresAt ?? at).toISOString() }),
        },
      },
    ]);
  }
}

/**
 * A label must fit the model (0 or 1 for a binary model, a finite number for regression) and the verdict: agreeing
 * with a binary prediction while giving the other class, or overriding it with the same class, is a contradiction.
 */
function checkLabel(model: ModelConfig | undefined, item: ReviewItem, request: VerdictRequest): void {
  if (request.label === undefined) return;
  if (!Number.isFinite(request.label)) throw new VigilError('VIGIL_USAGE', 'the label must be a finite number');
  if (model?.task === 'regression') return;
  if (request.label !== 0 && request.label !== 1)
    throw new VigilError('VIGIL_USAGE', `the label of a binary model is 0 or 1, not ${request.label}`);
  if (item.prediction === null) return;
  if (request.verdict === 'agree' && request.label !== item.prediction) {
    throw new VigilError(
      'VIGIL_USAGE',
      `agree with the prediction ${item.prediction} but label ${request.label}: use override`,
    );
  }
  if (request.verdict === 'override' && request.label === item.prediction) {
    throw new VigilError('VIGIL_USAGE', `override the prediction ${item.prediction} with the same label: use agree`);
  }
}
