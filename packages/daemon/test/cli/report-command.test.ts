import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '@vigil/analyzers';
import { seededRandom } from '@vigil/core';
import { runCli } from './run-cli';

/** Within 1e-9 relative or 1e-12 absolute: the computations are exact, only summation order differs. */
function expectClose(actual: unknown, expected: unknown, path: string): void {
  if (expected === null || expected === undefined) {
    expect({ path, actual: actual ?? null }).toEqual({ path, actual: null });
    return;
  }
  if (typeof expected === 'number') {
    expect(typeof actual).toBe('number');
    const a = actual as number;
    const ok = Math.abs(a - expected) <= Math.max(1e-12, 1e-9 * Math.abs(expected));
    if (!ok) throw new Error(`${path}: got ${a}, expected ${expected} (scipy/sklearn/fairlearn)`);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual)).toBe(true);
    expect((actual as unknown[]).length).toBe(expected.length);
    expected.forEach((e, i) => expectClose((actual as unknown[])[i], e, `${path}[${i}]`));
    return;
  }
  expect({ path, actual }).toEqual({ path, actual: expected });
}

describe.each(['large', 'small'])('vigil report against the reference implementations (%s scenario)', (scenario) => {
  const dir = join(__dirname, '../golden', scenario);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  let report: Report;
  let stderr: string;

  beforeAll(async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'vigil-report-')), 'report.json');
    const result = await runCli([
      'report',
      '--reference',
      join(dir, 'reference.csv'),
      '--current',
      join(dir, 'current.csv'),
      '--group-columns',
      'sex,race',
      '--json',
      out,
    ]);
    expect(result.code).toBe(0);
    stderr = result.stderr;
    report = JSON.parse(readFileSync(out, 'utf8'));
  });

  it('infers the features and prints the inference', () => {
    expect(stderr).toContain('Features inferred from');
    expect(stderr).toContain('x1:numeric,x2:numeric,x3:numeric,c1:categorical,c2:categorical');
    expect(report.options.features.every((f) => f.inferred)).toBe(true);
    expect(report.rows).toEqual(expected.rows);
  });

  it('bins, tests and decides drift per feature exactly as scipy does', () => {
    expect(report.drift.map((d) => d.feature)).toEqual(expected.drift.map((d: { feature: string }) => d.feature));
    for (const [i, e] of (expected.drift as Record<string, unknown>[]).entries()) {
      const d = report.drift[i]!;
      expect({ feature: d.feature, kind: d.kind, method: d.method, drifted: d.drifted }).toEqual({
        feature: e.feature,
        kind: e.kind,
        method: e.method,
        drifted: e.drifted,
      });
      for (const [k, v] of Object.entries(e.metrics as Record<string, number>))
        expectClose((d.metrics as unknown as Record<string, number>)[k], v, `${d.feature}.${k}`);
      expect(d.histogram.reference).toEqual(e.reference);
      expect(d.histogram.current).toEqual(e.current);
      expectClose(d.pValueAdjusted, e.pValueAdjusted, `${d.feature}.pValueAdjusted`);
    }
  });

  it('measures prediction drift, calibration and performance as scipy and scikit-learn do', () => {
    for (const [k, v] of Object.entries(report.prediction!.metrics))
      expectClose(v, expected.prediction[k], `prediction.${k}`);
    // The score's KS is one test of the report's Benjamini–Hochberg family, with the features' tests.
    expectClose(report.prediction!.pValueAdjusted, expected.predictionPValueAdjusted, 'prediction.pValueAdjusted');
    for (const k of ['ece', 'eceEqualMass', 'mce', 'brier'])
      expectClose(
        (report.calibration as unknown as Record<string, number>)[k],
        expected.calibration[k],
        `calibration.${k}`,
      );
    expect(report.calibration!.rows).toBe(expected.calibrationRows);
    for (const [k, v] of Object.entries(expected.performance))
      expectClose((report.performance as unknown as Record<string, number>)[k], v, `performance.${k}`);
  });

  it('reports group rates with Wilson intervals and the differences fairlearn computes', () => {
    for (const e of expected.fairness) {
      const f = report.fairness.find((x) => x.attribute === e.attribute)!;
      expect(f.groups.map((g) => g.group)).toEqual(e.groups.map((g: { group: string }) => g.group));
      for (const [i, eg] of (e.groups as Record<string, unknown>[]).entries()) {
        const g = f.groups[i] as unknown as Record<string, unknown>;
        for (const [k, v] of Object.entries(eg)) expectClose(g[k], v, `${e.attribute}.${eg.group}.${k}`);
      }
      for (const k of [
        'statisticalParityDifference',
        'disparateImpactRatio',
        'equalOpportunityDifference',
        'equalizedOddsDifference',
        'predictiveParityDifference',
      ]) {
        expectClose((f as unknown as Record<string, number>)[k], e[k], `${e.attribute}.${k}`);
      }
    }
  });
});

