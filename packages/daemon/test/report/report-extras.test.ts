/**
 * The report JSON's data-quality figures, confusion matrix and curves against pandas, numpy and scikit-learn on the
 * `large` golden scenario (scripts/golden/report_extras.py), and the reasons given for sections not computed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  analyzeReport,
  type AnalysisSpec,
  type BinaryPerformance,
  type Report,
  type ValueDistribution,
} from '@vigil/analyzers';
import type { Column, Table } from '@vigil/core';
import { runCli } from '../cli/run-cli';

const TOL = 1e-9;

function close(actual: number | null | undefined, expected: number | null): void {
  if (expected === null) {
    expect(actual === null || actual === undefined || Number.isNaN(actual)).toBe(true);
    return;
  }
  expect(Math.abs((actual ?? NaN) - expected)).toBeLessThanOrEqual(Math.max(1e-12, TOL * Math.abs(expected)));
}

interface Extras {
  distributions: Record<string, ValueDistribution>;
  dataQuality: Record<string, unknown>[];
  confusion: Record<string, number>;
  curves: {
    roc: { fpr: number[]; tpr: number[] };
    prDropped: { precision: number[]; recall: number[] };
    averagePrecision: number;
    auc: number;
  };
}

describe('vigil report JSON on the large golden scenario', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-extras-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const golden = join(__dirname, '../golden/large');
  const expected = JSON.parse(readFileSync(join(golden, 'extras.json'), 'utf8')) as Extras;
  let report: Report;
  beforeAll(async () => {
    const out = join(dir, 'report.json');
    const result = await runCli([
      'report',
      '--reference',
      join(golden, 'reference.csv'),
      '--current',
      join(golden, 'current.csv'),
      '--group-columns',
      'sex,race',
      '--json',
      out,
    ]);
    if (result.code !== 0) throw new Error(result.stderr);
    report = JSON.parse(readFileSync(out, 'utf8')) as Report;
  }, 60_000);

  it('has the data-quality figures numpy and pandas compute, per feature in drift order', () => {
    expect(report.dataQuality.map((q) => q.feature)).toEqual(report.drift.map((d) => d.feature));
    for (const want of expected.dataQuality) {
      const got = report.dataQuality.find((q) => q.feature === want['feature']);
      expect(got).toBeDefined();
      const walk = (a: unknown, b: unknown, path: string): void => {
        if (typeof b === 'number' || b === null) return close(a as number | null, b as number | null);
        if (typeof b === 'string') return expect(a).toBe(b);
        if (Array.isArray(b)) {
          expect(Array.isArray(a) && a.length).toBe(b.length);
          return b.forEach((v, i) => walk((a as unknown[])[i], v, `${path}[${i}]`));
        }
        for (const [k, v] of Object.entries(b as object)) walk((a as Record<string, unknown>)[k], v, `${path}.${k}`);
      };
      walk(got, want, String(want['feature']));
    }
    // The scenario has a category the reference never saw and values beyond the reference's range.
    const c1 = report.dataQuality.find((q) => q.feature === 'c1');
    expect(c1?.kind === 'categorical' && c1.newCategories.top[0]?.category).toBe('eps');
    const x2 = report.dataQuality.find((q) => q.feature === 'x2');
    expect(x2?.kind === 'numeric' && x2.outsideReferenceRange.above).toBeGreaterThan(0);
  });

  it('bins numeric features and the score into equal-width bins as numpy.histogram counts them', () => {
    for (const f of ['x1', 'x2', 'x3'])
      expect(report.drift.find((d) => d.feature === f)?.distribution).toEqual(expected.distributions[f]);
    expect(report.prediction?.distribution).toEqual(expected.distributions['score']);
    expect(report.drift.filter((d) => d.kind === 'categorical').every((d) => d.distribution === undefined)).toBe(true);
  });

  it('has the confusion matrix of scikit-learn at the threshold', () => {
    const p = report.performance as BinaryPerformance;
    for (const [k, v] of Object.entries(expected.confusion))
      close((p.confusion as unknown as Record<string, number>)[k], v);
    const { tp, fp, tn, fn } = p.confusion!;
    expect(tp + fp + tn + fn).toBe(p.rows);
  });

  it("keeps at most 200 points of scikit-learn's curves, both ends exact, and its average precision", () => {
    const p = report.performance as BinaryPerformance;
    close(p.averagePrecision, expected.curves.averagePrecision);
    close(p.auc, expected.curves.auc);
    const check = (xs: number[], ys: number[], fullX: number[], fullY: number[]): void => {
      expect(fullX.length).toBeGreaterThan(200); // so the downsampling is exercised
      expect(xs.length).toBeLessThanOrEqual(200);
      expect(xs.length).toBeGreaterThan(100);
      expect(xs.length).toBe(ys.length);
      expect([xs[0], ys[0]]).toEqual([fullX[0], fullY[0]]);
      expect([xs.at(-1), ys.at(-1)]).toEqual([fullX.at(-1), fullY.at(-1)]);
      // Every point kept is a point of scikit-learn's curve, in its order.
      let j = 0;
      xs.forEach((x, i) => {
        while (j < fullX.length && !(Math.abs(fullX[j]! - x) <= 1e-12 && Math.abs(fullY[j]! - ys[i]!) <= 1e-12)) j++;
        expect(j).toBeLessThan(fullX.length);
      });
    };
    check(p.roc!.fpr, p.roc!.tpr, expected.curves.roc.fpr, expected.curves.roc.tpr);
    check(p.pr!.recall, p.pr!.precision, expected.curves.prDropped.recall, expected.curves.prDropped.precision);
  });

  it('says every section was computed', () => {
    expect(Object.values(report.sections).every((s) => s.computed && s.reason === undefined)).toBe(true);
  });
});

function numeric(name: string, values: number[]): Column {
  return { name, kind: 'numeric', values: Float64Array.from(values) };
}

function table(columns: Column[]): Table {
  return {
    source: 'test',
    rowCount: columns[0] && columns[0].kind === 'numeric' ? columns[0].values.length : 0,
    columns: new Map(columns.map((c) => [c.name, c])),
  };
}

describe('sections not computed', () => {
  const n = 200;
  const x = Array.from({ length: n }, (_, i) => (i * 37) % 101);
  const score = x.map((v) => v / 101);
  const label = x.map((v, i) => (v > 50 !== (i % 7 === 0) ? 1 : 0));
  const sex: Column = {
    name: 'sex',
    kind: 'categorical',
    categories: ['F', 'M'],
    codes: Int32Array.from(x, (v) => v % 2),
  };
  const base: AnalysisSpec = {
    task: 'binary',
    features: [{ name: 'x', kind: 'numeric' }],
    groups: [],
    threshold: 0.5,
    minGroupSize: 30,
    fdr: 0.05,
  };
  const run = (
    spec: AnalysisSpec,
    cur = table([numeric('x', x), numeric('score', score), numeric('label', label), sex]),
  ): Promise<Report> =>
    analyzeReport({
      reference: table([numeric('x', x), numeric('score', score), numeric('label', label), sex]),
      current: cur,
      spec,
      parallelism: 1,
    });

  it('without a score: prediction drift, calibration, performance, curves and fairness say why', async () => {
    const r = await run({ ...base, label: 'label', groups: ['sex'] });
    expect(r.sections.prediction).toEqual({
      computed: false,
      reason: 'needs a score column in both the reference and the current file',
    });
    expect(r.sections.calibration.reason).toBe('needs a score column in both the reference and the current file');
    expect(r.sections.performance.computed).toBe(false);
    expect(r.sections.curves.computed).toBe(false);
    expect(r.sections.fairness).toEqual({ computed: false, reason: 'needs a score or prediction column' });
    expect(r.calibration).toBeUndefined();
  });

  it('without labels: drift, prediction drift and selection-rate fairness only', async () => {
    const r = await run({ ...base, score: 'score', groups: ['sex'] });
    expect(r.sections.prediction.computed).toBe(true);
    expect(r.sections.fairness.computed).toBe(true);
    for (const s of [r.sections.calibration, r.sections.performance, r.sections.curves])
      expect(s).toEqual({ computed: false, reason: 'needs labels in the current file' });
    expect(r.fairness[0]?.groups.every((g) => g.tpr === null)).toBe(true);
  });

  it('with one class among the labels: no curves, and no group columns: no fairness', async () => {
    const cur = table([
      numeric('x', x),
      numeric('score', score),
      numeric(
        'label',
        label.map(() => 1),
      ),
      sex,
    ]);
    const r = await run({ ...base, score: 'score', label: 'label' }, cur);
    expect(r.sections.performance.computed).toBe(true);
    expect(r.sections.curves).toEqual({ computed: false, reason: 'needs negative labels in the current file' });
    expect((r.performance as BinaryPerformance).roc).toBeUndefined();
    expect((r.performance as BinaryPerformance).confusion?.fp).toBe(0);
    expect(r.sections.fairness).toEqual({ computed: false, reason: 'needs group columns (--group-columns)' });
  });

  it('regression: calibration, curves and fairness are for binary models', async () => {
    const r = await run({ ...base, task: 'regression', score: 'score', label: 'label', groups: ['sex'] });
    expect(r.sections.performance.computed).toBe(true);
    for (const s of [r.sections.calibration, r.sections.curves, r.sections.fairness])
      expect(s).toEqual({ computed: false, reason: 'binary task only' });
  });
});
