import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '@vigil/analyzers';
import { runCli } from './run-cli';

/** The DRE golden scenario (scripts/golden/dre_nannyml.py): x1 and x2 keep their marginals, their correlation flips. */
const golden = JSON.parse(readFileSync(join(__dirname, '../../../analyzers/test/golden/dre.json'), 'utf8')) as {
  features: { name: string }[];
  reference: Record<string, (number | string | null)[]>;
  analysis: Record<string, (number | string | null)[]>;
};

function csv(path: string, data: Record<string, (number | string | null)[]>, from: number, to: number): void {
  const names = golden.features.map((f) => f.name);
  const lines = [names.join(',')];
  for (let r = from; r < to; r++) lines.push(names.map((n) => data[n]![r] ?? '').join(','));
  writeFileSync(path, `${lines.join('\n')}\n`);
}

describe('vigil report: multivariate drift', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-mv-'));
  csv(join(dir, 'reference.csv'), golden.reference, 0, 5000);
  csv(join(dir, 'shifted.csv'), golden.analysis, 2500, 5000);
  csv(join(dir, 'same.csv'), golden.analysis, 0, 2500);

  it('JSON, summary and HTML carry the reconstruction error, its band and the domain classifier', async () => {
    const json = join(dir, 'shifted.json');
    const html = join(dir, 'shifted.html');
    const result = await runCli([
      'report',
      '--reference',
      join(dir, 'reference.csv'),
      '--current',
      join(dir, 'shifted.csv'),
      '--domain-classifier',
      '--json',
      json,
      '--html',
      html,
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(report.summary.drifted).toEqual([]);
    const m = report.multivariate!;
    if (!m.computed) throw new Error(m.reason);
    expect(m.drifted).toBe(true);
    expect(m.reconstructionError).toBeGreaterThan(m.referenceReconstructionError.upper);
    expect(m.referenceReconstructionError).toMatchObject({ chunkSize: 2500, chunks: 2, method: 'chunks' });
    // A linear classifier cannot see a correlation flip: the two files look alike to it.
    expect(Math.abs(m.domainClassifier!.auc - 0.5)).toBeLessThan(0.05);
    expect(result.stdout).toMatch(
      /Multivariate drift \(data reconstruction\): DRIFT error 1\.4\d\d, reference 0\.8\d\d \[/,
    );
    // How the band was formed, in words (it read "2 reference chunks of 2500 rows", and "reference rows, N-row
    // sampling error" for a short reference).
    expect(result.stdout).toContain('(band: mean ± 3σ of 2 reference chunks of 2500 rows; ');
    expect(result.stdout).toContain('Domain classifier: ROC AUC 0.');
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<section class="card" id="multivariate">');
    expect(page).toContain('Reconstruction error');
    expect(page).toContain('Domain classifier');
    expect(page).toContain("default-src 'none'");
  });

  it('same-distribution data is not flagged, and without the flag there is no classifier', async () => {
    const json = join(dir, 'same.json');
    const result = await runCli([
      'report',
      '--reference',
      join(dir, 'reference.csv'),
      '--current',
      join(dir, 'same.csv'),
      '--json',
      json,
    ]);
    expect(result.code).toBe(0);
    const m = (JSON.parse(readFileSync(json, 'utf8')) as Report).multivariate!;
    expect(m.computed && m.drifted).toBe(false);
    expect(m.domainClassifier).toBeUndefined();
    expect(result.stdout).toMatch(/Multivariate drift \(data reconstruction\): ok error/);
    expect(result.stdout).not.toContain('Domain classifier');
  });
});
