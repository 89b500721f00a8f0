/**
 * The linear surrogate in streaming windows (docs/explanations.md#without-logged-attributions-the-linear-surrogate): the reference's own surrogate is
 * fitted once with its profile (its importances are what a window's ranking is compared with), each bucket keeps
 * the surrogate's sufficient statistics in its accumulator, and a window solves the sum of its buckets.
 */
import type { Table } from '@vigil/core';
import type { AnalysisSpec } from '../profile/analysis-spec';
import type { ReferenceProfile } from '../profile/reference-profile';
import { attributionNdcg } from '../stats/ndcg';
import { attributionShare } from '../stats/protected-share';
import {
  accumulateSurrogate,
  emptySurrogate,
  solveSurrogate,
  surrogateDesign,
  type SurrogateAccumulator,
  type SurrogateDesign,
  type SurrogateFit,
} from '../stats/surrogate';

/** The reference's surrogate, stored in its profile. */
export interface ReferenceSurrogate {
  /** The features the surrogate is over, in design order (every feature of the profile). */
  readonly features: string[];
  /** Per feature: the importance (spread of its contribution to the score's logit) in the reference. */
  readonly importances: Record<string, number>;
  readonly r2: number;
  /** Complete reference rows the fit is over. */
  readonly rows: number;
}

/**
 * The surrogate fitted to the reference table (which the profile was fitted to), or undefined when it has no
 * score column or fewer than two complete rows.
 */
export function fitReferenceSurrogate(
  table: Table,
  profile: ReferenceProfile,
  spec: AnalysisSpec,
): ReferenceSurrogate | undefined {
  if (spec.score === undefined || !table.columns.has(spec.score) || profile.features.length === 0) return undefined;
  const features = profile.features.map((f) => f.name);
  const design = surrogateDesign(profile, spec.task, features);
  const fit = solveSurrogate(accumulateSurrogate(emptySurrogate(design), design, table, spec.score), design);
  if (!fit) return undefined;
  return { features, importances: importanceRecord(fit), r2: fit.r2, rows: fit.n };
}

const designs = new WeakMap<ReferenceProfile, Map<AnalysisSpec['task'], SurrogateDesign>>();

/** The design of a profile's surrogate (cached per profile: every bucket of a batch uses it). */
export function windowSurrogateDesign(
  profile: ReferenceProfile,
  task: AnalysisSpec['task'],
): SurrogateDesign | undefined {
  if (!profile.surrogate) return undefined;
  let byTask = designs.get(profile);
  if (!byTask) designs.set(profile, (byTask = new Map()));
  let design = byTask.get(task);
  if (!design) byTask.set(task, (design = surrogateDesign(profile, task, profile.surrogate.features)));
  return design;
}

/** An empty surrogate accumulator when the profile has a reference surrogate, else undefined. */
export function emptyWindowSurrogate(
  profile: ReferenceProfile,
  task: AnalysisSpec['task'],
): SurrogateAccumulator | undefined {
  const design = windowSurrogateDesign(profile, task);
  return design ? emptySurrogate(design) : undefined;
}

export interface ExplainSpec {
  readonly protected: readonly string[];
  readonly proxies: readonly string[];
  /** Top places NDCG counts. @defaultValue every feature */
  readonly k?: number;
}

/** A window's surrogate: its fit, and its ranking and shares against the reference's surrogate. */
export interface SurrogateWindow {
  readonly r2: number;
  readonly rows: number;
  readonly importances: Record<string, number>;
  readonly ridge: boolean;
  readonly ndcg: number | null;
  readonly protectedShare: number | null;
  readonly proxyShare: number | null;
  /** The window's protected share over the reference's; null when the reference's is 0 or unknown. */
  readonly protectedShareRatio: number | null;
}

/** Undefined when the profile or the accumulator has no surrogate, or the window fewer than two complete rows. */
export function analyzeSurrogateWindow(
  profile: ReferenceProfile,
  acc: SurrogateAccumulator | undefined,
  task: AnalysisSpec['task'],
  explain: ExplainSpec,
): SurrogateWindow | undefined {
  const design = windowSurrogateDesign(profile, task);
  const reference = profile.surrogate;
  if (!design || !reference || !acc || acc.columns !== design.columns.length) return undefined;
  const fit = solveSurrogate(acc, design);
  if (!fit) return undefined;
  const importances = importanceRecord(fit);
  const share = attributionShare(importances, explain.protected, explain.proxies);
  const refShare = attributionShare(reference.importances, explain.protected, explain.proxies).protected;
  const k = explain.k === undefined ? undefined : Math.min(explain.k, design.features.length);
  return {
    r2: fit.r2,
    rows: fit.n,
    importances,
    ridge: fit.ridge,
    ndcg: attributionNdcg(reference.importances, importances, k),
    protectedShare: explain.protected.length > 0 ? share.protected : null,
    proxyShare: explain.proxies.length > 0 ? share.proxies : null,
    protectedShareRatio:
      explain.protected.length > 0 && share.protected !== null && refShare !== null && refShare > 0
        ? share.protected / refShare
        : null,
  };
}

function importanceRecord(fit: SurrogateFit): Record<string, number> {
  return Object.fromEntries(fit.importances.map((i) => [i.feature, i.importance]));
}
