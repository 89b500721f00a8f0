/**
 * The flagging policies of `models[].review` (docs/review.md), as pure functions of one decoded prediction: which
 * policies pick it, how urgent it is, and which of a batch's flagged predictions fit the hour's remaining capacity.
 * The random samples (audit, groups) draw one uniform number per (model, event id, policy) from a hash of those, so a
 * batch re-delivered after a crash, or `vigil report --review-out` over the same events, decides exactly alike.
 */
import { compositeKey, seededRandom, type ModelConfig, type ReviewConfig } from '@vigil/core';
import { nextUp, type NumericProfile, type ReferenceProfile } from '@vigil/analyzers';
import { allotReviewCapacity } from '@vigil/store';

/** One decoded prediction as the policies see it. Missing values are null (never NaN). */
export interface ReviewCandidate {
  readonly id: string;
  /** Event time, epoch ms. */
  readonly ts: number;
  readonly version: string;
  readonly score: number | null;
  readonly prediction: number | null;
  /** Every feature of the model, in the order of the config. */
  readonly features: Readonly<Record<string, number | string | null>>;
  /** The raw group attribute values. */
  readonly groups: Readonly<Record<string, string | null>>;
}

export type FlagReason =
  | { readonly policy: 'audit'; readonly rate: number }
  | { readonly policy: 'borderline'; readonly distance: number; readonly margin: number }
  | {
      readonly policy: 'unusual';
      readonly kind: 'out_of_range';
      readonly feature: string;
      readonly value: number;
      readonly range: readonly [number, number];
      /** `config`: `unusual.ranges`; `reference`: the reference's [p0.5, p99.5]. */
      readonly rangeFrom: 'config' | 'reference';
    }
  | { readonly policy: 'unusual'; readonly kind: 'new_category'; readonly feature: string; readonly value: string }
  | { readonly policy: 'unusual'; readonly kind: 'missing'; readonly feature: string }
  | { readonly policy: 'group'; readonly attribute: string; readonly value: string; readonly probability: number };

export type FlagPolicy = FlagReason['policy'];