describe('vigil report: bad input is refused with what and where', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bad-'));
  const good = join(__dirname, '../golden/small/reference.csv');
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('a missing file', async () => {
    const r = await runCli(['report', '--reference', join(dir, 'nope.csv'), '--current', good]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/VIGIL_FILE_NOT_FOUND.*nope\.csv/);
  });

  it('an unknown column', async () => {
    const r = await runCli(['report', '--reference', good, '--current', good, '--score-column', 'proba']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/VIGIL_UNKNOWN_COLUMN.*"proba"/);
  });

  it('a non-numeric value in a numeric column: file, line and column', async () => {
    const ref = write('ref.csv', 'age,city\n41,north\n52,south\n');
    const cur = write('cur.csv', 'age,city\n41,north\nforty,south\n');
    const r = await runCli(['report', '--reference', ref, '--current', cur]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('VIGIL_BAD_VALUE');
    expect(r.stderr).toMatch(/cur\.csv:3.*"age".*forty/);
  });

  it('an empty file', async () => {
    const r = await runCli(['report', '--reference', write('empty.csv', ''), '--current', good]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/VIGIL_FILE_EMPTY.*empty\.csv/);
  });

  it('bad flags, all listed together', async () => {
    const r = await runCli(['report', '--threshold', '7', '--features', 'age:number']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--reference FILE is required; --current FILE is required; --threshold "7" is out of range \(a number from 0 to 1\); --features: "age:number"/,
    );
  });

  it('a score that is not a probability', async () => {
    const ref = write('s.csv', 'x,score\n1,0.2\n2,1.7\n');
    const r = await runCli(['report', '--reference', ref, '--current', ref]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/s\.csv:3: column "score": 1.7 is not a probability/); // data row 2 is line 3, after the header
  });

  it("a text score in the reference: the reference's file, line and value, not the current's", async () => {
    const ref = write('text-score-ref.csv', 'x,score\n1,0.2\n2,0.4\n3,abc\n4,0.5\n');
    const cur = write('text-score-cur.csv', 'x,score\n1,0.87561\n2,0.3\n');
    const r = await runCli(['report', '--reference', ref, '--current', cur]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error \[VIGIL_BAD_VALUE\]: \S*text-score-ref\.csv:4: column "score": "abc" is not a probability in \[0, 1\]$/m,
    );
    expect(r.stderr).not.toContain('text-score-cur.csv');
  });

  it('--protected naming a group column says to list it in --features, and listing it works', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i % 7},${(i % 10) / 10},${i % 2},${i % 3 ? 'f' : 'm'}`);
    const csv = write('grouped.csv', ['x,score,label,sex', ...rows].join('\n') + '\n');
    const base = [
      'report',
      '--reference',
      csv,
      '--current',
      csv,
      '--group-columns',
      'sex',
      '--json',
      join(dir, 'g.json'),
    ];
    const refused = await runCli([...base, '--protected', 'sex']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      '--protected names "sex", not a feature (features: x); "sex" is a group column, not analysed as a feature unless listed: pass --features with it and the other features, e.g. --features x:numeric,sex:categorical',
    );
    const fixed = await runCli([...base, '--protected', 'sex', '--features', 'x:numeric,sex:categorical']);
    expect(fixed.stderr).not.toContain('error');
    expect(fixed.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'g.json'), 'utf8')) as Report;
    expect(report.options.features.map((f) => f.name)).toEqual(['x', 'sex']);
  });

  it('--fail-on-drift exits 3 when a feature drifted, 0 otherwise', async () => {
    const small = join(__dirname, '../golden/small');
    const drifted = await runCli([
      'report',
      '--reference',
      join(small, 'reference.csv'),
      '--current',
      join(small, 'current.csv'),
      '--fail-on-drift',
    ]);
    expect(drifted.code).toBe(3);
    expect(drifted.stdout).toMatch(/DRIFT\s+x1/);
    const same = await runCli(['report', '--reference', good, '--current', good, '--fail-on-drift']);
    expect(same.code).toBe(0);
    // Without --group-columns, sex and race are features too.
    expect(same.stdout).toContain('Drift: 0 of 7 features drifted');
  });
});

describe('vigil report: other inputs and tasks', () => {
  const out = mkdtempSync(join(tmpdir(), 'vigil-more-'));

  it('reads a ZSTD Parquet current file to exactly the report of its CSV twin', async () => {
    const small = join(__dirname, '../golden/small');
    const run = async (current: string, name: string): Promise<Omit<Report, 'generatedAt'>> => {
      const path = join(out, name);
      const r = await runCli([
        'report',
        '--reference',
        join(small, 'reference.csv'),
        '--current',
        join(small, current),
        '--group-columns',
        'sex,race',
        '--json',
        path,
      ]);
      expect(r.stderr).not.toMatch(/error/);
      expect(r.code).toBe(0);
      const { generatedAt: _generatedAt, ...report } = JSON.parse(readFileSync(path, 'utf8')) as Report;
      return report;
    };
    expect(await run('current.parquet', 'parquet.json')).toEqual(await run('current.csv', 'csv.json'));
  });

  it('gives regression models MAE, RMSE and bias as scikit-learn does, and no calibration', async () => {
    const dir = join(__dirname, '../golden/regression');
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
    const path = join(out, 'regression.json');
    const r = await runCli([
      'report',
      '--task',
      'regression',
      '--reference',
      join(dir, 'reference.csv'),
      '--current',
      join(dir, 'current.csv'),
      '--json',
      path,
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
    expect(report.calibration).toBeUndefined();
    for (const [k, v] of Object.entries(expected.performance))
      expectClose((report.performance as unknown as Record<string, number>)[k], v, `performance.${k}`);
    for (const [k, v] of Object.entries(report.prediction!.metrics))
      expectClose(v, expected.prediction[k], `prediction.${k}`);
    // Some current rows have no label: the line says over how many the figures are.
    expect(r.stdout).toMatch(/Performance over \d+ of 600 rows \(labelled\): mae/);
  });
});

describe('vigil report --config --model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
  const small = join(__dirname, '../golden/small');
  const config = join(dir, 'vigil.yaml');
  writeFileSync(
    config,
    [
      'models:',
      '  - id: golden-small',
      '    task: binary',
      '    threshold: 0.5',
      '    owner: { name: Test team, webhook: "http://127.0.0.1:9/hook" }',
      '    features: { x1: numeric, x2: numeric, x3: numeric, c1: categorical, c2: categorical }',
      '    groups: [sex, race]',
      '    minGroupSize: 30',
      '',
    ].join('\n'),
  );
  const withoutTime = (path: string): unknown => {
    const { generatedAt: _g, options: _o, ...rest } = JSON.parse(readFileSync(path, 'utf8')) as Report;
    return rest;
  };

  it("takes features, groups and thresholds from the model's configuration", async () => {
    const base = ['report', '--reference', join(small, 'reference.csv'), '--current', join(small, 'current.csv')];
    const fromConfig = await runCli([
      ...base,
      '--config',
      config,
      '--model',
      'golden-small',
      '--json',
      join(dir, 'a.json'),
    ]);
    expect(fromConfig.stderr).not.toContain('inferred');
    expect(fromConfig.code).toBe(0);
    const fromFlags = await runCli([
      ...base,
      '--features',
      'x1:numeric,x2:numeric,x3:numeric,c1:categorical,c2:categorical',
      '--group-columns',
      'sex,race',
      '--json',
      join(dir, 'b.json'),
    ]);
    expect(fromFlags.code).toBe(0);
    expect(withoutTime(join(dir, 'a.json'))).toEqual(withoutTime(join(dir, 'b.json')));
  });

  it('refuses a model that is not configured, and --model without --config', async () => {
    const withModel = (id: string) =>
      runCli(['report', '--reference', 'a', '--current', 'b', '--config', config, '--model', id]);
    const unknown = await withModel('nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no model "nope" in .*vigil\.yaml \(models: golden-small\)/);
    const typo = await withModel('golden-smal');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(
      /error \[VIGIL_USAGE\]: vigil report: no model "golden-smal" in .*vigil\.yaml; did you mean "golden-small"\?/,
    );
    const alone = await runCli(['report', '--reference', 'a', '--current', 'b', '--model', 'golden-small']);
    expect(alone.stderr).toMatch(/--config and --model go together/);
  });
});

describe('vigil report: the built CLI', () => {
  it('analyses numeric columns on worker threads with exactly the in-process result', async () => {
    // jest runs the TypeScript sources, where the columns are analysed on the calling thread; the built CLI
    // (scripts/setup.sh builds it) spreads them over worker threads. Both must give the same numbers.
    const large = join(__dirname, '../golden/large');
    const out = mkdtempSync(join(tmpdir(), 'vigil-built-'));
    const args = [
      'report',
      '--reference',
      join(large, 'reference.csv'),
      '--current',
      join(large, 'current.csv'),
      '--group-columns',
      'sex,race',
    ];
    execFileSync(process.execPath, [join(__dirname, '../../dist/bin.js'), ...args, '--json', join(out, 'built.json')], {
      stdio: 'pipe',
    });
    const inProcess = await runCli([...args, '--json', join(out, 'src.json')]);
    expect(inProcess.code).toBe(0);
    const read = (name: string): unknown => {
      const { generatedAt: _g, ...rest } = JSON.parse(readFileSync(join(out, name), 'utf8')) as Report;
      return rest;
    };
    expect(read('built.json')).toEqual(read('src.json'));
  });

  it('reports errors from its file-reader threads with code, file, line and column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-built-bad-'));
    writeFileSync(join(dir, 'ref.csv'), 'age,city\n41,north\n52,south\n');
    writeFileSync(join(dir, 'cur.csv'), 'age,city\n41,north\nforty,south\n');
    const run = (ref: string): { status: number | null; stderr: string } => {
      try {
        execFileSync(
          process.execPath,
          [
            join(__dirname, '../../dist/bin.js'),
            'report',
            '--reference',
            join(dir, ref),
            '--current',
            join(dir, 'cur.csv'),
          ],
          { stdio: 'pipe' },
        );
        return { status: 0, stderr: '' };
      } catch (error) {
        const e = error as { status: number | null; stderr: Buffer };
        return { status: e.status, stderr: e.stderr.toString() };
      }
    };
    expect(run('ref.csv')).toEqual({
      status: 2,
      stderr: expect.stringMatching(/VIGIL_BAD_VALUE.*cur\.csv:3: column "age": "forty" is not a number/),
    });
    expect(run('missing.csv')).toEqual({
      status: 2,
      stderr: expect.stringMatching(/VIGIL_FILE_NOT_FOUND.*missing\.csv/),
    });
  });
});

describe('vigil report: id and ts are never features', () => {
  // The reference has numeric ids and epoch times, the current file text ids and ISO dates: neither column is
  // analysed, so neither is compared between the files nor made to parse as a number.
  const dir = mkdtempSync(join(tmpdir(), 'vigil-report-ids-'));
  const random = (seed: number) => () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const next = random(7);
  const rows = Array.from({ length: 200 }, (_, i) => ({
    income: Number((40 + 30 * next()).toFixed(3)),
    region: ['north', 'south', 'east'][i % 3]!,
    score: Number(next().toFixed(4)),
    label: next() < 0.5 ? 1 : 0,
  }));
  const ref = rows.slice(0, 100);
  const cur = rows.slice(100);
  const body = (list: typeof rows) => list.map((r) => `${r.income},${r.region},${r.score},${r.label}`);
  writeFileSync(
    join(dir, 'ref.csv'),
    `id,ts,income,region,score,label\n${body(ref)
      .map((l, i) => `${i},${1_764_000_000_000 + i},${l}`)
      .join('\n')}\n`,
  );
  writeFileSync(
    join(dir, 'cur.csv'),
    `id,ts,income,region,score,label\n${body(cur)
      .map((l, i) => `r${i},2026-12-03,${l}`)
      .join('\n')}\n`,
  );
  // The same current rows without id and ts: the report must be the same.
  writeFileSync(join(dir, 'cur-bare.csv'), `income,region,score,label\n${body(cur).join('\n')}\n`);
  writeFileSync(
    join(dir, 'cur.ndjson'),
    cur
      .map((r, i) =>
        JSON.stringify({
          model: 'm',
          id: `p${i}`,
          ts: '2026-12-05T00:00:00Z',
          features: { income: r.income, region: r.region },
          score: r.score,
          label: r.label,
        }),
      )
      .join('\n') + '\n',
  );
  const report = async (current: string): Promise<Report> => {
    const out = join(dir, `${current}.json`);
    const result = await runCli(['report', '--reference', 'ref.csv', '--current', current, '--json', out], dir);
    expect({ code: result.code, stderr: result.stderr }).toEqual({
      code: 0,
      stderr: expect.not.stringContaining('error'),
    });
    return JSON.parse(readFileSync(out, 'utf8')) as Report;
  };

  it('reads text ids and ISO dates in a CSV beside numeric ones, and reports as without them', async () => {
    const withIds = await report('cur.csv');
    expect(withIds.options.features.map((f) => f.name)).toEqual(['income', 'region']);
    expect(withIds.rows).toEqual((await report('cur-bare.csv')).rows);
  });

  it('reads NDJSON events with text ids against a CSV with numeric ids', async () => {
    const events = await report('cur.ndjson');
    expect(events.options.features.map((f) => f.name)).toEqual(['income', 'region']);
    expect(events.rows).toEqual((await report('cur-bare.csv')).rows);
  });
});

describe('vigil report: a wide file on the console', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-report-wide-'));
  const names = Array.from({ length: 40 }, (_, i) => `f${String(i).padStart(2, '0')}`);
  /** 300 rows of 40 numeric features and a categorical one; f05 and f30 moved by `shift`. */
  const wideFile = (name: string, seed: number, shift: number): string => {
    const random = seededRandom(seed);
    const lines = [[...names, 'region', 'score'].join(',')];
    for (let r = 0; r < 300; r++) {
      const row = names.map((n) => random() + (n === 'f05' || n === 'f30' ? shift : 0));
      lines.push([...row, random() < 0.5 ? 'north' : 'south', random()].join(','));
    }
    const path = join(dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };
  const ref = wideFile('ref.csv', 1, 0);
  const cur = wideFile('cur.csv', 2, 2);
  const featureLines = (text: string): string[] => text.split('\n').filter((l) => /^ {2}(DRIFT|ok|…)/.test(l));

  it('names the first inferred features and counts the rest, and folds the features that did not drift', async () => {
    const json = join(dir, 'wide.json');
    const r = await runCli(['report', '--reference', ref, '--current', cur, '--json', json]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `Features inferred from ${ref}: 41 (40 numeric, 1 categorical): ${names
        .slice(0, 10)
        .map((n) => `${n}:numeric`)
        .join(',')} … and 31 more\n  (pass --features to set them, --all-features to list them all)\n`,
    );
    const lines = featureLines(r.stdout);
    expect(lines).toHaveLength(31);
    expect(lines.filter((l) => l.startsWith('  DRIFT')).map((l) => l.slice(9, 12))).toEqual(['f05', 'f30']);
    expect(lines[30]).toBe('  … 11 more features ok; --all-features, --json or --html for all');
    // The JSON keeps every feature.
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(report.drift).toHaveLength(41);
    expect(report.options.features).toHaveLength(41);
  });

  it('prints every feature and every inferred name with --all-features', async () => {
    const r = await runCli(['report', '--reference', ref, '--current', cur, '--all-features']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `Features inferred from ${ref}: ${[...names.map((n) => `${n}:numeric`), 'region:categorical'].join(',')}\n  (pass --features to set them)\n`,
    );
    const lines = featureLines(r.stdout);
    expect(lines).toHaveLength(41);
    expect(lines.some((l) => l.startsWith('  …'))).toBe(false);
  });

  it('refuses --json naming the input once when --reference and --current are the same file', async () => {
    const r = await runCli(['report', '--reference', ref, '--current', ref, '--json', ref]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      `error [VIGIL_USAGE]: vigil report: --json ${ref} is an input file; refusing to overwrite it`,
    );
  });
});
