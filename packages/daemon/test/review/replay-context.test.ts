/**
 * A file replay (`vigil run --source FILE`) flags its events before any window of the model is analysed, so the
 * context stored with them has no window. Reading an item once its window is analysed fills the window in (the
 * latest analysed window at or before the event, as flagging would have found it), marked `windowFilledAt`, and
 * stores it: the reviewer sees the drift and calibration instead of "no analysed window yet".
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli';
import { exited, MIN, openHarness, T0 } from '@vigil/test-kit/daemon-harness';
import { makeEvents } from '@vigil/test-kit';

jest.setTimeout(240_000);

const BIN = join(__dirname, '../../dist/bin.js');

describe('vigil run --source: the context of the items it flags', () => {
  it('is filled in with the analysed window when an item is first read', async () => {
    const h = await openHarness('review-replay', ['credit-risk'], 1, {
      modelYaml: `
    review: { capacityPerHour: 100000, borderline: { margin: 0.02 }, audit: { rate: 0.02 } }`,
    });
    try {
      const config = join(h.dir, 'no-kafka.yaml');
      writeFileSync(config, readFileSync(h.configPath, 'utf8').replace(/^kafka:\n(?: {2}.*\n)+/m, ''));
      const events = [
        ...makeEvents({ n: 1200, start: T0, stepMs: 3000, seed: 5 }),
        ...makeEvents({ n: 1, start: T0 + 4 * 60 * MIN, seed: 6, idPrefix: 'closer' }),
      ];
      writeFileSync(join(h.dir, 'events.ndjson'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
      const child = spawn(
        process.execPath,
        [BIN, 'run', '-c', config, '--source', 'events.ndjson', '--log-format', 'json'],
        {
          cwd: h.dir,
          env: { ...process.env, VIGIL_KAFKA_BROKERS: '', VIGIL_DATABASE_URL: '' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      expect({ code: await exited(child), output }).toMatchObject({ code: 0 });

      const stored = async () =>
        (
          await h.sql.query<{ id: string; prediction_id: string; has_window: boolean; event_ts: Date }>(
            `SELECT id::text AS id, prediction_id, context ? 'window' AS has_window, event_ts FROM vigil_review_queue WHERE model = 'credit-risk' ORDER BY id`,
          )
        ).rows;
      const before = await stored();
      expect(before.length).toBeGreaterThan(20);
      // As flagged, the items of the replay know no window: none had been analysed yet.
      const bare = before.filter(
        (r) => !r.has_window && r.event_ts.getTime() >= T0 + 40 * MIN && r.event_ts.getTime() < T0 + 50 * MIN,
      );
      expect(bare.length).toBeGreaterThan(0);
      const target = bare[0]!;
      const ts = target.event_ts.getTime();

      const shown = await runCli(['queue', 'show', target.id, '-c', config, '--json'], h.dir, {});
      expect(shown).toMatchObject({ code: 0, stderr: '' });
      // `queue show --json` prints the API's answer, `{ item }`.
      const { item } = JSON.parse(shown.stdout) as {
        item: {
          context: {
            window?: { start: string | number; end: string | number; version: string };
            metrics?: Array<{ metric: string; feature: string; value: number | null }>;
            windowFilledAt?: unknown;
          };
        };
      };
      expect(item.context.window).toBeDefined();
      expect(item.context.windowFilledAt).toBeDefined();
      // The latest analysed window at or before the event: 30-minute windows every 10 minutes, so the one that
      // starts at the event's 10-minute slot (T0+40m) is the latest starting at or before it.
      const expected = await h.store.metrics.rows('credit-risk', {
        from: T0 + 40 * MIN,
        to: T0 + 40 * MIN + 1,
        metric: 'psi',
      });
      expect(expected.length).toBeGreaterThan(0);
      expect(new Date(item.context.window!.start).getTime()).toBe(T0 + 40 * MIN);
      expect(new Date(item.context.window!.start).getTime()).toBeLessThanOrEqual(ts);
      expect(new Date(item.context.window!.end).getTime()).toBe(T0 + 70 * MIN);
      const psiAge = item.context.metrics!.find((m) => m.metric === 'psi' && m.feature === 'age');
      expect(psiAge?.value).toBe(
        expected.find((r) => r.feature === 'age' && r.group === '' && r.version === item.context.window!.version)
          ?.value,
      );

      // Stored: the text view says where the window comes from, and listing fills the others in too.
      expect((await stored()).find((r) => r.id === target.id)?.has_window).toBe(true);
      const text = await runCli(['queue', 'show', target.id, '-c', config], h.dir, {});
      expect(text.stdout).toMatch(
        /\nModel \(window analysed after flagging, filled in \S+\):\n {2}window 2026-03-01T00:40:00Z – 2026-03-01T01:10:00Z, /,
      );
      expect(text.stdout).not.toContain('no analysed window yet');
      expect((await runCli(['queue', 'list', '-c', config, '--limit', '1000'], h.dir, {})).code).toBe(0);
      const after = await stored();
      expect(
        after
          .filter((r) => r.event_ts.getTime() >= T0 + 30 * MIN && r.event_ts.getTime() < T0 + 60 * MIN)
          .every((r) => r.has_window),
      ).toBe(true);
    } finally {
      await h.cleanup();
    }
  });
});
