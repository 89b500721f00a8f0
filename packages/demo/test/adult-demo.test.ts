import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '@vigil/analyzers';

const root = join(__dirname, '../../..');

/**
 * Runs the built `vigil ARGS` (packages/daemon, `pnpm run build` first) in a child process and captures its output
 * and exit code: the demo package sits below the CLI that runs it, so its tests run the command as a user does.
 */
function runVigil(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'packages/daemon/dist/bin.js'), ...args],
      { cwd, env: { PATH: process.env.PATH }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('vigil demo --adult (UCI Adult on the report path)', () => {
  const out = mkdtempSync(join(tmpdir(), 'vigil-demo-'));
  let stdout = '';
  let report: Report;

  beforeAll(async () => {
    const result = await runVigil(['demo', '--adult', '--out', out], root);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    stdout = result.stdout;
    report = JSON.parse(readFileSync(join(out, 'demo-report.json'), 'utf8'));
  }, 180_000);

  it('trains a model that is better than chance and finds the age shift it was given', () => {
    const perf = report.performance as { auc: number; accuracy: number };
    expect(perf.auc).toBeGreaterThan(0.8);
    expect(report.drift.find((d) => d.feature === 'age')?.drifted).toBe(true);
    expect(stdout).toContain('demo-report.html');
  });

  it('reports per-group rates for sex and race that agree with fairlearn on the scored rows', () => {
    const python = join(root, '.venv/bin/python');
    const check = JSON.parse(
      execFileSync(
        python,
        [join(root, 'scripts/golden/fairness_check.py'), join(out, 'demo-current.csv'), 'sex', 'race'],
        { encoding: 'utf8' },
      ),
    );
    for (const attribute of ['sex', 'race']) {
      const ours = report.fairness.find((f) => f.attribute === attribute)!;
      const theirs = check[attribute];
      expect(ours.groups.map((g) => g.group).sort()).toEqual(Object.keys(theirs.groups).sort());
      for (const g of ours.groups) {
        const t = theirs.groups[g.group];
        expect(g.n).toBe(t.n);
        // Scores are written to CSV with full precision (String(number) round-trips), so the rates are exact.
        for (const m of ['selectionRate', 'tpr', 'fpr', 'fnr', 'ppv'] as const) {
          // A rate with a zero denominator is null in Vigil (unknown); fairlearn reports 0 (zero_division=0).
          if (g[m] === null) expect(t[m]).toBe(0);
          else expect(g[m]).toBeCloseTo(t[m], 12);
        }
      }
      expect(ours.statisticalParityDifference).toBeCloseTo(theirs.statisticalParityDifference, 12);
      expect(ours.disparateImpactRatio).toBeCloseTo(theirs.disparateImpactRatio, 12);
      expect(ours.equalizedOddsDifference).toBeCloseTo(theirs.equalizedOddsDifference, 12);
    }
  });
});
