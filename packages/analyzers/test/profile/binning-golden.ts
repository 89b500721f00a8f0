/** Loader of test/golden/binning.json, written by scripts/golden/binning_vectors.py from numpy and scipy. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BinningCase {
  name: string;
  reference: (number | null)[];
  current: (number | null)[];
  pointMasses: number[];
  edges: number[];
  fineEdges: number[];
  plainEdges: number[];
  referenceCounts: number[];
  currentCounts: number[];
  fineReferenceCounts: number[];
  fineCurrentCounts: number[];
  metrics: { psi: number; js: number; hellinger: number };
  plainMetrics: { psi: number; js: number; hellinger: number };
}
export const binningGolden = JSON.parse(readFileSync(join(__dirname, '../golden/binning.json'), 'utf8')) as {
  k: number;
  fineK: number;
  cases: BinningCase[];
};
/** A golden sample as a numeric column (null is a missing value). */
export const column = (values: (number | null)[]): Float64Array => Float64Array.from(values, (v) => v ?? Number.NaN);
