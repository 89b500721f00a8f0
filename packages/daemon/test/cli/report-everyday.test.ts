/**
 * `vigil report` as a data scientist and a CI pipeline first meet it: unlabelled current files, gates for every
 * section, outputs that never destroy an input, standard input and pipes, contradictions refused, and errors that
 * say where. Each case failed before the everyday-use pass (its test name says what it did then).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '@vigil/analyzers';
import { seededRandom } from '@vigil/core';
import { runCli } from './run-cli';

const BIN = join(__dirname, '../../dist/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'vigil-everyday-'));
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/**
 * Rows of a logistic model: x ~ N(shift, 1), a zero-inflated `gain`, the score sigmoid(x + scoreBias) and a label
 * drawn from sigmoid(x) — calibrated when scoreBias is 0. `sex` and a conventional `label` column.
 */
function rows(n: number, seed: number, { shift = 0, scoreBias = 0, labels = true } = {}): string {
  const random = seededRandom(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
  const lines = [`x,gain,region,sex,score${labels ? ',label' : ''}`];
  for (let i = 0; i < n; i++) {
    const x = normal() + shift;
    const gain = random() < 0.1 ? Math.round(random() * 5000) : 0;
    const region = random() < 0.5 ? 'north' : 'south';
    const sex = random() < 0.5 ? 'F' : 'M';
    const score = sigmoid(x + scoreBias);
    const label = random() < sigmoid(x) ? 1 : 0;
    lines.push(`${x},${gain},${region},${sex},${score}${labels ? `,${label}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

const reference = write('reference.csv', rows(3000, 1));
const healthy = write('healthy.csv', rows(3000, 2));
const broken = write('broken.csv', rows(3000, 3, { shift: 0, scoreBias: 3 }));
const unlabelled = write('unlabelled.csv', rows(3000, 4, { labels: false }));

async function reportJson(args: string[]): Promise<{ code: number; stdout: string; stderr: string; report: Report }> {
  const out = join(mkdtempSync(join(dir, 'out-')), 'r.json');
  const r = await runCli(['report', ...args, '--json', out]);
  return {
    ...r,
    report: r.code === 2 ? (undefined as unknown as Report) : (JSON.parse(readFileSync(out, 'utf8')) as Report),
  };
}

describe('an unlabelled current file (before: "no column label", exit 2)', () => {
  it.each([[[]], [['--label-column', 'label']]])(
    'gives drift, prediction drift and selection-rate fairness %j',
    async (extra) => {
      const r = await reportJson([
        '--reference',
        reference,
        '--current',
        unlabelled,
        '--group-columns',
        'sex',
        ...extra,
      ]);
      expect(r.code).toBe(0);
      expect(r.report.drift.map((d) => d.feature)).toEqual(['x', 'gain', 'region']);
      expect(r.report.prediction?.metrics.psi).toBeGreaterThanOrEqual(0);
      expect(r.report.calibration).toBeUndefined();
      const sex = r.report.fairness.find((f) => f.attribute === 'sex');
      expect(sex?.groups.map((g) => g.group).sort()).toEqual(['F', 'M']);
      expect(sex?.statisticalParityDifference).toEqual(expect.any(Number));
      expect(sex?.equalOpportunityDifference).toBeNull();
      // One line says which sections need labels; the label column is never taken for a feature.
      expect(r.stderr).toMatch(
        /Not computed: calibration, performance \(measured\) and the fairness rates tpr, fpr, fnr, ppv need labels in the current file .*unlabelled\.csv \(column "label"\); performance is estimated instead/,
      );
      expect(r.stderr).toContain('label=label (not in the current file)');
    },
  );

  it("a reference without scores still gives the current file's calibration and performance, and says prediction drift needs them", async () => {
    const noScore = write('ref-noscore.csv', readFileSync(reference, 'utf8').replace(/,score,label\n/, ',s,label\n'));
    const r = await reportJson(['--reference', noScore, '--current', healthy, '--features', 'x:numeric']);
    expect(r.code).toBe(0);
    expect(r.report.prediction).toBeUndefined();
    expect(r.report.calibration?.ece).toBeLessThan(0.05);
    expect(r.report.performance).toHaveProperty('auc');
    expect(r.stderr).toMatch(
      /Not computed: prediction drift needs a score in the reference file .*ref-noscore\.csv too/,
    );
  });
});

describe('--fail-on gates every section (before: --fail-on-drift passed a model with score PSI 4 and ECE 0.4)', () => {
  it('a broken model fails the score and calibration gates: exit 3, one line per failure with metric, value and threshold', async () => {
    const r = await runCli([
      'report',
      '--reference',
      reference,
      '--current',
      broken,
      '--fail-on',
      'score,calibration,performance',
    ]);
    expect(r.code).toBe(3);
    // The score is named as its column, not by the internal `$score`; >= as the score's DRIFT line and the features'.
    expect(r.stdout).toMatch(/^gate score failed: psi\(score\) [\d.]+ >= 0\.2 \(defaults\)$/m);
    expect(r.stdout).not.toContain('$score');
    expect(r.stdout).toMatch(/^Prediction drift: DRIFT psi [\d.]+ \(threshold 0\.200\), ks /m);
    expect(r.stdout).toMatch(/^gate calibration failed: ece [\d.]+ > 0\.1 \(defaults\)$/m);
    // The ranking is intact (scores are a monotone shift), so AUC holds; accuracy at 0.5 collapses.
    expect(r.stdout).toMatch(/^gate performance failed: accuracy [\d.]+ < [\d.]+ \(defaults\)$/m);
    expect(r.stdout).not.toMatch(/performance failed: auc/);
    const json = await reportJson(['--reference', reference, '--current', broken, '--fail-on', 'calibration']);
    expect((json.report as Report & { gates: unknown }).gates).toEqual([
      {
        gate: 'calibration',
        status: 'failed',
        by: 'defaults',
        failures: [
          { metric: 'ece', subject: '', value: json.report.calibration?.ece, comparison: '>', threshold: 0.1 },
        ],
      },
    ]);
    // --fail-on-drift alone still judges only the features, which did not move.
    expect((await runCli(['report', '--reference', reference, '--current', broken, '--fail-on-drift'])).code).toBe(0);
  });

  it('a healthy model passes every gate; a gate that cannot be judged says why and does not fail', async () => {
    const ok = await runCli([
      'report',
      '--reference',
      reference,
      '--current',
      healthy,
      '--group-columns',
      'sex',
      '--fail-on',
      'all',
    ]);
    expect(ok.code).toBe(0);
    for (const gate of ['drift', 'multivariate', 'score', 'calibration', 'performance', 'fairness'])
      expect(ok.stdout).toContain(`gate ${gate} passed`);
    const unl = await runCli(['report', '--reference', reference, '--current', unlabelled, '--fail-on', 'calibration']);
    expect(unl.code).toBe(0);
    expect(unl.stdout).toMatch(/gate calibration not judged: .*needs scores and labels/);
  });

  it("--config --model judges by the model's own rules", async () => {
    const config = write(
      'vigil.yaml',
      [
        'models:',
        '  - id: m',
        '    task: binary',
        '    owner: { name: Risk ML, webhook: "http://127.0.0.1:9/hook" }',
        '    features: { x: numeric }',
        '    rules:',
        '      - { metric: ece, threshold: 0.01, clearThreshold: 0.005, minSamples: 10 }',
        '      - { metric: psi, threshold: 5, clearThreshold: 4 }',
      ].join('\n'),
    );
    const r = await runCli([
      'report',
      '--reference',
      reference,
      '--current',
      broken,
      '--config',
      config,
      '--model',
      'm',
      '--fail-on',
      'calibration,drift',
    ]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^gate calibration failed: ece [\d.]+ > 0\.01 \(rules of m\)$/m);
    expect(r.stdout).toMatch(/^gate drift passed \(rules of m\)$/m);
  });

  it('the multivariate gate fails a flipped correlation that every per-feature gate passes (before: no gate judged it)', async () => {
    // a and b correlate +0.9 in the reference and −0.9 in the current file; c is independent noise. Every marginal
    // is N(0, 1) in both files, so only the joint distribution moved.
    const correlated = (n: number, seed: number, rho: number): string => {
      const random = seededRandom(seed);
      const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      const lines = ['a,b,c'];
      for (let i = 0; i < n; i++) {
        const a = normal();
        lines.push(`${a},${rho * a + Math.sqrt(1 - rho * rho) * normal()},${normal()}`);
      }
      return `${lines.join('\n')}\n`;
    };
    const ref = write('corr-reference.csv', correlated(20000, 11, 0.9));
    const same = write('corr-same.csv', correlated(1000, 12, 0.9));
    const flipped = write('corr-flipped.csv', correlated(1000, 13, -0.9));

    const failed = await reportJson(['--reference', ref, '--current', flipped, '--fail-on', 'drift,multivariate']);
    expect(failed.code).toBe(3);
    const m = failed.report.multivariate;
    if (!m?.computed) throw new Error('multivariate drift was not computed');
    expect(m.drifted).toBe(true);
    expect(failed.stdout).toMatch(/^gate drift passed \(defaults\)$/m);
    expect(failed.stdout).toMatch(/^gate multivariate failed: reconstructionError [\d.]+ > [\d.]+ \(defaults\)$/m);
    expect((failed.report as Report & { gates: unknown }).gates).toContainEqual({
      gate: 'multivariate',
      status: 'failed',
      by: 'defaults',
      failures: [
        {
          metric: 'reconstructionError',
          subject: '',
          value: m.reconstructionError,
          comparison: '>',
          threshold: m.referenceReconstructionError.upper,
        },
      ],
    });

    const passed = await runCli(['report', '--reference', ref, '--current', same, '--fail-on', 'multivariate']);
    expect(passed.code).toBe(0);
    expect(passed.stdout).toMatch(/^gate multivariate passed \(defaults\)$/m);

    // One feature: nothing to reconstruct, so the gate is not judged, does not fail, and stderr says why.
    const one = await runCli([
      'report',
      '--reference',
      ref,
      '--current',
      flipped,
      '--features',
      'a:numeric',
      '--fail-on',
      'multivariate',
    ]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^gate multivariate not judged: no multivariate drift: needs at least two features$/m);
    expect(one.stderr).toMatch(/^Not computed: multivariate drift: needs at least two features$/m);

    // --config --model: the gate judges the model's own rule on reconstructionError, both ways.
    const config = write(
      'vigil-mv.yaml',
      [
        'models:',
        '  - id: mv',
        '    task: binary',
        '    owner: { name: Risk ML, webhook: "http://127.0.0.1:9/hook" }',
        '    features: { a: numeric, b: numeric, c: numeric }',
        '    rules:',
        '      - { metric: reconstructionError, threshold: 0.3, clearThreshold: 0.28 }',
      ].join('\n'),
    );
    const byRules = (current: string): Promise<{ code: number; stdout: string }> =>
      runCli([
        'report',
        '--reference',
        ref,
        '--current',
        current,
        '--config',
        config,
        '--model',
        'mv',
        '--fail-on',
        'multivariate',
      ]);
    const ruleFailed = await byRules(flipped);
    expect(ruleFailed.code).toBe(3);
    expect(ruleFailed.stdout).toMatch(/^gate multivariate failed: reconstructionError [\d.]+ > 0\.3 \(rules of mv\)$/m);
    const rulePassed = await byRules(same);
    expect(rulePassed.code).toBe(0);
    expect(rulePassed.stdout).toMatch(/^gate multivariate passed \(rules of mv\)$/m);
  });

  it('refuses an unknown gate', async () => {
    const r = await runCli(['report', '--reference', reference, '--current', healthy, '--fail-on', 'drift,speed']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--fail-on: unknown gate "speed"/);
  });
});

describe('outputs never destroy an input, and a failed write comes after the summary', () => {
  it('--html naming the current file is refused and the file is unchanged (before: overwritten)', async () => {
    const copy = write('keep.csv', readFileSync(healthy, 'utf8'));
    const before = readFileSync(copy, 'utf8');
    const r = await runCli(['report', '--reference', reference, '--current', copy, '--html', copy]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--html .*keep\.csv is an input file; refusing to overwrite it/);
    expect(readFileSync(copy, 'utf8')).toBe(before);
  });

  it('an unwritable --json is reported after the console summary, without a stack trace (before: internal error, no summary)', async () => {
    // Its "directory" is a file: no directory can be made there.
    const r = await runCli(['report', '--reference', reference, '--current', healthy, '--json', `${healthy}/r.json`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^Rows: reference 3000, current 3000/);
    expect(r.stderr).toContain(
      `error [VIGIL_OUTPUT_UNWRITABLE]: ${healthy}/r.json: cannot be written (a part of the path is a file, not a directory)`,
    );
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it("creates the outputs' missing directories, as README's example needs in a fresh directory (before: no such directory)", async () => {
    const cwd = mkdtempSync(join(dir, 'fresh-'));
    const r = await runCli(
      [
        'report',
        '--reference',
        reference,
        '--current',
        healthy,
        '--json',
        'out/report.json',
        '--html',
        'out/html/r.html',
      ],
      cwd,
    );
    expect([r.code, r.stderr]).toEqual([0, expect.not.stringMatching(/error/)]);
    expect((JSON.parse(readFileSync(join(cwd, 'out/report.json'), 'utf8')) as Report).rows).toEqual({
      reference: 3000,
      current: 3000,
    });
    expect(readFileSync(join(cwd, 'out/html/r.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/i);
  });

  it('--json - writes the JSON to standard output and the summary to stderr (before: a file named "-")', async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const r = await runCli(['report', '--reference', reference, '--current', healthy, '--json', '-'], cwd);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Report).rows).toEqual({ reference: 3000, current: 3000 });
    expect(r.stderr).toMatch(/Rows: reference 3000/);
    expect(existsSync(join(cwd, '-'))).toBe(false);
    expect(
      (await runCli(['report', '--reference', reference, '--current', healthy, '--json', '-', '--html', '-'])).code,
    ).toBe(2);
  });
});

describe('standard input, pipes and FIFOs are read as streams (before: "the file is empty")', () => {
  // A report that waits for a writer it will never get is a failure (status null), not a worker blocked for good: these
  // calls are synchronous, so jest's own timeout cannot end them.
  const HANG_MS = 300_000;
  const expected = (): string =>
    execFileSync('node', [BIN, 'report', '--reference', reference, '--current', healthy], { encoding: 'utf8' });

  it('--current - reads standard input', () => {
    const r = spawnSync('node', [BIN, 'report', '--reference', reference, '--current', '-'], {
      input: readFileSync(healthy),
      encoding: 'utf8',
    });
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(expected());
  });

  it('a process substitution <(cat f) and a FIFO', () => {
    const sub = spawnSync(
      'bash',
      ['-c', `node "${BIN}" report --reference "${reference}" --current <(cat "${healthy}")`],
      { encoding: 'utf8', timeout: HANG_MS },
    );
    expect(sub.status).toBe(0);
    expect(sub.stdout).toBe(expected());
    const fifo = join(dir, 'current.fifo');
    execFileSync('mkfifo', [fifo]);
    const viaFifo = spawnSync(
      'bash',
      [
        '-c',
        `cat "${healthy}" > "${fifo}" & node "${BIN}" report --reference "${reference}" --current "${fifo}"; wait`,
      ],
      { encoding: 'utf8', timeout: HANG_MS },
    );
    expect(viaFifo.status).toBe(0);
    expect(viaFifo.stdout).toBe(expected());
  });

  it('both inputs on standard input is refused', async () => {
    const r = await runCli(['report', '--reference', '-', '--current', '-']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot both read standard input/);
  });
});

describe('contradictions are refused, naming the conflict (before: accepted)', () => {
  it.each([
    [
      ['--reference', reference, '--reference', healthy, '--current', healthy],
      /vigil report: --reference is given 2 times; give it once/,
    ],
    [
      ['--reference', reference, '--current', healthy, '--score-column', 'label', '--label-column', 'label'],
      /column "label" cannot be --score-column and --label-column at once/,
    ],
    [
      ['--reference', reference, '--current', healthy, '--group-columns', 'sex,sex'],
      /--group-columns lists "sex" twice/,
    ],
    [
      ['--reference', reference, '--current', healthy, '--task', 'regression', '--threshold', '0.3'],
      /--threshold applies to binary models only/,
    ],
    [
      ['--reference', reference, '--current', healthy, '--features', 'x:numeric,x:numeric'],
      /--features lists "x" twice/,
    ],
    [
      ['--reference', reference, '--current', healthy, '--features', 'score:numeric', '--score-column', 'score'],
      /column "score" cannot be --score-column and a feature at once/,
    ],
  ])('%j', async (args, message) => {
    const r = await runCli(['report', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^error \[VIGIL_USAGE\]/);
  });

  it("a flag that gives another role's conventional column is refused (before: --score-column label showed a perfect model)", async () => {
    const r = await runCli(['report', '--reference', reference, '--current', healthy, '--score-column', 'label']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /column "label" cannot be --score-column and the label \(by its name\) at once; if the labels are in another column, name it with --label-column/,
    );
    const p = await runCli(['report', '--reference', reference, '--current', healthy, '--prediction-column', 'label']);
    expect(p.code).toBe(2);
  });

  it('a role column that neither file has is named', async () => {
    const r = await runCli(['report', '--reference', reference, '--current', healthy, '--label-column', 'outcome']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[VIGIL_UNKNOWN_COLUMN\]: --label-column "outcome": neither/);
  });

  it('a feature or group column a file lacks points at its header line (before: "reference.csv: no column …", no line)', async () => {
    const feature = await runCli([
      'report',
      '--reference',
      reference,
      '--current',
      healthy,
      '--features',
      'x:numeric,height:numeric',
    ]);
    expect(feature.code).toBe(2);
    expect(feature.stderr).toBe(
      `error [VIGIL_UNKNOWN_COLUMN]: ${reference}:1: no column "height"; the file has "x", "gain", "region", "sex", "score", "label"\n`,
    );
    // Blank lines before the header are skipped by the reader, and counted here.
    const late = write('late-header.csv', `\n\r\n${rows(200, 5)}`);
    const group = await runCli(['report', '--reference', reference, '--current', late, '--group-columns', 'sex,age']);
    expect(group.code).toBe(2);
    expect(group.stderr).toBe(
      `error [VIGIL_UNKNOWN_COLUMN]: ${late}:3: no column "age"; the file has "x", "gain", "region", "sex", "score", "label"\n`,
    );
  });

  it('a file written with \';\' separators is named as such (before: "no column x (columns: x;gain;…)", no line)', async () => {
    const semicolons = write('semicolons.csv', rows(50, 6).replace(/,/g, ';'));
    const r = await runCli(['report', '--reference', reference, '--current', semicolons]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error [VIGIL_UNKNOWN_COLUMN]: ${semicolons}:1: no column "x", "gain", "region", "sex"; the file has "x;gain;region;sex;score;label"; ${semicolons}'s header is one column holding ";": CSV is read with commas and TSV with tabs, so write the file with one of those\n`,
    );
  });

  // Before: 'no column "gain" (columns: x, region, sex, score, label)': not why it was wanted, nor the way out.
  it('a feature inferred from the reference that the current file lacks says so, and how to leave it out', async () => {
    const noGain = write('no-gain.csv', rows(200, 7).replace(/^([^,\n]*),[^,\n]*/gm, '$1'));
    const r = await runCli(['report', '--reference', reference, '--current', noGain]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error [VIGIL_UNKNOWN_COLUMN]: ${noGain}:1: no column "gain"; the file has "x", "region", "sex", "score", "label"; it is a feature because ${reference} has it: to compare the others, pass --features x:numeric,region:categorical,sex:categorical\n`,
    );
    // The way out it gives works.
    const out = await runCli([
      'report',
      '--reference',
      reference,
      '--current',
      noGain,
      '--features',
      'x:numeric,region:categorical,sex:categorical',
    ]);
    expect(out.code).toBe(0);
  });

  it('NDJSON has no header line: the file alone is named', async () => {
    const events = write('events-no-age.ndjson', '{"x": 1, "score": 0.5}\n{"x": 2, "score": 0.25}\n');
    const r = await runCli(['report', '--reference', reference, '--current', events, '--group-columns', 'age']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error [VIGIL_UNKNOWN_COLUMN]: ${events}: no column "age", "gain", "region", "sex"; the file has "x", "score"; they are features because ${reference} has them: to compare the others, pass --features x:numeric\n`,
    );
  });
});

describe('NDJSON of prediction and label events, as vigil run --source reads them', () => {
  it('joins each label event to its prediction by id instead of reading it as a row (before: 9,000 rows, no calibration)', async () => {
    const random = seededRandom(9);
    const predictions = Array.from({ length: 600 }, (_, i) => ({
      model: 'm',
      id: `r${i}`,
      ts: 1_700_000_000_000 + i,
      features: { x: random() },
      score: random(),
    }));
    const labels = predictions
      .filter((_, i) => i % 3 !== 0)
      .map((p) => ({ model: 'm', id: p.id, label: random() < p.score ? 1 : 0, ts: 1_700_000_100_000 }));
    const orphan = { model: 'm', id: 'nobody', label: 1 };
    const file = write('events.ndjson', [...predictions, ...labels, orphan].map((e) => JSON.stringify(e)).join('\n'));
    const ref = write('events-ref.ndjson', predictions.map((e) => JSON.stringify({ ...e, label: 0 })).join('\n'));
    const r = await reportJson(['--reference', ref, '--current', file]);
    expect(r.code).toBe(0);
    expect(r.report.rows.current).toBe(600);
    expect(r.report.calibration?.rows).toBe(400);
    expect(r.stderr).toMatch(
      /events\.ndjson: 401 label events joined to their predictions by model and id; 1 matched no prediction of the file and were left out/,
    );
  });

  it('says what the analysis could not compute even when the columns exist (before: only the JSON said it)', async () => {
    // A label column whose every cell is empty.
    const noLabels = write('labels-empty.csv', readFileSync(healthy, 'utf8').replace(/,[01]$/gm, ','));
    const r = await runCli(['report', '--reference', reference, '--current', noLabels]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Not computed: calibration: /);
  });

  it("a regression model's calibration gate says why it is not judged", async () => {
    const r = await runCli([
      'report',
      '--reference',
      reference,
      '--current',
      healthy,
      '--task',
      'regression',
      '--fail-on',
      'calibration',
    ]);
    expect(r.stdout).toMatch(/gate calibration not judged: calibration applies to binary models only/);
  });
});

describe('values and locations', () => {
  it('inf and Infinity are the same number (before: Infinity accepted, inf refused)', async () => {
    const a = write('inf-a.csv', 'x,y\n1,inf\n2,3\n3,-inf\n');
    const b = write('inf-b.csv', 'x,y\n1,Infinity\n2,3\n3,-Infinity\n');
    const ra = await reportJson(['--reference', a, '--current', b]);
    expect(ra.code).toBe(0);
    expect(ra.report.drift.find((d) => d.feature === 'y')?.kind).toBe('numeric');
  });

  it('a bad label is located by file and line, counting the header and quoted newlines (before: "data row 5")', async () => {
    const bad = write('bad-label.csv', 'x,note,score,label\n1,"two\nlines",0.5,1\n2,a,0.5,0\n3,b,0.5,0\n4,c,0.5,7\n');
    const r = await runCli(['report', '--reference', reference, '--current', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error \[VIGIL_BAD_VALUE\]: .*bad-label\.csv:6: column "label": 7 is not a 0\/1 label$/m);
  });
});

/**
 * A data scientist's first report (a newcomer trial): no label column in the current file, one numeric feature
 * shifted, a category the reference never saw (`central`, 8.5% of the current rows) and missing tenures.
 */
describe('a first report of an unlabelled, shifted file', () => {
  function trialRows(n: number, seed: number, current: boolean): string {
    const random = seededRandom(seed);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const lines = [`age,region,tenure,p_default${current ? '' : ',outcome'}`];
    for (let i = 0; i < n; i++) {
      const age = 40 + (current ? 8 : 0) + 10 * normal();
      const region = current && i % 200 < 17 ? 'central' : random() < 0.5 ? 'north' : 'south';
      const tenure = current && i % 30 === 0 ? '' : (random() * 10).toFixed(2);
      const score = 1 / (1 + Math.exp(-(age - 45) / 8));
      lines.push(
        `${age.toFixed(2)},${region},${tenure},${score.toFixed(4)}${current ? '' : `,${random() < score ? 1 : 0}`}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
  const ref = write('trial-ref.csv', trialRows(4000, 31, false));
  const prod = write('trial-prod.csv', trialRows(2000, 32, true));
  const roles = ['--score-column', 'p_default', '--label-column', 'outcome'];

  it('gives the score line a verdict and threshold, and names the score gate by its column with the operator it applies', async () => {
    const r = await runCli(['report', '--reference', ref, '--current', prod, ...roles, '--fail-on', 'score,drift']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^Prediction drift: DRIFT psi [\d.]+ \(threshold 0\.200\), ks [\d.]+ \(p [^)]+\)$/m);
    expect(r.stdout).toMatch(/^gate score failed: psi\(p_default\) [\d.]+ >= 0\.2 \(defaults\)$/m);
    expect(r.stdout).toMatch(/^gate drift failed: psi\(age\) [\d.]+ >= 0\.2 \(defaults\)$/m);
    expect(r.stdout).not.toContain('$score');
  });

  it('prints shares as the HTML does, with no space before the percent sign', async () => {
    const r = await runCli(['report', '--reference', ref, '--current', prod, ...roles]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Missing values in 1 of 3 features: tenure 3\.\d% \(reference 0\.0%\)$/m);
    expect(r.stdout).not.toMatch(/\d %/);
  });

  it('names the new category on the console, with its share of the current rows', async () => {
    const r = await runCli(['report', '--reference', ref, '--current', prod, ...roles]);
    expect(r.stdout).toMatch(/^ {2}DRIFT {2}region +categorical /m);
    expect(r.stdout).toMatch(/^New categories in 1 of 1 categorical features: region 8\.5% \(central 8\.5%\)$/m);
  });

  it.each([
    ['--label-column', 'outcom', 'outcome'],
    ['--score-column', 'p_defualt', 'p_default'],
    ['--score-column', 'P_Default', 'p_default'],
  ])("suggests the near miss of %s %s among both files' columns, as --features does", async (flag, typo, near) => {
    // The other role keeps its column: each flag is given once.
    const given = (column: string): string[] =>
      Object.entries({ '--score-column': 'p_default', '--label-column': 'outcome', [flag]: column }).flat();
    const r = await runCli(['report', '--reference', ref, '--current', prod, ...given(typo)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^error \\[VIGIL_UNKNOWN_COLUMN\\]: ${flag} "${typo}" \\(did you mean "${near}"\\?\\): neither `, 'm'),
    );
    // Far from every column: no suggestion, as before.
    const far = await runCli(['report', '--reference', ref, '--current', prod, ...given('zzzzzz')]);
    expect(far.stderr).toMatch(new RegExp(`${flag} "zzzzzz": neither `));
  });

  it('suggests the near miss of a gate, a task and a protected feature', async () => {
    const r = await runCli(['report', '--reference', ref, '--current', prod, '--fail-on', 'scroe', '--task', 'binry']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--task must be binary or regression, not "binry" (did you mean "binary"?)');
    expect(r.stderr).toContain('--fail-on: unknown gate "scroe" (did you mean "score"?); the gates are');
    const p = await runCli(['report', '--reference', ref, '--current', prod, ...roles, '--protected', 'agee']);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain(
      '--protected names "agee" (did you mean "age"?), not a feature (features: age, region, tenure)',
    );
  });

  it('says what it wrote, on stderr with the other notes (stdout is the summary), and not with -q', async () => {
    const out = mkdtempSync(join(dir, 'wrote-'));
    const json = join(out, 'new-dir', 'report.json');
    const page = join(out, 'report.html');
    const r = await runCli(['report', '--reference', ref, '--current', prod, ...roles, '--json', json, '--html', page]);
    expect(r.code).toBe(0);
    expect(existsSync(json) && existsSync(page)).toBe(true);
    expect(r.stderr).toContain(`\nWrote ${json}\nWrote ${page}\n`);
    expect(r.stdout).not.toContain('Wrote');
    const quiet = await runCli(['-q', 'report', '--reference', ref, '--current', prod, ...roles, '--json', json]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    // Standard output is not a file written: the page goes there, the summary to stderr, and no "Wrote -".
    const piped = await runCli(['report', '--reference', ref, '--current', prod, ...roles, '--html', '-']);
    expect(piped.stdout).toMatch(/^<!DOCTYPE html>/i);
    expect(piped.stderr).not.toContain('Wrote');
  });
});
