import type { FeatureKind } from '@vigil/core';

/**
 * How `drifted` is decided (docs/metrics.md). Small samples: a test — KS for numeric, chi-square for categorical —
 * whose Benjamini–Hochberg adjusted p-value is compared with the false-discovery rate. Large samples: an effect
 * size, because with hundreds of thousands of rows every test rejects for shifts no one cares about; PSI ≥ 0.2 is
 * the long-standing "significant shift" convention of credit-risk model monitoring.
 */
export const DRIFT_DEFAULTS = {
  /** At most this many rows on the smaller side → decide by test. @defaultValue 1000 */
  smallSample: 1000,
  /** @defaultValue 0.2 */
  psi: 0.2,
} as const;

export type DriftMethod = 'ks' | 'chi2' | 'psi';

export function driftMethod(kind: FeatureKind, referenceRows: number, currentRows: number): DriftMethod {
  if (Math.min(referenceRows, currentRows) <= DRIFT_DEFAULTS.smallSample) return kind === 'numeric' ? 'ks' : 'chi2';
  return 'psi';
}
