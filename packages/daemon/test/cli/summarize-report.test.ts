import { FEATURE_LINES, FOLDED_NAMES, summarizeReport } from '../../src/cli/summarize-report';
import { gateLines, judgeByDefaults } from '../../src/cli/report-gates';
import type { Report } from '@vigil/analyzers';
import { fullReport } from '../report/report-fixtures';

describe('summarizeReport: the explanations line', () => {
  it('says when the surrogate was fitted on a sample of a wide and long file, with the rows fitted', () => {
    const report = fullReport();
    const line = (r: typeof report): string =>
      summarizeReport(r)
        .split('\n')
        .find((l) => l.startsWith('Explanations'))!;
    expect(line(report)).toMatch(/^Explanations \(linear surrogate, R² /);
    const x = report.explanations!;
    const sampled = {
      ...report,
      explanations: {
        ...x,
        surrogate: {
          ...x.surrogate!,
          rows: { reference: 4000, current: 3998 },
          fitSample: { seed: 15, completeRows: 4000 },
        },
      },
    };
    expect(line(sampled)).toMatch(/^Explanations \(linear surrogate on a sample of 4000 and 3998 rows, R² /);
  });
});

describe('summarizeReport: a weak surrogate (R² under 0.5), as the HTML report warns', () => {
  const withR2 = (reference: number, current: number): Report => {
    const report = fullReport();
    return { ...report, explanations: { ...report.explanations!, surrogateR2: { reference, current } } };
  };
  const warning = (r: Report): string | undefined =>
    summarizeReport(r)
      .split('\n')
      .find((l) => l.includes('R² under'));

  it('warns under the Explanations line, naming the file whose fit is weak', () => {
    const lines = summarizeReport(withR2(0.523, 0.271)).split('\n');
    const at = lines.findIndex((l) => l.startsWith('Explanations'));
    expect(lines[at]).toContain('R² 0.523 → 0.271');
    expect(lines[at + 1]).toBe(
      '  warning: R² under 0.5 in the current file: the model is far from linear there, and these importances describe the surrogate more than the model',
    );
    expect(warning(withR2(0.3, 0.2))).toContain('in the reference and the current file:');
  });

  it('says nothing when both fits reach 0.5', () => {
    expect(warning(withR2(0.5, 0.93))).toBeUndefined();
  });
});

describe('summarizeReport: measured performance of a partly labelled current file', () => {
  it('says over how many of the current rows, when not all are labelled', () => {
    const report = fullReport();
    const line = (r: Report): string =>
      summarizeReport(r)
        .split('\n')
        .find((l) => l.startsWith('Performance'))!;
    const partly = {
      ...report,
      rows: { ...report.rows, current: 8000 },
      performance: { ...report.performance!, rows: 100 },
    };
    expect(line(partly)).toMatch(/^Performance over 100 of 8,000 rows \(labelled\): accuracy 0\.812/);
    const all = { ...report, rows: { ...report.rows, current: 7500 } };
    expect(line(all)).toMatch(/^Performance: accuracy 0\.812/);
  });
});

describe('summarizeReport: the per-feature lines of a wide report', () => {
  /** `report` with `n` features copied from its first, the ones at `drifted` marked drifted. */
  const wide = (n: number, drifted: ReadonlySet<number>) => {
    const report = fullReport();
    const base = report.drift[0]!;
    const drift = Array.from({ length: n }, (_, i) => ({
      ...base,
      feature: `f${String(i).padStart(4, '0')}`,
      drifted: drifted.has(i),
    }));
    const names = drift.filter((d) => d.drifted).map((d) => d.feature);
    return { ...report, drift, summary: { ...report.summary, features: n, drifted: names } };
  };
  const driftLine = (text: string): string => text.split('\n').find((l) => l.startsWith('Drift:'))!;
  const name = (i: number): string => `f${String(i).padStart(4, '0')}`;
  const featureLines = (text: string): string[] => text.split('\n').filter((l) => /^ {2}(DRIFT|ok|…)/.test(l));

  it('prints every feature of a report of at most FEATURE_LINES features, with no count line', () => {
    const lines = featureLines(summarizeReport(wide(FEATURE_LINES, new Set([3]))));
    expect(lines).toHaveLength(FEATURE_LINES);
    expect(lines.filter((l) => l.startsWith('  DRIFT'))).toHaveLength(1);
  });

  it('prints every drifted feature of 1,000 and counts the rest in one line', () => {
    const drifted = new Set(Array.from({ length: 48 }, (_, i) => i * 20 + 7));
    const lines = featureLines(summarizeReport(wide(1000, drifted)));
    expect(lines.slice(0, 48).map((l) => l.slice(9, 14))).toEqual(
      [...drifted].map((i) => `f${String(i).padStart(4, '0')}`),
    );
    expect(lines.slice(0, 48).every((l) => l.startsWith('  DRIFT'))).toBe(true);
    expect(lines.slice(48)).toEqual(['  … 952 more features ok; --all-features, --json or --html for all']);
  });

  it('fills the lines up to FEATURE_LINES with features that did not drift, in order', () => {
    const lines = featureLines(summarizeReport(wide(100, new Set([50, 99]))));
    expect(lines).toHaveLength(FEATURE_LINES + 1);
    expect(lines.slice(0, FEATURE_LINES).map((l) => l.slice(9, 14))).toEqual([
      ...Array.from({ length: FEATURE_LINES - 2 }, (_, i) => `f${String(i).padStart(4, '0')}`),
      'f0050',
      'f0099',
    ]);
    expect(lines[FEATURE_LINES]).toBe('  … 70 more features ok; --all-features, --json or --html for all');
  });

  it('names every drifted feature on the Drift line of a report of at most FEATURE_LINES features', () => {
    const all = new Set(Array.from({ length: FEATURE_LINES }, (_, i) => i));
    expect(driftLine(summarizeReport(wide(FEATURE_LINES, all)))).toBe(
      `Drift: ${FEATURE_LINES} of ${FEATURE_LINES} features drifted: ${[...all].map(name).join(', ')}`,
    );
    expect(driftLine(summarizeReport(wide(FEATURE_LINES, new Set())))).toBe(
      `Drift: 0 of ${FEATURE_LINES} features drifted`,
    );
  });

  it('names the first FOLDED_NAMES drifted features of a wide report on the Drift line and counts the rest', () => {
    const drifted = [...new Set(Array.from({ length: 48 }, (_, i) => i * 20 + 7))];
    const line = driftLine(summarizeReport(wide(1002, new Set(drifted))));
    expect(line).toBe(
      `Drift: 48 of 1,002 features drifted: ${drifted.slice(0, FOLDED_NAMES).map(name).join(', ')} … and 38 more`,
    );
    // The folded names still have their DRIFT lines below.
    const lines = featureLines(summarizeReport(wide(1002, new Set(drifted))));
    expect(lines.filter((l) => l.startsWith('  DRIFT')).map((l) => l.slice(9, 14))).toEqual(drifted.map(name));
  });

  it('names every drifted feature of a wide report when there are at most FOLDED_NAMES of them', () => {
    const drifted = Array.from({ length: FOLDED_NAMES }, (_, i) => i * 7);
    expect(driftLine(summarizeReport(wide(100, new Set(drifted))))).toBe(
      `Drift: ${FOLDED_NAMES} of 100 features drifted: ${drifted.map(name).join(', ')}`,
    );
  });

  it('names every drifted feature on the Drift line with allFeatures', () => {
    const drifted = Array.from({ length: 46 }, (_, i) => i);
    const line = driftLine(summarizeReport(wide(60, new Set(drifted)), undefined, { allFeatures: true }));
    expect(line).toBe(`Drift: 46 of 60 features drifted: ${drifted.map(name).join(', ')}`);
  });

  it('prints a line for every feature with allFeatures', () => {
    const lines = featureLines(summarizeReport(wide(1000, new Set([1])), undefined, { allFeatures: true }));
    expect(lines).toHaveLength(1000);
    expect(lines.some((l) => l.startsWith('  …'))).toBe(false);
  });
});

describe('summarizeReport: the line of a feature decided by a test', () => {
  const line = (change: Partial<Report['drift'][number]>): string => {
    const report = fullReport();
    const drift = [{ ...report.drift[0]!, feature: 'age', kind: 'numeric' as const, ...change }];
    return summarizeReport({ ...report, drift })
      .split('\n')
      .find((l) => l.includes(' age '))!;
  };

  it('compares the adjusted p-value with the false-discovery rate, not the statistic with a threshold', () => {
    const ok = line({ method: 'ks', value: 0.06, threshold: 0.05, pValue: 0.1, pValueAdjusted: 0.3, drifted: false });
    expect(ok).toMatch(/^ {2}ok {5}age +numeric +ks {3}0\.060 \(adjusted p 0\.300 > fdr 0\.050\)$/);
    const drifted = line({ method: 'chi2', value: 9.5, threshold: 0.05, pValueAdjusted: 0.002, drifted: true });
    expect(drifted).toContain('chi2 9.500 (adjusted p 0.002 ≤ fdr 0.050)');
  });

  it('prints a p-value computed as 0 as "< 1e-300", as the HTML report does, not as 0.000', () => {
    expect(line({ method: 'ks', value: 0.9, threshold: 0.05, pValueAdjusted: 0, drifted: true })).toContain(
      'ks   0.900 (adjusted p < 1e-300 ≤ fdr 0.050)',
    );
    expect(line({ method: 'psi', value: 2.5, threshold: 0.2, pValueAdjusted: 0, drifted: true })).toContain(
      '(threshold 0.200, adjusted p < 1e-300)',
    );
  });

  it('keeps psi against its threshold', () => {
    const psi = line({ method: 'psi', value: 0.25, threshold: 0.2, pValueAdjusted: 0.01, drifted: true });
    expect(psi).toContain('psi  0.250 (threshold 0.200, adjusted p 0.010)');
  });
});

describe('summarizeReport: the missing-values line', () => {
  const missingLine = (text: string): string | undefined =>
    text.split('\n').find((l) => l.startsWith('Missing values'));
  /** `report` with every feature's missing counts set: `current[i]` of its 1,000 current rows, none in the reference. */
  const withMissing = (current: readonly number[]) => {
    const report = fullReport();
    const dataQuality = report.dataQuality.map((q, i) => ({
      ...q,
      feature: `f${i}`,
      reference: { ...q.reference, rows: 1000, missing: 0, missingShare: 0 },
      current: { ...q.current, rows: 1000, missing: current[i] ?? 0, missingShare: (current[i] ?? 0) / 1000 },
    })) as Report['dataQuality'];
    return { ...report, dataQuality };
  };

  it('is absent when no feature has missing values on either side', () => {
    expect(missingLine(summarizeReport(withMissing([])))).toBeUndefined();
  });

  it('names the features with missing values, the largest current share first, with the reference share', () => {
    const report = withMissing([0, 5, 0, 250]);
    const n = report.dataQuality.length;
    expect(missingLine(summarizeReport(report))).toBe(
      `Missing values in 2 of ${n} features: f3 25.0% (reference 0.0%), f1 0.5% (reference 0.0%)`,
    );
  });

  it('counts a feature missing only in the reference, and folds a long list unless --all-features', () => {
    const report = withMissing(Array.from({ length: 40 }, () => 1));
    const n = report.dataQuality.length;
    expect(n).toBeGreaterThan(FOLDED_NAMES);
    const folded = missingLine(summarizeReport(report))!;
    expect(folded).toMatch(
      new RegExp(`^Missing values in ${n} of ${n} features: f0 0\\.1% .* … and ${n - FOLDED_NAMES} more$`),
    );
    expect(missingLine(summarizeReport(report, undefined, { allFeatures: true }))).not.toContain('more');
    const refOnly = withMissing([]);
    refOnly.dataQuality[2] = {
      ...refOnly.dataQuality[2]!,
      reference: { ...refOnly.dataQuality[2]!.reference, missing: 7, missingShare: 0.007 },
    } as Report['dataQuality'][number];
    expect(missingLine(summarizeReport(refOnly))).toBe(
      `Missing values in 1 of ${n} features: f2 0.0% (reference 0.7%)`,
    );
  });
});

describe('summarizeReport: the prediction drift line and the score gate agree', () => {
  const withPsi = (psi: number): Report => {
    const report = fullReport();
    return { ...report, prediction: { ...report.prediction!, metrics: { ...report.prediction!.metrics, psi } } };
  };
  const scoreLine = (r: Report): string =>
    summarizeReport(r)
      .split('\n')
      .find((l) => l.startsWith('Prediction drift:'))!;

  it.each([
    [0.2, 'DRIFT', 'failed'],
    [0.45, 'DRIFT', 'failed'],
    [0.1999, 'ok', 'passed'],
  ])('psi %f: the line says %s and the default score gate %s, at or above 0.2', (psi, verdict, status) => {
    const report = withPsi(psi);
    expect(scoreLine(report)).toMatch(
      new RegExp(`^Prediction drift: ${verdict} psi [\\d.]+ \\(threshold 0\\.200\\), ks `),
    );
    const [gate] = judgeByDefaults(report, ['score'], undefined);
    expect(gate?.status).toBe(status);
    if (status === 'failed') {
      expect(gate?.failures[0]).toMatchObject({ subject: '$score', comparison: '>=', threshold: 0.2 });
      expect(gateLines([gate!], String, undefined, 'p_default')).toEqual([
        `gate score failed: psi(p_default) ${psi} >= 0.2 (defaults)`,
      ]);
    }
  });
});

describe('summarizeReport: the new-categories line', () => {
  const newLine = (r: Report): string | undefined =>
    summarizeReport(r)
      .split('\n')
      .find((l) => l.startsWith('New categories'));

  it('names the most frequent new categories of each categorical feature, with their shares of the current rows', () => {
    const report = fullReport();
    const region = report.dataQuality.find((q) => q.feature === 'region');
    if (region?.kind !== 'categorical') throw new Error('the fixture has a categorical region');
    const present = region.current.rows - region.current.missing;
    const share = (rows: number): string => `${((100 * rows) / present).toFixed(1)}%`;
    const categorical = report.dataQuality.filter((q) => q.kind === 'categorical').length;
    expect(newLine(report)).toBe(
      `New categories in 1 of ${categorical} categorical features: region ${(100 * region.newCategories.share).toFixed(1)}% (7 new: ${region.newCategories.top
        .slice(0, 3)
        .map((c) => `${c.category} ${share(c.rows)}`)
        .join(', ')} and 4 more)`,
    );
  });

  it('names a single new category without a count, and is absent when there is none', () => {
    const report = fullReport();
    const dataQuality = report.dataQuality.map((q) =>
      q.kind === 'categorical' && q.feature === 'region'
        ? {
            ...q,
            current: { ...q.current, rows: 1000, missing: 0 },
            newCategories: { rows: 85, share: 0.085, distinct: 1, top: [{ category: 'central', rows: 85 }] },
          }
        : q,
    );
    expect(newLine({ ...report, dataQuality })).toMatch(/: region 8\.5% \(central 8\.5%\)$/);
    const none = report.dataQuality.map((q) =>
      q.kind === 'categorical' ? { ...q, newCategories: { rows: 0, share: 0, distinct: 0, top: [] } } : q,
    );
    expect(newLine({ ...report, dataQuality: none })).toBeUndefined();
  });
});
