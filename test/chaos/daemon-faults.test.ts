/**
 * Issue 3's failure cases against the real services, which these tests stop and restart: a PostgreSQL restart
 * during ingest, a broker restart, and a member of a two-daemon consumer group killed. Each run must end with
 * exactly the metric rows of the same events analysed in-process. They run in their own jest pass, one file at
 * a time (`pnpm test:chaos`), since they take the shared services down.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  exited,
  httpPort,
  labelEvents,
  MIN,
  openHarness,
  T0,
  waitFor,
  type Daemon,
} from '@vigil/test-kit/daemon-harness';
import { makeEvents, roughly, type TestEvent } from '@vigil/test-kit';
import { reachableRedisUrl } from '@vigil/test-kit';
import { WebhookSink } from '@vigil/test-kit';

jest.setTimeout(300_000);
const run = promisify(execFile);
const SERVICES = join(__dirname, '../../scripts/services');

async function readyz(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return 0;
  }
}

/** Polls /readyz until `during` settles; returns every status seen. */
async function watchReadiness(port: number, during: Promise<unknown>): Promise<Set<number>> {
  const seen = new Set<number>();
  let done = false;
  void during.finally(() => (done = true));
  while (!done) {
    seen.add(await readyz(port));
    await new Promise((r) => setTimeout(r, 100));
  }
  await during;
  return seen;
}

function stream(models: readonly string[], n: number): TestEvent[] {
  const events = models.flatMap((model, i) =>
    makeEvents({
      n,
      start: T0,
      stepMs: (3 * 60 * MIN) / n,
      seed: 20 + i,
      shift: 0.05 * i,
      model,
      idPrefix: `${model}-e`,
    }),
  );
  const closers = models.map(
    (model) => makeEvents({ n: 1, start: T0 + 4 * 60 * MIN, seed: 99, model, idPrefix: `${model}-closer` })[0]!,
  );
  return [...events.sort((a, b) => a.ts - b.ts), ...closers];
}

