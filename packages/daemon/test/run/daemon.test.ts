/**
 * The Daemon: one assembly of store, references, alerting, runner, HTTP API and source for `vigil run`, `vigil run
 * --source` and `vigil demo`, with its states logged on each change. Real parts: the embedded PGlite store with
 * the real migrations, an NDJSON file source, the real HTTP server; the reference is fitted from a CSV file.
 */
import { createServer } from 'node:net';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, parseConfig, type VigilConfig } from '@vigil/core';
import { createStore, type Store } from '@vigil/store';
import { Daemon, fileDaemonSource, type DaemonOptions } from '../../src/run/daemon';
import { labelEvents, MIN, referenceEvents, T0 } from '@vigil/test-kit/daemon-harness';
import { makeEvents } from '@vigil/test-kit';

jest.setTimeout(120_000);

interface LogRecord {
  msg: string;
  from?: string | null;
  to?: string;
  [key: string]: unknown;
}

function setup(port = 0): { dir: string; config: VigilConfig; file: string; lines: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-daemon-'));
  writeFileSync(
    join(dir, 'reference.csv'),
    [
      'age,income,region,score',
      ...referenceEvents().map((e) => `${e.features.age ?? ''},${e.features.income},${e.features.region},${e.score}`),
    ].join('\n'),
  );
  const yaml = `
http: { host: 127.0.0.1, port: ${port} }
models:
  - id: credit-risk
    task: binary
    threshold: 0.5
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric, income: numeric, region: categorical }
    groups: [sex, region]
    window: { size: 30m, slide: 10m, allowedLateness: 5m, idleTimeout: 0s }
    reference: { file: reference.csv }
    rules:
      - { metric: psi, feature: age, threshold: 0.2, clearThreshold: 0.1, severity: critical, breachesOfWindows: { n: 1, m: 1 }, minSamples: 100 }
`;
  const config = parseConfig(yaml, join(dir, 'vigil.yaml'), {});
  // An hour like the reference, an hour whose ages moved up (a psi breach), one event that closes the windows.
  const events = [
    ...makeEvents({ n: 1200, start: T0, stepMs: 3000, seed: 51 }),
    ...makeEvents({ n: 1200, start: T0 + 60 * MIN, stepMs: 3000, seed: 52, shift: 2, idPrefix: 'shifted' }),
    ...makeEvents({ n: 1, start: T0 + 4 * 60 * MIN, seed: 53, idPrefix: 'closer' }),
  ];
  const lines = [...events, ...labelEvents(events)].map((e) => JSON.stringify(e));
  const file = join(dir, 'events.ndjson');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { dir, config, file, lines };
}

function daemonOf(o: {
  config: VigilConfig;
  dir: string;
  file: string;
  follow?: boolean;
  store: Store;
  records: LogRecord[];
}): Daemon {
  const topics = { predictions: `file:${o.file}`, labels: `file:${o.file}#labels` };
  const options: DaemonOptions = {
    name: 'vigil run',
    config: o.config,
    configDir: o.dir,
    openStore: async () => o.store,
    database: 'embedded PGlite (test)',
    keepStoreOpen: true,
    logger: createLogger({
      level: 'info',
      format: 'json',
      write: (line) => o.records.push(JSON.parse(line) as LogRecord),
    }),
    groupId: 'vigil',
    topics,
    source: fileDaemonSource({ path: o.file, follow: o.follow ?? false, topics }),
    maintainEveryMs: 200,
  };
  return new Daemon(options);
}

const states = (records: readonly LogRecord[]) =>
  records.filter((r) => r.msg === 'daemon state').map((r) => `${r.from ?? '-'}→${r.to}`);

