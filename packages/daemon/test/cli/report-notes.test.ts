import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '@vigil/analyzers';
import { runCli } from './run-cli';

/**
 * The notes of `vigil report` that a newcomer's trial found missing or misleading: a group column quietly left out of
 * the inferred features, an estimate from a tiny reference, "Not computed: … performance" beside "Estimated
 * performance", a partly labelled current file.
 */
describe('vigil report: what the notes say about the columns and the performance', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-report-notes-'));
  // A seeded generator: the same files on every run.
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  /** `n` rows of sex, age, income, region, score and label; `labelled(i)` says which rows keep their label. */
  const rows = (n: number, shift: number, labelled: (i: number) => boolean): string[] =>
    Array.from({ length: n }, (_, i) => {
      const sex = random() < 0.5 ? 'F' : 'M';
      const age = 18 + Math.floor(random() * 60);
      const income = 50 + shift * 10 + (random() - 0.5) * 40;
      const region = ['north', 'south', 'east'][Math.floor(random() * 3)]!;
      const p = 1 / (1 + Math.exp(-(0.04 * (age - 45) + 0.05 * (income - 50) + (sex === 'M' ? 0.5 : 0))));
      const label = random() < p ? 1 : 0;
      return `${sex},${age},${income.toFixed(2)},${region},${p.toFixed(4)},${labelled(i) ? label : ''}`;
    });
  const file = (name: string, lines: string[], header = 'sex,age,income,region,score,label'): string => {
    const path = join(dir, name);
    writeFileSync(path, `${header}\n${lines.join('\n')}\n`);
    return path;
  };
  const reference = file(
    'ref.csv',
    rows(1000, 0, () => true),
  );
  const tiny = file(
    'ref12.csv',
    rows(12, 0, () => true),
  );
  const current = file(
    'cur.csv',
    rows(1500, 1, () => true),
  );
  const partly = file(
    'partly.csv',
    rows(1500, 1, (i) => i % 15 === 0),
  );
  const unlabelled = file(
    'unlabelled.csv',
    rows(1500, 1, () => false).map((l) => l.slice(0, -1)),
    'sex,age,income,region,score',
  );
  const refUnlabelled = file(
    'ref-unlabelled.csv',
    rows(1000, 0, () => false).map((l) => l.slice(0, -1)),
    'sex,age,income,region,score',
  );

  it('says once that an inferred group column is not a feature, with the --features that keeps it', async () => {
    const r = await runCli(['report', '--reference', reference, '--current', current, '--group-columns', 'sex']);
    expect(r.code).toBe(0);
    const note =
      'note: sex is a group column, so it is not a feature: its drift and its weight in the explanations are not measured (to include it: --features sex:categorical,age:numeric,income:numeric,region:categorical)';
    expect(r.stderr.split('\n').filter((l) => l === note)).toHaveLength(1);
    expect(r.stdout).toContain('Drift: ');
    expect(r.stdout).toMatch(/of 3 features/);
    // The --features it gives is accepted and measures sex too.
    const kept = await runCli([
      'report',
      '--reference',
      reference,
      '--current',
      current,
      '--group-columns',
      'sex',
      '--features',
      'sex:categorical,age:numeric,income:numeric,region:categorical',
      '--json',
      join(dir, 'kept.json'),
    ]);
    expect(kept.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'kept.json'), 'utf8')) as Report;
    expect(report.drift.map((d) => d.feature)).toEqual(['sex', 'age', 'income', 'region']);
    // Features given: the user chose, nothing to say.
    expect(kept.stderr).not.toContain('is a group column');
  });

  it('names every group column left out, an intersection’s too', async () => {
    const r = await runCli(['report', '--reference', reference, '--current', current, '--group-columns', 'sex*region']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'note: sex and region are group columns, so they are not features: their drift and their weight in the explanations are not measured (to include them: --features sex:categorical,age:numeric,income:numeric,region:categorical)',
    );
  });

  it('warns on stderr when the estimate was calibrated on fewer than 100 labelled reference rows, and labels the bands', async () => {
    const r = await runCli(['report', '--reference', tiny, '--current', unlabelled, '--json', join(dir, 'tiny.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Estimated performance \(no labels, CBPE\): accuracy \d\.\d{3} \(band \d\.\d{3}–\d\.\d{3}\)/m,
    );
    expect(r.stderr).toContain(
      'warning: estimated performance: estimated from 12 labelled reference rows (fewer than 100): the band counts the sampling error of the current rows only',
    );
    const report = JSON.parse(readFileSync(join(dir, 'tiny.json'), 'utf8')) as Report;
    expect(report.performance).toHaveProperty('referenceRows', 12);
    const enough = await runCli(['report', '--reference', reference, '--current', unlabelled]);
    expect(enough.stdout).toContain('Estimated performance');
    expect(enough.stderr).not.toContain('warning: estimated performance');
  });

  it('the not-computed line says the measured performance needs labels and that it was estimated instead', async () => {
    const r = await runCli(['report', '--reference', reference, '--current', unlabelled]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Estimated performance (no labels, CBPE)');
    expect(r.stderr).toMatch(
      /^Not computed: calibration, performance \(measured\) and the fairness rates tpr, fpr, fnr, ppv need labels in the current file .*unlabelled\.csv \(column "label"\); performance is estimated instead \(Estimated performance, from the reference's labels\)$/m,
    );
  });

  it('without labels in the reference either, says the estimate needs them there', async () => {
    const r = await runCli(['report', '--reference', refUnlabelled, '--current', unlabelled]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('Estimated performance');
    expect(r.stderr).toMatch(
      /^Not computed: calibration, performance and the fairness rates tpr, fpr, fnr, ppv need labels in the current file .*unlabelled\.csv \(no label column; --label-column names one\); estimated performance needs labels in the reference file .*ref-unlabelled\.csv$/m,
    );
  });

  it('a partly labelled current file: the Performance line says over how many rows', async () => {
    const r = await runCli(['report', '--reference', reference, '--current', partly]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Performance over 100 of 1,500 rows \(labelled\): accuracy /m);
    const all = await runCli(['report', '--reference', reference, '--current', current]);
    expect(all.stdout).toMatch(/^Performance: accuracy /m);
  });
});