describe('vigil run under faults', () => {
  it('a PostgreSQL restart during ingest: not ready meanwhile, then resumes without loss', async () => {
    const h = await openHarness('fault-pg');
    const daemons: Daemon[] = [];
    try {
      const events = stream(h.models, 12_000);
      const labels = labelEvents(events);
      const daemon = h.start();
      daemons.push(daemon);
      const port = await httpPort(daemon);
      const producing = Promise.all([
        h.produce('p.ndjson', h.predictions, events, 3000),
        h.produce('l.ndjson', h.labels, labels, 2500),
      ]);
      await waitFor('ingest to start', async () => (await h.committed(h.predictions)) > 0, daemons);

      const seen = await watchReadiness(port, run('bash', [join(SERVICES, 'restart.sh'), '--kill', 'postgres']));
      await producing;
      await waitFor(
        'the daemon to catch up after the restart',
        () => h.settled({ predictions: events.length, labels: labels.length }),
        daemons,
      );
      expect(seen).toContain(503);
      expect(await readyz(port)).toBe(200);
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
      expect(await h.rows()).toEqual(roughly(await h.expectedRows(events)));
    } finally {
      await h.cleanup();
    }
  });

  it('a broker restart: the consumer reconnects and resumes from the stored offsets', async () => {
    const h = await openHarness('fault-kafka');
    try {
      const events = stream(h.models, 8000);
      const labels = labelEvents(events);
      const half = Math.floor(events.length / 2);
      await h.produce('p1.ndjson', h.predictions, events.slice(0, half));
      const daemon = h.start();
      await waitFor('the first half', async () => (await h.committed(h.predictions)) >= half, [daemon]);

      await run('bash', [join(SERVICES, 'restart.sh'), 'kafka']);
      await h.produce('p2.ndjson', h.predictions, events.slice(half));
      await h.produce('l.ndjson', h.labels, labels);
      await waitFor(
        'the daemon to resume after the broker restart',
        () => h.settled({ predictions: events.length, labels: labels.length }),
        [daemon],
      );
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
      expect(await h.rows()).toEqual(roughly(await h.expectedRows(events)));
    } finally {
      await h.cleanup();
    }
  });

  it('two daemons in one consumer group share the partitions; one killed, the survivor finishes with exact totals', async () => {
    const models = ['m-alpha', 'm-bravo', 'm-charlie', 'm-delta', 'm-echo', 'm-foxtrot'];
    const h = await openHarness('fault-group', models, 3);
    try {
      const events = stream(models, 2500);
      const labels = labelEvents(events);
      const third = Math.floor(events.length / 3);
      await h.produce('p1.ndjson', h.predictions, events.slice(0, third));
      const a = h.start();
      const b = h.start();
      await waitFor('the first third', async () => (await h.committed(h.predictions)) >= third, [a, b]);

      const producing = Promise.all([
        h.produce('p2.ndjson', h.predictions, events.slice(third), 5000),
        h.produce('l.ndjson', h.labels, labels, 5000),
      ]);
      await new Promise((r) => setTimeout(r, 500));
      b.kill('SIGKILL');
      await exited(b);
      await producing;
      await waitFor(
        'the survivor to take over',
        () => h.settled({ predictions: events.length, labels: labels.length }),
        [a, b],
        240_000,
      );
      a.kill('SIGTERM');
      expect(await exited(a)).toBe(0);
      const rows = (await h.rows()) as Array<{ model: string; metric: string }>;
      expect(new Set(rows.map((r) => r.model))).toEqual(new Set(models));
      expect(rows).toEqual(roughly(await h.expectedRows(events)));
    } finally {
      await h.cleanup();
    }
  });
  it('a broker that stops answering (paused, as in a network partition): not ready meanwhile, then resumes without loss', async () => {
    const h = await openHarness('fault-pause');
    try {
      const events = stream(h.models, 8000);
      const labels = labelEvents(events);
      const half = Math.floor(events.length / 2);
      await h.produce('p1.ndjson', h.predictions, events.slice(0, half));
      const daemon = h.start();
      const port = await httpPort(daemon);
      await waitFor('the first half', async () => (await h.committed(h.predictions)) >= half, [daemon]);
      await waitFor('ready', async () => (await readyz(port)) === 200, [daemon], 30_000);

      await run('bash', [join(SERVICES, 'pause.sh'), 'kafka']);
      let resumed = false;
      try {
        await waitFor(
          '/readyz to say the brokers are gone',
          async () => (await readyz(port)) === 503,
          [daemon],
          60_000,
        );
        const reasons = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as unknown;
        expect(JSON.stringify(reasons)).toContain('kafka');
      } finally {
        await run('bash', [join(SERVICES, 'resume.sh'), 'kafka']);
        resumed = true;
      }
      expect(resumed).toBe(true);
      await h.produce('p2.ndjson', h.predictions, events.slice(half));
      await h.produce('l.ndjson', h.labels, labels);
      await waitFor(
        'the daemon to resume after the pause',
        () => h.settled({ predictions: events.length, labels: labels.length }),
        [daemon],
        240_000,
      );
      await waitFor('ready again', async () => (await readyz(port)) === 200, [daemon], 60_000);
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
      expect(await h.rows()).toEqual(roughly(await h.expectedRows(events)));
    } finally {
      await h.cleanup();
    }
  });

  it('Redis restarted while alerts flow through BullMQ: every incident still tells its owner, once', async () => {
    const sink = await new WebhookSink().start();
    const received = () =>
      sink.received.map((r) => r.body as { incidentId: string; notificationId: string; status: string });
    const redisUrl = await reachableRedisUrl();
    const h = await openHarness('fault-redis', ['m-red-a', 'm-red-b'], 2, {
      ownerWebhook: `${sink.base}/hook`,
      redisUrl,
      // Keyed by model: no partition to wait for. With the idle hold, a model's windows closed in one burst after it,
      // its breach and its clearing in one pass, and an incident resolved before its notice was ever sent.
      idleTimeout: '0s',
      modelYaml: `
    rules:
      - { metric: psi, feature: age, threshold: 0.2, clearThreshold: 0.1, severity: critical, breachesOfWindows: { n: 1, m: 1 }, minSamples: 50 }`,
    });
    try {
      // Each model: an hour as the reference, an hour 20 years older, an hour as before; windows close as it goes.
      const events = h.models
        .flatMap((model, i) => [
          ...makeEvents({ n: 1500, start: T0, stepMs: 2400, seed: 50 + i, model, idPrefix: `${model}-a` }),
          ...makeEvents({
            n: 1500,
            start: T0 + 60 * MIN,
            stepMs: 2400,
            seed: 60 + i,
            shift: 2,
            model,
            idPrefix: `${model}-b`,
          }),
          ...makeEvents({ n: 1500, start: T0 + 120 * MIN, stepMs: 2400, seed: 70 + i, model, idPrefix: `${model}-c` }),
          ...makeEvents({ n: 1, start: T0 + 240 * MIN, seed: 80 + i, model, idPrefix: `${model}-closer` }),
        ])
        .sort((a, b) => a.ts - b.ts);
      const daemon = h.start();
      await httpPort(daemon);
      const producing = h.produce('p.ndjson', h.predictions, events, 2500);
      await waitFor('the first incident', async () => received().length > 0, [daemon], 120_000);
      await run('bash', [join(SERVICES, 'restart.sh'), '--kill', 'redis']);
      await producing;
      await waitFor('the stream', () => h.settled({ predictions: events.length, labels: 0 }), [daemon], 240_000);
      await waitFor(
        'the outbox to drain',
        async () =>
          (
            await h.sql.query<{ n: string }>(
              "SELECT count(*)::text AS n FROM vigil_alert_outbox WHERE state = 'pending'",
            )
          ).rows[0]!.n === '0',
        [daemon],
        120_000,
      );
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);

      const incidents = await h.sql.query<{ id: string; status: string }>(
        "SELECT id::text AS id, status FROM vigil_incidents WHERE metric = 'psi'",
      );
      expect(incidents.rows.map((i) => i.status)).toEqual(['resolved', 'resolved']);
      const told = (id: string, status: string) =>
        new Set(
          received()
            .filter((r) => r.incidentId === id && r.status === status)
            .map((r) => r.notificationId),
        ).size;
      for (const { id } of incidents.rows)
        expect({ id, firing: told(id, 'firing'), resolved: told(id, 'resolved') }).toEqual({
          id,
          firing: 1,
          resolved: 1,
        });
    } finally {
      await h.cleanup();
      await sink.close();
    }
  });
});
