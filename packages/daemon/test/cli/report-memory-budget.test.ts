/**
 * `vigil report --memory-budget`: files beyond it are read in chunks with their numeric columns spilled to a
 * temporary file. The spilled path gives the report of the in-memory path to the last bit (the golden scenario,
 * CSV and Parquet, in-process and through the built CLI's worker threads); when one column pair per thread does
 * not fit either, the binned path stays within the bounds it prints; a budget that is not a size is refused.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '@vigil/analyzers';
import { seededRandom } from '@vigil/core';
import { runCli } from './run-cli';

const BIN = join(__dirname, '../../dist/bin.js');
const GOLDEN = join(__dirname, '../golden/large');
const dir = mkdtempSync(join(tmpdir(), 'vigil-budget-'));

async function report(args: string[]): Promise<{ report: Report; stdout: string; stderr: string }> {
  const out = join(mkdtempSync(join(dir, 'out-')), 'r.json');
  const r = await runCli(['report', ...args, '--json', out]);
  expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  return { report: JSON.parse(readFileSync(out, 'utf8')) as Report, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The report without its time, its `computation` and its multivariate section, which needs the rows whole: the
 * spilled path says so instead (checked by `spilledMultivariate`).
 */
const withoutTime = ({
  generatedAt: _g,
  computation: _c,
  multivariate: _m,
  ...rest
}: Report): Omit<Report, 'generatedAt' | 'computation' | 'multivariate'> => rest;
const spilledMultivariate = (spilled: Report, whole: Report): void => {
  expect(whole.multivariate?.computed).toBe(true);
  expect(spilled.multivariate).toEqual({
    computed: false,
    reason: 'needs the files read whole: they exceeded the memory budget and their columns were spilled',
  });
};

