import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '@vigil/analyzers';
import { seededRandom } from '@vigil/core';
import { runCli } from './run-cli';

/** 1e-9 relative or 1e-12 absolute: the stated tolerance of every golden comparison. */
function expectClose(actual: number | null | undefined, expected: number, what: string): void {
  if (typeof actual !== 'number' || !(Math.abs(actual - expected) <= Math.max(1e-12, 1e-9 * Math.abs(expected)))) {
    throw new Error(`${what}: got ${actual}, numpy says ${expected}`);
  }
}

describe('vigil report explanations on the large scenario (no attributions: the surrogate), against numpy', () => {
  const golden = join(__dirname, '../golden/large');
  const expected = JSON.parse(readFileSync(join(golden, 'surrogate.json'), 'utf8')) as {
    importances: Record<'reference' | 'current', Record<string, number>>;
    r2: Record<'reference' | 'current', number>;
    rows: Record<'reference' | 'current', number>;
    ndcg: number;
    protectedShare: Record<'reference' | 'current', number>;
    proxyShare: Record<'reference' | 'current', number>;
  };
  const dir = mkdtempSync(join(tmpdir(), 'vigil-explain-'));
  let report: Report;
  let stdout: string;
  let html: string;

  beforeAll(async () => {
    const args = [
      'report',
      '--reference',
      join(golden, 'reference.csv'),
      '--current',
      join(golden, 'current.csv'),
      '--group-columns',
      'sex,race',
    ];
    const result = await runCli([
      ...args,
      '--protected',
      'c1',
      '--proxies',
      'x3',
      '--json',
      join(dir, 'r.json'),
      '--html',
      join(dir, 'r.html'),
    ]);
    expect(result.code).toBe(0);
    stdout = result.stdout;
    report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    html = readFileSync(join(dir, 'r.html'), 'utf8');
  });

  it('fits the surrogate to each file as numpy lstsq does: importances, R², complete rows', () => {
    const x = report.explanations!;
    expect(report.sections.explanations).toEqual({ computed: true });
    expect(x.source).toBe('surrogate');
    expect(x.rows).toEqual(expected.rows);
    for (const f of x.features) {
      expectClose(f.reference, expected.importances.reference[f.feature]!, `reference importance of ${f.feature}`);
      expectClose(f.current, expected.importances.current[f.feature]!, `current importance of ${f.feature}`);
    }
    expectClose(x.surrogateR2!.reference, expected.r2.reference, 'reference R²');
    expectClose(x.surrogateR2!.current, expected.r2.current, 'current R²');
    // In current-rank order.
    const current = x.features.map((f) => f.current!);
    expect([...current].sort((a, b) => b - a)).toEqual(current);
  });

  it('computes NDCG and the protected and proxy shares as the Python reference does', () => {
    const x = report.explanations!;
    expectClose(x.ndcg, expected.ndcg, 'ndcg');
    expect(x.k).toBe(5);
    expectClose(x.protectedShare!.reference, expected.protectedShare.reference, 'protected share (reference)');
    expectClose(x.protectedShare!.current, expected.protectedShare.current, 'protected share (current)');
    expectClose(x.proxyShare!.current, expected.proxyShare.current, 'proxy share (current)');
    expect(x.protectedShare!.grew).toBe(false);
    // x3's share moves from 0.007% to 0.47%, 70 times, yet the score does not depend on x3 at all
    // (scripts/golden/report_vectors.py): noise of the fit, below the 0.01 floor of "grew", so not flagged.
    expect(x.proxyShare!.ratio).toBeGreaterThan(50);
    expect(x.proxyShare!.grew).toBe(false);
    expect(x.features.find((f) => f.feature === 'c1')).toMatchObject({ protected: true, proxy: false });
  });

  it('says it in the summary and the HTML', () => {
    expect(stdout).toMatch(
      /^Explanations \(linear surrogate, R² 0\.933 → 0\.940\): ndcg@5 1\.000, top x1, x2, c2, protected share 0\.005 → 0\.006, proxy share 6\.9e-5 → 0\.005$/m,
    );
    expect(html).toContain('<section class="card" id="explanations">');
    expect(html).toContain('<a href="#explanations" class="">Explanations</a>');
  });
});

describe('vigil report explanations from logged attributions (NDJSON events)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-explain-'));
  /** Events whose attributions are each feature's term of the logit; `sexWeight` is how much the model uses sex. */
  const events = (
    seed: number,
    n: number,
    sexWeight: number,
  ): { lines: string; attributions: Record<string, number[]> } => {
    const random = seededRandom(seed);
    const attributions: Record<string, number[]> = { age: [], hours: [], sex: [] };
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const age = Math.round(20 + 50 * random());
      const hours = Math.round(20 + 40 * random());
      const sex = random() < 0.5 ? 'F' : 'M';
      const a = { age: 0.04 * (age - 45), hours: 0.02 * (hours - 40), sex: (sex === 'M' ? 0.5 : -0.5) * sexWeight };
      const score = 1 / (1 + Math.exp(-(a.age + a.hours + a.sex)));
      for (const [k, v] of Object.entries(a)) attributions[k]!.push(v);
      lines.push(JSON.stringify({ id: `e${i}`, features: { age, hours, sex }, score, attributions: a }));
    }
    return { lines: `${lines.join('\n')}\n`, attributions };
  };

  it('uses the attributions instead of the surrogate, never as features, and flags the grown protected share', async () => {
    const ref = events(1, 400, 0.1);
    const cur = events(2, 300, 1.2);
    writeFileSync(join(dir, 'ref.ndjson'), ref.lines);
    writeFileSync(join(dir, 'cur.ndjson'), cur.lines);
    const result = await runCli([
      'report',
      '--reference',
      join(dir, 'ref.ndjson'),
      '--current',
      join(dir, 'cur.ndjson'),
      '--protected',
      'sex',
      '--json',
      join(dir, 'r.json'),
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    expect(report.options.features.map((f) => f.name)).toEqual(['age', 'hours', 'sex']);
    const x = report.explanations!;
    expect(x.source).toBe('attributions');
    expect(x.surrogateR2).toBeUndefined();
    const meanAbs = (values: number[]): number => values.reduce((s, v) => s + Math.abs(v), 0) / values.length;
    for (const f of x.features) {
      expectClose(f.reference, meanAbs(ref.attributions[f.feature]!), `reference mean |attribution| of ${f.feature}`);
      expectClose(f.current, meanAbs(cur.attributions[f.feature]!), `current mean |attribution| of ${f.feature}`);
    }
    expect(x.features[0]!.feature).toBe('sex');
    expect(x.protectedShare!.grew).toBe(true);
    expect(result.stdout).toMatch(
      /^Explanations \(logged attributions\): ndcg@3 [0-9.]+, top sex, age, hours, protected share [0-9.]+ → [0-9.]+ \(grew\)$/m,
    );
  });

  it('refuses a protected attribute that is not a feature, with exit 2 and no stack trace', async () => {
    writeFileSync(join(dir, 'a.ndjson'), events(3, 50, 0).lines);
    const result = await runCli([
      'report',
      '--reference',
      join(dir, 'a.ndjson'),
      '--current',
      join(dir, 'a.ndjson'),
      '--protected',
      'race,sex',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error [VIGIL_UNKNOWN_COLUMN]: --protected names "race", not a feature (features: age, hours, sex)',
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a name listed as both protected and proxy', async () => {
    const result = await runCli([
      'report',
      '--reference',
      'x.csv',
      '--current',
      'y.csv',
      '--protected',
      'sex',
      '--proxies',
      'sex',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"sex" cannot be both --protected and --proxies');
  });
});
