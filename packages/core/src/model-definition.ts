import type { FeatureKind } from './table';

/**
 * A monitored model as the pipeline needs it: the compiled, validated form of one `models[]` entry of vigil.yaml
 * (docs/configuration.md, "models"). The collector decodes events against it; the analyzers build their AnalysisSpec from it.
 */
export interface ModelDefinition {
  readonly id: string;
  readonly task: 'binary' | 'regression';
  /** Decision threshold of a binary model: `prediction` defaults to `score >= threshold`. */
  readonly threshold: number;
  /** Feature name → kind, in the order of the config. */
  readonly features: Readonly<Record<string, FeatureKind>>;
  /** Group attributes (fairness, segments); intersections are written `a*b`. */
  readonly groups: readonly string[];
}
