import type { FeatureKind } from '@vigil/core';

/** What to analyse in a table of predictions: the compiled form of a model's config or of `vigil report` flags. */
export interface AnalysisSpec {
  readonly task: 'binary' | 'regression';
  readonly features: readonly { readonly name: string; readonly kind: FeatureKind }[];
  /** Column with the predicted probability (binary) or predicted value (regression). */
  readonly score?: string;
  /** Column with the predicted class; when absent it is `score >= threshold`. */
  readonly prediction?: string;
  readonly label?: string;
  /** Group attributes; an intersection is written `a*b` and its groups `x*y`. */
  readonly groups: readonly string[];
  /** @defaultValue 0.5 */
  readonly threshold: number;
  /** @defaultValue 30 */
  readonly minGroupSize: number;
  /** Benjamini–Hochberg false-discovery rate for p-value based decisions. @defaultValue 0.05 */
  readonly fdr: number;
  /**
   * Logged attributions (docs/explanations.md): a feature's attributions are the numeric column `prefix` + its
   * name (a table without it carries none). Absent → attributions are not read.
   */
  readonly attributions?: AttributionSpec;
}

/** The model's `explain` section, with where a table keeps the attributions. */
export interface AttributionSpec {
  readonly prefix: string;
  readonly protected: readonly string[];
  readonly proxies: readonly string[];
  readonly k?: number;
}

export const SPEC_DEFAULTS = { threshold: 0.5, minGroupSize: 30, fdr: 0.05 } as const;

/** The columns of a group attribute: `sex` → [sex], `sex*race` → [sex, race]. */
export function groupColumns(attribute: string): string[] {
  return attribute.split('*').map((s) => s.trim());
}
