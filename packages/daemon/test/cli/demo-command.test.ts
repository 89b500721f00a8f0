import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type Store } from '@vigil/store';
import type { StreamSummary } from '@vigil/demo';
import { kafkaBrokers, roughly } from '@vigil/test-kit';
import { runCli } from './run-cli';

const root = join(__dirname, '../../../..');

interface SummaryFile extends StreamSummary {
  streamed: number;
  every: number;
  threshold: number;
  januaryDelayRate: number;
  eventsPerSecond: number;
  notifications: string[];
}

/**
 * The flights demo on a deterministic slice of the real data: every 100th February–June flight (about 25,000
 * events) in batches of 500 (a batch then spans about three days, less than a window), through the same pipeline
 * as the default run, on a fresh embedded database.
 */
describe('vigil demo (flights through the streaming pipeline)', () => {
  const out = mkdtempSync(join(tmpdir(), 'vigil-flights-demo-'));
  let result: { code: number; stdout: string; stderr: string };
  let summary: SummaryFile;
  let store: Store;
  /** `vigil queue list` as the demo's output says to run it, before the test opens the database itself. */
  let queueList: { code: number; stdout: string; stderr: string };
  /** `vigil model list --json`, likewise. */
  let modelList: { code: number; stdout: string; stderr: string };

  // The bounds below only stop a hung demo: each run takes tens of seconds, minutes on a loaded machine (CI's).
  beforeAll(async () => {
    result = await runCli(['demo', '--out', out, '--every', '100', '--batch-size', '500'], root);
    if (result.code !== 0) throw new Error(`vigil demo failed (${result.code}):\n${result.stderr}`);
    summary = JSON.parse(readFileSync(join(out, 'demo-summary.json'), 'utf8')) as SummaryFile;
    queueList = await runCli(['queue', 'list', '-c', 'vigil.yaml'], out);
    modelList = await runCli(['model', 'list', '-c', 'vigil.yaml', '--json'], out);
    store = await createStore({ dataDir: join(out, '.vigil', 'pglite') });
  }, 300_000);

  afterAll(async () => {
    await store?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('flags a few flights for human review, queues them within the capacity and lists the most urgent', async () => {
    const review = (
      summary as unknown as {
        review: {
          flagged: number;
          queued: number;
          notQueued: number;
          perPolicy: Record<string, number>;
          multiPolicy: number;
          first: Array<{ id: string; policies: string[] }>;
        };
      }
    ).review;
    const items = await store.transaction(
      async (tx) =>
        (
          await tx.query<{ id: string; status: string; policies: string[] }>(
            "SELECT id::text AS id, status, policies FROM vigil_review_queue WHERE model = 'flights-delay' ORDER BY id",
          )
        ).rows,
    );
    expect(items.length).toBe(review.flagged);
    expect(review.perPolicy.borderline).toBeGreaterThan(0);
    expect(review.perPolicy.audit).toBeGreaterThan(0);
    const queued = items.filter((i) => i.status === 'pending');
    expect(queued.length).toBe(review.queued);
    expect(review.notQueued).toBe(items.length - queued.length);
    // 20 an hour of the daemon's clock: a run spans one hour, or two across the hour's end.
    expect(queued.length).toBeGreaterThan(0);
    expect(queued.length).toBeLessThanOrEqual(40);
    // The audit sample first: within its reserve of 5, every audit item flagged was queued.
    const audit = items.filter((i) => i.policies.includes('audit'));
    if (audit.length <= 5) expect(audit.every((i) => i.status === 'pending')).toBe(true);
    expect(review.first.length).toBe(Math.min(5, queued.length));
    // A prediction flagged by both policies is one item: the line's arithmetic says so (audit + borderline − both).
    const both = items.filter((i) => i.policies.includes('audit') && i.policies.includes('borderline')).length;
    expect(review.multiPolicy).toBe(both);
    const line = new RegExp(
      `\nHuman review \\(docs/review\\.md\\): ${review.flagged.toLocaleString('en-US')} predictions flagged \\(audit (\\d+) \\+ borderline ([\\d,]+)(?: − (\\d+) flagged by both)?\\); ${review.queued} queued for a reviewer`,
    ).exec(result.stdout);
    expect(line).not.toBeNull();
    const count = (text: string | undefined) => Number((text ?? '0').replace(/,/g, ''));
    expect(count(line![1])).toBe(review.perPolicy.audit);
    expect(count(line![2])).toBe(review.perPolicy.borderline);
    expect(count(line![3])).toBe(both);
    expect(count(line![1]) + count(line![2]) - count(line![3])).toBe(review.flagged);
    for (const item of review.first)
      expect(result.stdout).toMatch(
        new RegExp(
          `\n {4}item +${item.id}  flight-\\d+ +departing 2001-\\d\\d-\\d\\d \\d\\d:\\d\\d  score 0\\.\\d{3}  `,
        ),
      );
  });

  it("prints the command that lists the demo's review queue, and that command lists it", () => {
    expect(result.stdout).toContain(`\n  cd ${out} && vigil queue list -c vigil.yaml\n`);
    expect(result.stdout).toContain(`\n  cd ${out} && vigil model list -c vigil.yaml\n`);
    // That command finds the demo's model and its latest window.
    expect(modelList.code).toBe(0);
    const [listed] = JSON.parse(modelList.stdout) as Array<{ model: string; latestWindow: { rows: number } | null }>;
    expect(listed?.model).toBe('flights-delay');
    expect(listed?.latestWindow?.rows).toBeGreaterThan(0);
    expect(queueList.code).toBe(0);
    const lines = queueList.stdout.trim().split('\n');
    const flagged = (summary as unknown as { review: { flagged: number; first: Array<{ id: string }> } }).review;
    // More items than the default --limit of 50: the list says so on stderr, and says nothing else.
    expect(queueList.stderr).toBe(
      flagged.flagged > 50
        ? 'Showing the first 50 items, most urgent first; more match: --limit N shows up to 1000, or narrow with --model, --status or --reason.\n'
        : '',
    );
    expect(lines).toHaveLength(Math.min(50, flagged.flagged));
    for (const line of lines) expect(line).toMatch(/^\d+ {2,}\S+ +flights-delay\/2001-01 flight-\d+ at 2001-/);
    // The most urgent items the demo listed lead the queue's list.
    expect(lines.slice(0, flagged.first.length).map((l) => l.split(' ')[0])).toEqual(flagged.first.map((i) => i.id));
  });

  it('streams the sampled flights exactly once and analyses every closed week of February–June', async () => {
    expect(summary.every).toBe(100);
    expect(summary.streamed).toBeGreaterThan(24_000);
    expect(summary.streamed).toBeLessThan(26_000);
    // The file source's offsets are committed with the batches: the store knows the whole stream was applied.
    const offsets = await store.offsets.load('vigil-demo', 'vigil.predictions');
    expect(offsets).toEqual([expect.objectContaining({ partition: 0, nextOffset: String(summary.streamed) })]);
    // Weeks start on Thursdays (as February 1, 2001 did); the week of June 28 is still open when the stream ends.
    expect(summary.windows).toBe(21);
    expect(summary.firstWindow).toBe('2001-02-01');
    expect(summary.lastWindow).toBe('2001-06-21');
    expect(result.stdout).toContain('Windows analysed: 21 (starting 2001-02-01 … 2001-06-21)');
  });

  it('stores the metric rows of every window, fairness rows per origin airport included', async () => {
    const rows = await store.metrics.rows('flights-delay', {
      from: Date.UTC(2001, 0, 1),
      to: Date.UTC(2001, 6, 1),
      version: '2001-01',
    });
    expect(rows.length).toBe(summary.metricRows);
    const windowRows = rows.filter((r) => r.metric === 'rows');
    expect(windowRows).toHaveLength(21);
    // Each window counted its flights: together, every streamed flight but those of the open last week.
    const counted = windowRows.reduce((s, r) => s + (r.value ?? 0), 0);
    expect(counted).toBeGreaterThan(summary.streamed * 0.97);
    expect(counted).toBeLessThan(summary.streamed);
    const ord = rows.filter((r) => r.metric === 'selectionRate' && r.group === 'origin=ORD');
    expect(ord).toHaveLength(21);
    expect(
      rows.filter((r) => r.metric === 'ece' && r.feature === '' && r.group === '' && r.value !== null),
    ).toHaveLength(21);
  });

  it('finds the outcome shift of the season: fewer delays in spring, and calibration that drifts from January', () => {
    const byMonth = new Map(summary.calibration.map((c) => [c.period.slice(0, 7), c]));
    const jan = byMonth.get('2001-01')!;
    expect(jan.delayRate).toBeCloseTo(summary.januaryDelayRate, 2);
    // Measured on the real data: February had more delays than January, April and May fewer.
    expect(byMonth.get('2001-02')!.delayRate!).toBeGreaterThan(jan.delayRate! + 0.015);
    expect(byMonth.get('2001-05')!.delayRate!).toBeLessThan(jan.delayRate! - 0.02);
    for (const month of ['2001-02', '2001-04', '2001-05'])
      expect(byMonth.get(month)!.ece!).toBeGreaterThan(2 * jan.ece!);
    expect(result.stdout).toMatch(/Calibration month by month/);
    expect(result.stdout).toMatch(/2001-05 +[\d,]+ +1\d\.\d% +20\.\d%/);
  });

  it('reports the inputs as steady: schedules do not drift between January and June', () => {
    const features = summary.drift.map((d) => d.feature);
    expect(features).toEqual(['hour', 'dayOfWeek', 'distance', 'origin', 'destination', '$score']);
    for (const d of summary.drift) {
      expect(d.windows).toBe(21);
      expect(d.drifted).toBe(0);
      expect(d.maxPsi!).toBeLessThan(0.1);
    }
    expect(result.stdout).toMatch(/dayOfWeek +drifted in +0 of +21 windows; never drifted/);
  });

  it('raises alerts through rules, incidents, the queue and the owner webhook, and prints them as they arrive', () => {
    const metrics = summary.incidents.map((i) => `${i.metric}:${i.group}`);
    expect(metrics).toContain('ece:');
    expect(metrics).toContain('statisticalParityDifference:origin');
    // The week of February 22, 2001 (the worst calibration of the stream) opens a calibration incident.
    expect(summary.incidents.some((i) => i.metric === 'ece' && i.window === '2001-02-22')).toBe(true);
    // The demo waits for each closed window's notifications: every incident reached the owner, with the window
    // that opened it; the parity incident fires from the first week on and stays.
    const firing = summary.notifications.filter((line) => line.startsWith('ALERT [firing]'));
    expect(firing).toHaveLength(summary.incidents.length);
    for (const i of summary.incidents)
      expect(firing.some((line) => line.includes(` ${i.metric}`) && line.includes(`window ${i.window} `))).toBe(true);
    expect(
      firing.some((line) => line.includes('statisticalParityDifference[origin]') && line.includes('window 2001-02-01')),
    ).toBe(true);
    const resolved = summary.notifications.filter((line) => line.startsWith('ALERT [resolved]'));
    expect(resolved.length).toBe(summary.incidents.filter((i) => i.status === 'resolved').length);
    // A resolve says what cleared it (the clearing value within the clear threshold, its window) and the last breach apart.
    for (const line of resolved)
      expect(line).toMatch(
        / = [\d.e-]+, within the clear threshold [\d.e-]+ {2}window \d{4}-\d\d-\d\d – \d{4}-\d\d-\d\d {2}\(last breach [\d.e-]+ [<>]=? [\d.e-]+, window /,
      );
    for (const line of summary.notifications) expect(result.stdout).toContain(line);
    // The count explains itself: N notifications, and the ALERT lines they were printed as when those differ
    // (before: 9 ALERT lines above "8 notifications delivered", the first notice naming two incidents).
    const counted =
      /(\d+) notifications delivered(?: \(printed as (\d+) ALERT lines, one per incident a notification changed: a notification group's notice tells of several\))?/.exec(
        result.stderr,
      );
    expect(counted).not.toBeNull();
    expect(Number(counted![2] ?? counted![1])).toBe(summary.notifications.length);
    expect(counted![2] === undefined).toBe(Number(counted![1]) === summary.notifications.length);
    expect(result.stdout).toMatch(/Incidents opened: \d+/);
  });

  it('compares airports: per-group rates over the stream against January', () => {
    const fairness = summary.fairness!;
    expect(fairness.attribute).toBe('origin');
    expect(fairness.groups.map((g) => g.group)).toEqual(expect.arrayContaining(['ORD', 'ATL', 'DFW', 'other']));
    expect(fairness.statisticalParityDifference!).toBeGreaterThan(0.1);
    for (const g of fairness.groups) expect(g.januarySelectionRate).not.toBeNull();
    expect(result.stdout).toMatch(/Groups by origin over the whole stream/);
  });

  it('writes the HTML report, the JSON report and the Grafana dashboards, and says where they are', () => {
    const html = readFileSync(join(out, 'demo-report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    const report = JSON.parse(readFileSync(join(out, 'demo-report.json'), 'utf8')) as {
      rows: { reference: number; current: number };
    };
    // June's streamed flights (every 100th) against the January reference.
    expect(report.rows.current).toBeGreaterThan(4_000);
    expect(report.rows.current).toBeLessThan(5_500);
    expect(report.rows.reference).toBeGreaterThan(400_000);
    expect(html).toContain('origin');
    expect(result.stdout).toContain('HTML report (June against January)');
    const dashboards = readdirSync(join(out, 'grafana'), { recursive: true })
      .map(String)
      .filter((p) => p.endsWith('.json'));
    expect(dashboards.length).toBeGreaterThan(0);
    for (const file of ['demo-report.html', 'demo-summary.json', 'grafana'])
      expect(result.stdout).toContain(join(out, file));
    expect(result.stdout).toMatch(/Done in [\d.]+ s \(stream [\d.]+ s, [\d,]+ events\/s\)/);
    // Not a terminal: progress comes as plain lines with the rate.
    expect(result.stderr).toMatch(/streaming: [\d,]+\/[\d,]+ events \(100%\) +[\d,]+ events\/s/);
    expect(result.stderr).not.toContain('\r');
  });
});

// Two demo runs, one through the broker: 321 s at a load of 15-21 on two cores (180 s was its bound).
describe('vigil demo --kafka (the stream through the real broker)', () => {
  it('produces the stream to a topic of its own and ends with the file source’s findings', async () => {
    const file = mkdtempSync(join(tmpdir(), 'vigil-demo-file-'));
    const kafka = mkdtempSync(join(tmpdir(), 'vigil-demo-kafka-'));
    try {
      const brokers = kafkaBrokers().join(',');
      const args = ['demo', '--every', '400', '--batch-size', '500'];
      const viaFile = await runCli([...args, '--out', file], root);
      const viaKafka = await runCli([...args, '--out', kafka, '--kafka', brokers], root);
      expect([viaFile.code, viaKafka.code]).toEqual([0, 0]);
      expect(viaKafka.stderr).toMatch(/producing [\d,]+ events to the Kafka topic vigil-demo-\w+\.predictions/);
      const summary = (dir: string) => JSON.parse(readFileSync(join(dir, 'demo-summary.json'), 'utf8')) as SummaryFile;
      const [a, b] = [summary(file), summary(kafka)];
      expect(b.streamed).toBe(a.streamed);
      // The same events in the same order: the same windows, metric rows, calibration and incidents.
      // Kafka hands over batches of other sizes, so sums differ in their last bits: numbers to a relative 1e-12
      // (`roughly`), the incidents listed in an order that does not depend on their values.
      const byKey = (i: object) => JSON.stringify({ ...i, value: undefined });
      const findings = (x: SummaryFile) => ({
        windows: x.windows,
        metricRows: x.metricRows,
        calibration: x.calibration,
        incidents: x.incidents.map(({ id: _id, ...rest }) => rest).sort((p, q) => byKey(p).localeCompare(byKey(q))),
      });
      expect(findings(b)).toEqual(roughly(findings(a)));
      expect(a.incidents.length).toBeGreaterThan(0);
    } finally {
      rmSync(file, { recursive: true, force: true });
      rmSync(kafka, { recursive: true, force: true });
    }
  }, 600_000);
});

/**
 * Each demo empties the embedded database of its --out for a fresh start. A second `vigil demo` on the same --out
 * deleted the database of a first still running (and only then met the store's lock); it now takes the lock before
 * touching the folder and is refused. The first run is held still (SIGSTOP) once its database is written, so the
 * second meets it mid-run whatever the machine's speed, and then runs on to its end.
 */
describe('two `vigil demo` runs on one --out', () => {
  it('the second is refused with VIGIL_STORE_LOCKED and the first keeps its database and finishes', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vigil-demo-twice-'));
    const args = ['demo', '--out', out, '--every', '400', '--batch-size', '500'];
    const first = spawn(process.execPath, [join(__dirname, '../../dist/bin.js'), ...args], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    first.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => first.on('close', (code) => done(code)));
    try {
      for (let i = 0; !stderr.includes('stored the reference profile'); i++) {
        if (first.exitCode !== null || i > 1200)
          throw new Error(`the first demo did not store its profile:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      first.kill('SIGSTOP');
      const database = join(out, '.vigil', 'pglite');
      expect(existsSync(join(database, 'PG_VERSION'))).toBe(true);

      const second = await runCli(args, root);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        new RegExp(
          `^error \\[VIGIL_STORE_LOCKED\\]: .*${database}.* in use by another Vigil process \\(pid ${first.pid}\\)`,
          'm',
        ),
      );
      expect(existsSync(join(database, 'PG_VERSION'))).toBe(true);

      first.kill('SIGCONT');
      expect(await exited).toBe(0);
      expect(existsSync(join(out, 'demo-summary.json'))).toBe(true);
      expect(existsSync(`${database}.lock`)).toBe(false);
    } finally {
      first.kill('SIGCONT');
      first.kill();
      await exited;
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