describe('the spilled path gives the in-memory report', () => {
  it.each(['current.csv', 'current.parquet'])('golden scenario, current %s', async (current) => {
    const args = [
      '--reference',
      join(GOLDEN, 'reference.csv'),
      '--current',
      join(GOLDEN, current),
      '--group-columns',
      'sex,race',
    ];
    const whole = await report(args);
    // Under a quarter of what reading whole would take, yet room for one exact column pair per thread.
    const spilled = await report([...args, '--memory-budget', '1MiB']);
    expect(whole.report.computation).toBeUndefined();
    expect(spilled.report.computation).toMatchObject({
      reading: 'spilled',
      statistics: 'exact',
      binnedColumns: 0,
      memoryBudget: 1024 ** 2,
    });
    expect(spilled.report.computation!.spilledColumns).toBe(3);
    expect(spilled.report.computation!.estimatedInMemory).toBeGreaterThan(1024 ** 2);
    expect(withoutTime(spilled.report)).toEqual(withoutTime(whole.report));
    spilledMultivariate(spilled.report, whole.report);
    expect(spilled.stdout).toContain(
      '3 numeric columns were spilled to a temporary file and analysed one at a time; every statistic is exact.',
    );
    expect(whole.stdout).not.toContain('Computation:');
  });

  // Both files Parquet: their number columns are not spilled but decoded from the files' own column chunks by the
  // column jobs (decision 0035), across row groups of 777 rows, ~1 KiB pages, dictionary and PLAIN pages and nulls
  // (scripts/golden/report_row_groups.py: the golden CSVs' rows four times over), in-process and through the built CLI's worker threads.
  it('both files Parquet in several row groups: the columns read from the files give the in-memory report', async () => {
    const args = [
      '--reference',
      join(GOLDEN, 'reference-row-groups.parquet'),
      '--current',
      join(GOLDEN, 'current-row-groups.parquet'),
      '--group-columns',
      'sex,race',
    ];
    const whole = await report(args);
    const spilled = await report([...args, '--memory-budget', '1MiB']);
    expect(spilled.report.computation).toMatchObject({ reading: 'spilled', statistics: 'exact', spilledColumns: 3 });
    expect(withoutTime(spilled.report)).toEqual(withoutTime(whole.report));
    spilledMultivariate(spilled.report, whole.report);
    expect(spilled.report.explanations?.surrogate?.rows).toEqual({
      reference: expect.any(Number),
      current: expect.any(Number),
    });
    const out = join(mkdtempSync(join(dir, 'cli-pq-')), 'r.json');
    const tmp = mkdtempSync(join(dir, 'tmp-pq-'));
    const r = spawnSync(process.execPath, [BIN, 'report', ...args, '--json', out, '--memory-budget', '1MiB'], {
      encoding: 'utf8',
      env: { ...process.env, TMPDIR: tmp },
    });
    expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
    const cli = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(cli.computation?.reading).toBe('spilled');
    expect(withoutTime(cli)).toEqual(withoutTime(whole.report));
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('through the built CLI, whose readers and column analyses run on worker threads, and leaves no spill file', () => {
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const run = (extra: string[]): Report => {
      const out = join(mkdtempSync(join(dir, 'cli-')), 'r.json');
      const r = spawnSync(
        process.execPath,
        [
          BIN,
          'report',
          '--reference',
          join(GOLDEN, 'reference.csv'),
          '--current',
          join(GOLDEN, 'current.parquet'),
          '--group-columns',
          'sex,race',
          '--json',
          out,
          ...extra,
        ],
        { encoding: 'utf8', env: { ...process.env, TMPDIR: tmp } },
      );
      expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
      return JSON.parse(readFileSync(out, 'utf8')) as Report;
    };
    const spilled = run(['--memory-budget', '1MiB']);
    expect(spilled.computation?.reading).toBe('spilled');
    const whole = run([]);
    expect(withoutTime(spilled)).toEqual(withoutTime(whole));
    spilledMultivariate(spilled, whole);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

// Issue 19's leftover: a report killed mid-run (Ctrl-C, a CI timeout) left its spill files in $TMPDIR.
describe('a report killed by SIGINT or SIGTERM while spilling', () => {
  // 8 numeric columns of 400,000 rows (about 30 MB): far beyond a 1MiB budget, and long enough to be caught mid-run.
  const big = join(dir, 'kill-me.csv');
  const random = seededRandom(7);
  const lines = ['a,b,c,d,e,f,g,h,score,label'];
  for (let i = 0; i < 400_000; i++) {
    const score = random();
    lines.push(
      `${Array.from({ length: 8 }, () => (random() * 1000).toFixed(4)).join(',')},${score.toFixed(6)},${random() < score ? 1 : 0}`,
    );
  }
  writeFileSync(big, `${lines.join('\n')}\n`);

  /** The sizes of the files under TMPDIR's `vigil-report-*` directories (the spill). */
  const spillFiles = (tmp: string): number[] =>
    readdirSync(tmp)
      .filter((d) => d.startsWith('vigil-report-'))
      .flatMap((d) => {
        try {
          return readdirSync(join(tmp, d)).map((f) => statSync(join(tmp, d, f)).size);
        } catch {
          return []; // removed meanwhile
        }
      });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    '%s: the spill directory is removed and the exit code is %i',
    async (signal, code) => {
      const tmp = mkdtempSync(join(dir, 'killed-'));
      const child = spawn(
        process.execPath,
        [
          BIN,
          'report',
          '--reference',
          big,
          '--current',
          big,
          '--memory-budget',
          '1MiB',
          '--json',
          join(tmp, 'never.json'),
        ],
        { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (status) => resolve(status)));
      let running = true;
      void exited.then(() => (running = false));
      // Wait until the spill has bytes in it (polling; nothing is asserted about time), then send the signal.
      while (running && !spillFiles(tmp).some((size) => size > 0))
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(running).toBe(true);
      child.kill(signal);
      expect(await exited).toBe(code);
      expect(readdirSync(tmp).filter((d) => d.startsWith('vigil-report-'))).toEqual([]);
      expect(stderr).not.toMatch(/\n {4}at /);
    },
    120_000,
  );
});

describe('the binned path, forced by a budget too small for one column pair per thread', () => {
  const random = seededRandom(19);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const write = (name: string, n: number, shift: number): string => {
    const lines = ['a,b,c,d,score,label'];
    for (let i = 0; i < n; i++) {
      const a = random() < 0.02 ? '' : (normal() + shift).toFixed(5);
      const b = Math.exp(1 + 0.5 * normal() + shift / 4).toFixed(4);
      const c = String(Math.floor(random() * (6 + shift)));
      const d = (1e6 + 10 * normal() + shift).toFixed(3);
      const score = random();
      lines.push(`${a},${b},${c},${d},${score.toFixed(6)},${random() < score ? 1 : 0}`);
    }
    writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
    return join(dir, name);
  };
  const reference = write('binned-reference.csv', 40_000, 0);
  const current = write('binned-current.csv', 30_000, 0.3);

  it('each statistic within its printed bound of the exact path; the rest exact', async () => {
    const exact = (await report(['--reference', reference, '--current', current])).report;
    const page = join(mkdtempSync(join(dir, 'html-')), 'r.html');
    const { report: binned, stdout } = await report([
      '--reference',
      reference,
      '--current',
      current,
      '--memory-budget',
      '1MiB',
      '--html',
      page,
    ]);
    // The HTML report marks them too (it did not: only the console did).
    const html = readFileSync(page, 'utf8');
    expect(
      html.match(/<span class="binned" title="Binned: KS within [^"]+">binned, KS ±[\d.e-]+<\/span>/g),
    ).toHaveLength(4);
    expect(binned.computation).toMatchObject({
      reading: 'spilled',
      statistics: 'binned',
      binnedColumns: 4,
      spilledColumns: 4,
    });
    expect(stdout).toMatch(/4 of them binned \(KS within 0\.\d+ of exact/);
    for (const [i, e] of exact.drift.entries()) {
      const b = binned.drift[i]!;
      expect(b.feature).toBe(e.feature);
      expect(b.statistics).toBe('binned');
      expect(b.ksErrorBound).toBeLessThan(0.01);
      expect(stdout).toContain(`${e.feature}`);
      const em = e.metrics as { ks: number; wasserstein: number; psi: number };
      const bm = b.metrics as { ks: number; wasserstein: number; psi: number };
      expect(Math.abs(bm.ks - em.ks)).toBeLessThanOrEqual(b.ksErrorBound!);
      expect(Math.abs(bm.wasserstein - em.wasserstein)).toBeLessThanOrEqual(b.wassersteinErrorBound!);
      // Bins from approximate deciles: the decision agrees here, and PSI is near.
      expect(b.drifted).toBe(e.drifted);
      expect(Math.abs(bm.psi - em.psi)).toBeLessThan(0.01);
    }
    for (const [i, e] of exact.dataQuality.entries()) {
      const b = binned.dataQuality[i]!;
      if (e.kind !== 'numeric' || b.kind !== 'numeric') throw new Error('numeric features only');
      expect(b.statistics).toBe('binned');
      for (const side of ['reference', 'current'] as const) {
        expect([b[side].rows, b[side].missing, b[side].min, b[side].max]).toEqual([
          e[side].rows,
          e[side].missing,
          e[side].min,
          e[side].max,
        ]);
        for (const q of ['p5', 'p25', 'p50', 'p75', 'p95'] as const) {
          // Within the value bucket: 2^-7 of the distance from the reference median, which is under 2^-7 of the range.
          expect(Math.abs(b[side][q] - e[side][q])).toBeLessThanOrEqual(2 ** -7 * (e[side].max - e[side].min));
        }
      }
      expect(b.outsideReferenceRange).toEqual(e.outsideReferenceRange);
    }
    // The score is kept in memory: prediction drift, calibration and performance are the exact ones.
    expect(binned.prediction).toEqual(exact.prediction);
    expect(binned.calibration).toEqual(exact.calibration);
    expect(binned.performance).toEqual(exact.performance);
  });
});

describe('a --memory-budget that is not a size is refused', () => {
  it.each(['lots', '0', '12XB', '-5GB', '512KiB', ''])('%j', async (budget) => {
    const r = await runCli([
      'report',
      '--reference',
      join(GOLDEN, 'reference.csv'),
      '--current',
      join(GOLDEN, 'current.csv'),
      `--memory-budget=${budget}`,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `error [VIGIL_USAGE]: vigil report: --memory-budget ${JSON.stringify(budget)} is not a size of at least 1MiB`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['2GB', 2e9],
    ['512MiB', 512 * 1024 ** 2],
    ['1.5g', 1.5 * 1024 ** 3],
    ['1048576', 1024 ** 2],
  ])('accepts %s', async (budget, bytes) => {
    const { report: r } = await report([
      '--reference',
      join(GOLDEN, 'reference.csv'),
      '--current',
      join(GOLDEN, 'current.csv'),
      '--memory-budget',
      budget,
      '--group-columns',
      'sex,race',
    ]);
    // All of these fit the golden files whole except the smallest.
    if (bytes > 10 * 1024 ** 2) expect(r.computation).toBeUndefined();
    else expect(r.computation?.memoryBudget).toBe(bytes);
  });
});