describe('Daemon', () => {
  let store: Store;
  beforeEach(async () => {
    store = await createStore({});
  });
  afterEach(async () => {
    await store.close();
  });

  it('a file to its end: starting → running → draining → stopped, every event committed, the breach opened an incident', async () => {
    const s = setup();
    const records: LogRecord[] = [];
    const daemon = daemonOf({ ...s, store, records });
    expect(daemon.state).toBe('starting');
    const outcome = await daemon.run();
    expect(outcome).toMatchObject({ state: 'stopped', reason: 'ended' });
    expect(outcome.read.predictions + outcome.read.labels).toBe(s.lines.length);
    expect(daemon.state).toBe('stopped');
    expect(states(records)).toEqual(['-→starting', 'starting→running', 'running→draining', 'draining→stopped']);
    const messages = records.map((r) => r.msg);
    // The order of docs/streaming.md: reference fitted, started, end of the source, stopped.
    expect(messages.indexOf('reference profile fitted from the configured file')).toBeLessThan(
      messages.indexOf('vigil run started'),
    );
    expect(messages.indexOf('vigil run started')).toBeLessThan(
      messages.indexOf('end of the source: summary (vigil incidents list and vigil dlq list show the details)'),
    );
    const summary = records.find((r) => r.msg.startsWith('end of the source: summary'))!;
    expect(summary).toMatchObject({ predictions: 2401, deadLetters: 0 });
    expect(summary.incidentsOpened).toBeGreaterThan(0);
    // One reader of the committed offsets for the source: a second run of the same file reads nothing again.
    const again: LogRecord[] = [];
    const second = await daemonOf({ ...s, store, records: again }).run();
    expect(second.read).toEqual({ predictions: 0, labels: 0 });
  });

  it("the end-of-source summary counts this run's events, dead letters apart, and a resumed run only what it read", async () => {
    const s = setup();
    appendFileSync(s.file, 'not json\n');
    const first: LogRecord[] = [];
    expect(await daemonOf({ ...s, store, records: first }).run()).toMatchObject({ reason: 'ended' });
    const summaryOf = (records: readonly LogRecord[]) =>
      records.find((r) => r.msg.startsWith('end of the source: summary'))!;
    const labels = s.lines.length - 2401;
    expect(summaryOf(first)).toMatchObject({ predictions: 2401, labels, deadLetters: 1 });
    const opened = summaryOf(first).incidentsOpened as number;
    expect(opened).toBeGreaterThan(0);
    expect(summaryOf(first).incidentsOpen).toBeGreaterThan(0);

    // The grown file, resumed: 5 more predictions and another bad line; the store holds the first run's too.
    const more = makeEvents({ n: 5, start: T0 + 4 * 60 * MIN + MIN, seed: 54, idPrefix: 'more' });
    appendFileSync(s.file, `${[...more.map((e) => JSON.stringify(e)), '{"broken":'].join('\n')}\n`);
    const second: LogRecord[] = [];
    await daemonOf({ ...s, store, records: second }).run();
    expect(summaryOf(second)).toMatchObject({ predictions: 5, labels: 0, deadLetters: 1, incidentsOpened: 0 });
    expect(summaryOf(second).incidentsOpen).toBe(summaryOf(first).incidentsOpen);
    expect(await store.deadLetters.count([`file:${s.file}`, `file:${s.file}#labels`])).toBe(2);
  });

  it('a followed file: running and ready until stop(), then draining → stopped', async () => {
    const s = setup();
    const records: LogRecord[] = [];
    const daemon = daemonOf({ ...s, follow: true, store, records });
    const run = daemon.run();
    const started = async (): Promise<LogRecord> => {
      for (;;) {
        const line = records.find((r) => r.msg === 'vigil run started');
        if (line) return line;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const port = Number(/:(\d+)$/.exec(String((await started()).http))![1]);
    expect(daemon.state).toBe('running');
    // The HTTP API is the daemon's: served while it runs, and a file source is ready at once.
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    // The file grows: the daemon keeps reading it.
    appendFileSync(
      s.file,
      `${JSON.stringify(makeEvents({ n: 1, start: T0 + 5 * 60 * MIN, seed: 54, idPrefix: 'late' })[0])}\n`,
    );
    for (;;) {
      const offsets = await store.offsets.load('vigil', `file:${s.file}`);
      if (offsets.length > 0 && offsets.some((o) => Number(o.nextOffset) >= 2402)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    daemon.stop();
    const outcome = await run;
    expect(outcome).toMatchObject({ state: 'stopped', reason: 'stopped' });
    expect(states(records)).toEqual(['-→starting', 'starting→running', 'running→draining', 'draining→stopped']);
    // Stopped by request: no end-of-source pass, and the server is closed.
    expect(records.some((r) => r.msg.startsWith('end of the source'))).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/readyz`)).rejects.toThrow();
  });

  it('stop() while starting says at once that it stops after start-up, then stops without an error', async () => {
    const s = setup();
    const records: LogRecord[] = [];
    const daemon = daemonOf({ ...s, follow: true, store, records });
    const run = daemon.run();
    daemon.stop();
    daemon.stop();
    const said = records.filter((r) => r.msg.startsWith('stopping as soon as start-up is done'));
    expect(said).toHaveLength(1);
    expect(await run).toMatchObject({ state: 'stopped', reason: 'stopped' });
    expect(states(records)).toEqual(['-→starting', 'starting→running', 'running→draining', 'draining→stopped']);
    expect(records.filter((r) => r.level === 'error' || r.level === 'warn')).toEqual([]);
  });

  it('a port in use fails the start: starting → failed, with the usage error, and nothing left running', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', () => done()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const s = setup(port);
      const records: LogRecord[] = [];
      const daemon = daemonOf({ ...s, store, records });
      await expect(daemon.run()).rejects.toMatchObject({
        code: 'VIGIL_USAGE',
        message: expect.stringContaining(`cannot listen on 127.0.0.1:${port}`),
      });
      expect(daemon.state).toBe('failed');
      expect(states(records)).toEqual(['-→starting', 'starting→failed']);
    } finally {
      await new Promise<void>((done) => blocker.close(() => done()));
    }
  });

  it('a source that fails while running: running → draining → failed, with its error', async () => {
    const s = setup();
    const records: LogRecord[] = [];
    // A directory is no NDJSON file: the source rejects once it starts reading.
    const daemon = daemonOf({ ...s, file: s.dir, store, records });
    const outcome = await daemon.run();
    expect(outcome.state).toBe('failed');
    expect(outcome.error).toBeDefined();
    expect(states(records)).toEqual(['-→starting', 'starting→running', 'running→draining', 'draining→failed']);
  });
});
