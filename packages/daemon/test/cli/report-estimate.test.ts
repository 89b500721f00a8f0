import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EstimatedBinaryPerformance, PerformanceEstimate, Report } from '@vigil/analyzers';
import { runCli } from './run-cli';

/** The first case of the analyzers' CBPE golden vectors (scripts/golden/cbpe_nannyml.py, NannyML 0.13). */
interface Case {
  name: string;
  reference: { scores: number[]; labels: number[] };
  current: { scores: number[]; labels: number[] };
  needsCalibration: boolean;
  expected: Record<'accuracy' | 'precision' | 'recall' | 'f1' | 'auc', PerformanceEstimate>;
}
const golden = JSON.parse(readFileSync(join(__dirname, '../../../analyzers/test/golden/cbpe.json'), 'utf8')) as {
  cases: Case[];
};
const overconfident = golden.cases.find((c) => c.name === 'overconfident')!;

describe('vigil report on an unlabelled current file: estimated performance (CBPE)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-estimate-'));
  const reference = join(dir, 'reference.csv');
  const unlabelled = join(dir, 'current.csv');
  const labelled = join(dir, 'current-labelled.csv');
  writeFileSync(
    reference,
    `x,score,label\n${overconfident.reference.scores.map((s, i) => `${i % 7},${s},${overconfident.reference.labels[i]}`).join('\n')}\n`,
  );
  writeFileSync(unlabelled, `x,score\n${overconfident.current.scores.map((s, i) => `${i % 5},${s}`).join('\n')}\n`);
  writeFileSync(
    labelled,
    `x,score,label\n${overconfident.current.scores.map((s, i) => `${i % 5},${s},${overconfident.current.labels[i]}`).join('\n')}\n`,
  );

  it('prints and writes the estimates with their bands, as NannyML estimates them', async () => {
    const out = join(dir, 'report.json');
    const result = await runCli(['report', '--reference', reference, '--current', unlabelled, '--json', out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Estimated performance \(no labels, CBPE\): accuracy 0\.755 \(band 0\.720–0\.790\)/);
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    const p = report.performance as EstimatedBinaryPerformance;
    expect(p.rows).toBe(overconfident.current.scores.length);
    expect(p.calibration).toBe(overconfident.needsCalibration ? 'isotonic' : 'none');
    const fields = {
      accuracy: p.estimatedAccuracy,
      precision: p.estimatedPrecision,
      recall: p.estimatedRecall,
      f1: p.estimatedF1,
      auc: p.estimatedAuc,
    };
    for (const [metric, got] of Object.entries(fields)) {
      const want = overconfident.expected[metric as keyof Case['expected']];
      expect({ metric, off: Math.abs(got.value - want.value) < 1e-6 }).toEqual({ metric, off: true });
      expect(got.samplingError).toBeCloseTo(want.samplingError, 9);
      expect(got.band[0]).toBeCloseTo(want.band[0], 6);
      expect(got.band[1]).toBeCloseTo(want.band[1], 6);
    }
    // Realized performance still needs labels: its section says so.
    expect(report.sections.performance.computed).toBe(false);
  });

  it('with current labels, reports the realized performance as before (no estimates)', async () => {
    const out = join(dir, 'labelled.json');
    const result = await runCli(['report', '--reference', reference, '--current', labelled, '--json', out]);
    expect(result.code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(report.performance && 'accuracy' in report.performance).toBe(true);
    expect(report.performance && 'estimatedAccuracy' in report.performance).toBe(false);
    expect(result.stdout).not.toContain('Estimated performance');
  });

  it('shows the estimates in the HTML report', async () => {
    const out = join(dir, 'report.html');
    expect((await runCli(['report', '--reference', reference, '--current', unlabelled, '--html', out])).code).toBe(0);
    const page = readFileSync(out, 'utf8');
    expect(page).toContain('<h2>Estimated performance</h2>');
    expect(page).toContain('1,500 unlabelled rows');
    // Accuracy reads as a percentage in the tile and its band, as in the summary (the console's 0.755 [0.720, 0.790]).
    expect(page).toContain('accuracy <b>75.5%</b>');
    expect(page).toMatch(/Accuracy<\/[a-z]+>.*?75\.5%.*?band 72\.0% – 79\.0%/s);
  });

  it('refuses a reference whose labels are not 0/1 when they would calibrate the estimate', async () => {
    const bad = join(dir, 'bad-reference.csv');
    writeFileSync(bad, `x,score,label\n1,0.2,0\n2,0.7,3\n`);
    const result = await runCli(['report', '--reference', bad, '--current', unlabelled]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error \[VIGIL_[A-Z_]+\]: .*bad-reference\.csv/m);
  });

  it('says why an estimate has no band instead of "[-, -]" or a point band (a reference scored below the threshold)', async () => {
    // Every reference score is below 0.5: no reference row is predicted positive, so precision has no sampling error,
    // and every labelled-positive reference row was predicted negative, so recall's is 0.
    const low = join(dir, 'low-reference.csv');
    writeFileSync(
      low,
      `x,score,label\n${overconfident.reference.scores.map((s, i) => `${i % 7},${s * 0.45},${overconfident.reference.labels[i]}`).join('\n')}\n`,
    );
    const out = join(dir, 'low.json');
    const html = join(dir, 'low.html');
    const result = await runCli(['report', '--reference', low, '--current', unlabelled, '--json', out, '--html', html]);
    expect(result.code).toBe(0);
    const p = (JSON.parse(readFileSync(out, 'utf8')) as Report).performance as EstimatedBinaryPerformance;
    expect(p.estimatedPrecision.samplingError).toBeNull();
    expect(p.estimatedRecall.samplingError).toBe(0);
    const line = result.stdout.split('\n').find((l) => l.startsWith('Estimated performance'))!;
    expect(line).toMatch(/ precision \d\.\d+ \(no band: no reference row is predicted positive\), /);
    expect(line).toMatch(/ recall \d\.\d+ \(no band: every reference row it counts came out alike\), /);
    expect(line).toMatch(/ accuracy \d\.\d+ \(band \d\.\d+–\d\.\d+\), /);
    expect(line).not.toContain('-');
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('no band: no reference row is predicted positive');
    expect(page).not.toContain('band — – —');
  });
});