/** What the `unusual` policy compares a version's values with. */
export interface UnusualBounds {
  /** Numeric feature → inclusive range and where it comes from. */
  readonly ranges: ReadonlyMap<string, { range: readonly [number, number]; from: 'config' | 'reference' }>;
  /** Categorical feature → the categories its reference saw; absent without a reference profile. */
  readonly categories: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The reference quantiles outside which a numeric value is unusual. */
export const UNUSUAL_QUANTILES = [0.005, 0.995] as const;

/**
 * Per numeric feature its configured range, else the reference's [p0.5, p99.5]; per categorical feature the
 * categories of the reference. Without a profile only configured ranges apply.
 */
export function unusualBounds(
  model: Pick<ModelConfig, 'features'>,
  review: ReviewConfig,
  profile: ReferenceProfile | undefined,
): UnusualBounds {
  const ranges = new Map<string, { range: readonly [number, number]; from: 'config' | 'reference' }>();
  const categories = new Map<string, ReadonlySet<string>>();
  const configured = review.unusual?.ranges ?? {};
  for (const [name, kind] of Object.entries(model.features)) {
    if (kind === 'numeric' && Object.hasOwn(configured, name)) {
      ranges.set(name, { range: configured[name]!, from: 'config' });
      continue;
    }
    const fitted = profile?.features.find((f) => f.name === name);
    if (fitted?.kind === 'numeric' && kind === 'numeric') {
      const low = profileQuantile(fitted, UNUSUAL_QUANTILES[0]);
      const high = profileQuantile(fitted, UNUSUAL_QUANTILES[1]);
      if (Number.isFinite(low) && Number.isFinite(high)) ranges.set(name, { range: [low, high], from: 'reference' });
    } else if (fitted?.kind === 'categorical' && kind === 'categorical')
      categories.set(name, new Set(fitted.categories));
  }
  return { ranges, categories };
}

/**
 * The q-quantile of a numeric profile from its percentile bins. The reference's distribution function is known at
 * the minimum (0), at each fine edge (the share of values below it) and at the maximum (1), and taken as linear in
 * between. A point mass v has the bin [v, nextUp(v)) of its own: a quantile falling in it is v itself, so the
 * reference's common values (zeros, say) are never outside its range.
 */
export function profileQuantile(p: NumericProfile, q: number): number {
  const n = p.rows - p.missing;
  if (n <= 0 || !Number.isFinite(p.min) || !Number.isFinite(p.max)) return Number.NaN;
  const knots: { x: number; share: number }[] = [{ x: p.min, share: 0 }];
  let below = 0;
  p.fineEdges.forEach((x, i) => {
    below += p.fineCounts[i] ?? 0;
    if (x >= p.min && x <= p.max) knots.push({ x, share: below / n });
  });
  knots.push({ x: p.max, share: 1 });
  knots.sort((a, b) => a.x - b.x || a.share - b.share);
  for (let j = 1; j < knots.length; j++) {
    const a = knots[j - 1]!;
    const b = knots[j]!;
    if (b.share < q) continue;
    if (b.x === a.x || b.x === nextUp(a.x) || b.share === a.share) return a.x;
    return a.x + ((q - a.share) / (b.share - a.share)) * (b.x - a.x);
  }
  return p.max;
}

/** The uniform number in [0, 1) that event `id` of `model` draws for `salt` (a policy), the same on every run. */
export function eventUniform(model: string, id: string, salt: string): number {
  return seededRandom(fnv1a(compositeKey(model, id, salt)))();
}

/** FNV-1a, 32 bits, over the UTF-16 code units. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Every reason the model's policies flag `event` for; empty when none does. */
export function judgeEvent(
  model: Pick<ModelConfig, 'id' | 'threshold'> & { review: ReviewConfig },
  event: ReviewCandidate,
  bounds: UnusualBounds,
): FlagReason[] {
  const review = model.review;
  const reasons: FlagReason[] = [];
  if (review.audit && eventUniform(model.id, event.id, 'audit') < review.audit.rate)
    reasons.push({ policy: 'audit', rate: review.audit.rate });
  if (review.borderline && event.score !== null) {
    const distance = Math.abs(event.score - model.threshold);
    if (distance < review.borderline.margin)
      reasons.push({ policy: 'borderline', distance, margin: review.borderline.margin });
  }
  if (review.unusual) {
    for (const [feature, value] of Object.entries(event.features)) {
      if (value === null) {
        if (review.unusual.required.includes(feature)) reasons.push({ policy: 'unusual', kind: 'missing', feature });
      } else if (typeof value === 'number') {
        const bound = bounds.ranges.get(feature);
        if (bound && (value < bound.range[0] || value > bound.range[1])) {
          reasons.push({
            policy: 'unusual',
            kind: 'out_of_range',
            feature,
            value,
            range: bound.range,
            rangeFrom: bound.from,
          });
        }
      } else {
        const seen = bounds.categories.get(feature);
        if (seen && !seen.has(value)) reasons.push({ policy: 'unusual', kind: 'new_category', feature, value });
      }
    }
  }
  for (const sample of review.groups) {
    if (event.groups[sample.attribute] !== sample.value) continue;
    if (eventUniform(model.id, event.id, `group:${sample.attribute}=${sample.value}`) < sample.probability) {
      reasons.push({
        policy: 'group',
        attribute: sample.attribute,
        value: sample.value,
        probability: sample.probability,
      });
    }
  }
  return reasons;
}

/**
 * How urgent a flagged prediction is for the queue: the audit sample first (2: its worth is being unbiased, which
 * only holds when it is always queued), then unusual (1) and borderline ones (1 − distance/margin: the closer to the
 * threshold, the more urgent), then the group samples alone (0).
 */
export function flagPriority(reasons: readonly FlagReason[]): number {
  let priority = 0;
  for (const r of reasons) {
    if (r.policy === 'audit') return 2;
    if (r.policy === 'unusual') priority = Math.max(priority, 1);
    else if (r.policy === 'borderline') priority = Math.max(priority, 1 - r.distance / r.margin);
  }
  return priority;
}

/** The reserves of a model's hourly capacity (docs/review.md, "Capacity"): the audit sample's, then each group sample's. */
export function capacityReserves(review: ReviewConfig): Record<string, number> {
  const reserves: Record<string, number> = {};
  if (review.audit && review.audit.reserve > 0) reserves.audit = review.audit.reserve;
  for (const g of review.groups) if (g.reserve > 0) reserves[groupReserveKey(g.attribute, g.value)] = g.reserve;
  return reserves;
}

export function groupReserveKey(attribute: string, value: string): string {
  return `group:${attribute}=${value}`;
}

/** The reserves a flagged prediction may be charged to, in order: the audit sample's first, then its groups'. */
export function reserveKeys(reasons: readonly FlagReason[]): string[] {
  const keys: string[] = [];
  if (reasons.some((r) => r.policy === 'audit')) keys.push('audit');
  for (const r of reasons) if (r.policy === 'group') keys.push(groupReserveKey(r.attribute, r.value));
  return keys;
}

export interface Allotment<T> {
  readonly queued: T[];
  readonly notQueued: T[];
}

/**
 * Splits the flagged predictions of one clock hour into those queued and those counted as not queued, as `vigil
 * run` does with one batch: by priority (equal priorities by the event's own draw, so the choice is fair and
 * repeatable), each charged to its reserve first, else to the shared capacity (allotReviewCapacity). Without
 * reserves, the first `capacity` by priority. Both keep the input order.
 */
export function allotCapacity<T extends { priority: number; id: string; reserves?: readonly string[] }>(
  model: string,
  flagged: readonly T[],
  capacity: number,
  reserves: Readonly<Record<string, number>> = {},
): Allotment<T> {
  if (flagged.length <= capacity && Object.keys(reserves).length === 0) return { queued: [...flagged], notQueued: [] };
  const keyed = flagged.map((item, index) => ({ item, index, draw: eventUniform(model, item.id, 'capacity') }));
  const ranked = [...keyed].sort((a, b) => b.item.priority - a.item.priority || a.draw - b.draw || a.index - b.index);
  const { queued } = allotReviewCapacity(
    capacity,
    reserves,
    { queued: 0, reserved: {} },
    ranked.map((k) => k.item),
  );
  const chosen = new Set(ranked.filter((_, i) => queued[i]).map((k) => k.index));
  return {
    queued: keyed.filter((k) => chosen.has(k.index)).map((k) => k.item),
    notQueued: keyed.filter((k) => !chosen.has(k.index)).map((k) => k.item),
  };
}
