import type { Report } from '@vigil/analyzers';

/**
 * How a report beyond its memory budget was computed, in words (the JSON's `computation`); nothing when the files
 * were read whole, which is every report that fits.
 */
export function computationLine(report: Report): string | undefined {
  const c = report.computation;
  if (c === undefined || c.reading === 'in-memory') return undefined;
  const gb = (bytes: number): string =>
    bytes < 1e9 ? `${Math.round(bytes / 1e6)} MB` : `${(bytes / 1e9).toFixed(1)} GB`;
  const binned = report.drift.filter((d) => d.statistics === 'binned');
  const worst = binned.reduce((m, d) => Math.max(m, d.ksErrorBound ?? 0), 0);
  return (
    `Computation: the files need about ${gb(c.estimatedInMemory)} read whole, over the memory budget of ${gb(c.memoryBudget)}; ` +
    `${c.spilledColumns} numeric columns were spilled to a temporary file and analysed one at a time; ` +
    (c.binnedColumns === 0
      ? 'every statistic is exact.'
      : `${c.binnedColumns} of them binned (KS within ${worst.toPrecision(2)} of exact; see each feature's ksErrorBound and wassersteinErrorBound).`)
  );
}
