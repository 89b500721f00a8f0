/**
 * `vigil run --source FILE`: the daemon without Kafka. The same events, read from an NDJSON file by one daemon and
 * from the real Kafka broker by another, end in the same metric rows and the same incidents (each on its own
 * database), through the same decoder, runner, windows and alerts. Before, `vigil run` without brokers exited 2.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exited, labelEvents, MIN, openHarness, T0, waitFor, type Harness } from '@vigil/test-kit/daemon-harness';
import { makeEvents, roughly } from '@vigil/test-kit';

jest.setTimeout(240_000);

const BIN = join(__dirname, '../../dist/bin.js');
const RULES = `
    rules:
      - { metric: psi, feature: age, threshold: 0.2, clearThreshold: 0.1, severity: critical, breachesOfWindows: { n: 1, m: 1 }, minSamples: 100 }`;

/** The harness's configuration without its kafka section: what a user without Kafka writes. */
function withoutKafka(h: Harness): string {
  const path = join(h.dir, 'no-kafka.yaml');
  writeFileSync(path, readFileSync(h.configPath, 'utf8').replace(/^kafka:\n(?: {2}.*\n)+/m, ''));
  return path;
}

function runFile(
  config: string,
  cwd: string,
  args: string[],
  input?: string,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    [BIN, 'run', '-c', config, '--maintain-every-ms', '300', '--log-format', 'json', ...args],
    {
      cwd,
      env: { ...process.env, VIGIL_KAFKA_BROKERS: '', VIGIL_DATABASE_URL: '' },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  if (input !== undefined) child.stdin?.end(input);
  return exited(child).then((code) => ({ code, output }));
}

describe('vigil run --source: the daemon without Kafka', () => {
  // An hour like the reference, then two hours whose ages move up (a psi breach), labels for three in four events.
  const events = [
    ...makeEvents({ n: 1200, start: T0, stepMs: 3000, seed: 41 }),
    ...makeEvents({ n: 2400, start: T0 + 60 * MIN, stepMs: 3000, seed: 42, shift: 2, idPrefix: 'shifted' }),
    ...makeEvents({ n: 1, start: T0 + 4 * 60 * MIN, seed: 43, idPrefix: 'closer' }),
  ];
  const labels = labelEvents(events);
  const lines = [...events, ...labels].map((e) => JSON.stringify(e)).join('\n') + '\nnot json\n';

  it('gives the metric rows and incidents of the Kafka daemon for the same events, from a file and from standard input', async () => {
    const kafka = await openHarness('src-kafka', ['credit-risk'], 3, { modelYaml: RULES });
    const file = await openHarness('src-file', ['credit-risk'], 1, { modelYaml: RULES });
    const stdin = await openHarness('src-stdin', ['credit-risk'], 1, { modelYaml: RULES });
    try {
      await kafka.produce('p.ndjson', kafka.predictions, [...events, 'not json']);
      await kafka.produce('l.ndjson', kafka.labels, labels);
      const daemon = kafka.start();
      await waitFor(
        'the Kafka daemon to settle',
        () => kafka.settled({ predictions: events.length + 1, labels: labels.length }),
        [daemon],
      );
      await waitFor('its notices', async () => (await kafka.incidents()).length > 0, [daemon], 60_000);
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
      const expectedRows = await kafka.rows();
      const expectedIncidents = await kafka.incidents();
      expect(expectedRows.length).toBeGreaterThan(200);
      expect(expectedIncidents.some((i) => i.metric === 'psi' && i.feature === 'age')).toBe(true);

      const path = join(file.dir, 'events.ndjson');
      writeFileSync(path, lines);
      const run = await runFile(withoutKafka(file), file.dir, ['--source', 'events.ndjson']);
      // (The owner's webhook is a closed port here: its delivery failing is logged, nothing else may be.)
      expect(
        run.output
          .split('\n')
          .filter((l) => l.includes('"level":"error"') && !l.includes('"component":"alert-delivery"')),
      ).toEqual([]);
      expect(run.code).toBe(0);
      expect(await file.rows()).toEqual(roughly(expectedRows));
      expect(await file.incidents()).toEqual(roughly(expectedIncidents));
      // The bad line is a dead letter, as the Kafka daemon's is.
      expect((await file.store.deadLetters.list()).map((d) => d.code)).toEqual(['VIGIL_DECODE_INVALID_JSON']);
      // The summary at the end of the file counts it apart from the predictions applied (3,601 events, 1 bad line).
      expect(run.output).toMatch(/"predictions":3601,"labels":\d+,"deadLetters":1,.*end of the source: summary/);

      // A second run over the same file applies nothing twice: the stored offsets are the file's positions.
      expect((await runFile(withoutKafka(file), file.dir, ['--source', 'events.ndjson'])).code).toBe(0);
      expect(await file.rows()).toEqual(roughly(expectedRows));

      const piped = await runFile(withoutKafka(stdin), stdin.dir, ['--source', '-'], lines);
      // Its output in the failure (a race in creating metric partitions once made these runs exit 2).
      expect({ code: piped.code, output: piped.code === 0 ? '' : piped.output.slice(-4000) }).toEqual({
        code: 0,
        output: '',
      });
      expect(await stdin.rows()).toEqual(roughly(expectedRows));
      expect(await stdin.incidents()).toEqual(roughly(expectedIncidents));
    } finally {
      await Promise.all([kafka.cleanup(), file.cleanup(), stdin.cleanup()]);
    }
  });

  it('refuses --follow without a file, and a configuration without Kafka and without --source names both ways', async () => {
    const h = await openHarness('src-usage', ['credit-risk'], 1);
    try {
      const noKafka = withoutKafka(h);
      const refused = await runFile(noKafka, h.dir, []);
      expect(refused.code).toBe(2);
      expect(refused.output).toMatch(/error \[VIGIL_USAGE\]: vigil run: .*no kafka section .*--source FILE/);
      const follow = await runFile(noKafka, h.dir, ['--follow']);
      expect(follow.code).toBe(2);
      expect(follow.output).toMatch(/--follow goes with --source FILE/);
    } finally {
      await h.cleanup();
    }
  });
});
