/**
 * `reference: { from, to }` (docs/configuration.md, `models[].reference`; docs/streaming.md, "Reference profiles"; issue 3): a model's reference profile fitted from its own logged traffic,
 * read back from the real broker. The profile of the events in the range must equal the profile of the same events
 * read from a file; events outside the range, of other models, or malformed, must not count.
 */
import { join } from 'node:path';
import { isVigilError, parseConfig, type ModelConfig } from '@vigil/core';
import type { ReferenceProfile } from '@vigil/analyzers';
import { kafkaBrokers, makeEvents, roughly } from '@vigil/test-kit';
import { fitModelReference } from '../../src/pipeline/fit-reference';
import { fitRangeReference, RangeReferences } from '../../src/pipeline/range-reference';
import { runCli } from '../cli/run-cli';
import {
  exited,
  httpPort,
  labelEvents,
  MIN,
  openHarness,
  referenceEvents,
  T0,
  waitFor,
} from '@vigil/test-kit/daemon-harness';

jest.setTimeout(180_000);

const FROM = T0 - 24 * 60 * MIN;
const TO = FROM + 60 * MIN;
const iso = (ms: number) => new Date(ms).toISOString();

describe('a reference of logged traffic', () => {
  it('is fitted from the events of the model in the range only, as a file of the same events would be', async () => {
    const h = await openHarness('range-fit', ['credit-risk'], 3);
    try {
      // The range's events carry an attribution of income (multiples of 1/8: every sum is exact).
      const inRange = referenceEvents().map((e, i) => ({ ...e, attributions: { income: (i % 8) / 8 - 0.5 } }));
      const before = makeEvents({
        n: 500,
        start: FROM - 30 * MIN,
        stepMs: 3000,
        seed: 12,
        idPrefix: 'before',
        shift: 0.3,
      }).filter((e) => e.ts < FROM);
      const after = makeEvents({ n: 500, start: TO, seed: 13, idPrefix: 'after', shift: 0.3 });
      const otherModel = makeEvents({ n: 300, start: FROM, seed: 14, idPrefix: 'other', model: 'fraud' });
      // Late and out-of-order: the range's events are spread among the others, not in a block.
      const messages: unknown[] = [...before, ...after];
      inRange.forEach((e, i) => messages.splice((i * 7) % (messages.length + 1), 0, e));
      messages.splice(100, 0, '{"model":"credit-risk","id":"broken",', ...otherModel);
      await h.produce('range.ndjson', h.predictions, messages);

      const model = parseConfig(
        `models:\n  - id: credit-risk\n    task: binary\n    owner: { name: x, webhook: 'http://127.0.0.1:9/hook' }\n    features: { age: numeric, income: numeric, region: categorical }\n    groups: [sex, region]\n`,
        'm.yaml',
        {},
      ).models[0] as ModelConfig;
      const connection = { brokers: kafkaBrokers(), topic: h.predictions };
      const fit = await fitRangeReference(model, { from: FROM, to: TO }, connection);
      expect(fit.rows).toBe(inRange.length);
      expect(fit.messages).toBe(messages.length);
      // reference.csv holds exactly the in-range events (the harness writes it).
      const fromFile = await fitModelReference(model, join(h.dir, 'reference.csv'));
      expect(fit.profile).toEqual(fromFile.profile);
      // A model with an explain section also reads the range's attributions into the profile (the reference ranking).
      const explained = { ...model, explain: { protected: ['age'], proxies: [] } } as ModelConfig;
      const attributed = await fitRangeReference(explained, { from: FROM, to: TO }, connection);
      const { attributions, surrogate, ...rest } = attributed.profile;
      expect(rest).toEqual(fromFile.profile);
      // And, the range having scores, the reference's linear surrogate (the ranking of windows without attributions).
      expect(surrogate?.features).toEqual(['age', 'income', 'region']);
      expect(surrogate?.rows).toBe(inRange.filter((e) => e.features.age !== null).length);
      const values = inRange.map((e) => e.attributions.income);
      expect(attributions).toEqual({
        income: {
          count: values.length,
          sum: values.reduce((a, b) => a + b, 0),
          sumAbs: values.reduce((a, b) => a + Math.abs(b), 0),
        },
      });

      // A range with no event of the model is refused with a reason, not fitted on nothing.
      const empty = await fitRangeReference(
        model,
        { from: FROM - 3 * 24 * 60 * MIN, to: FROM - 2 * 24 * 60 * MIN },
        connection,
      ).catch((e: unknown) => e);
      expect(isVigilError(empty, 'VIGIL_FILE_EMPTY')).toBe(true);
      expect((empty as Error).message).toContain('no event of model credit-risk');

      // Daemons: nothing before the range and its lateness are over; then the first fits and stores, the next loads.
      const ranged = { ...model, reference: { from: iso(FROM), to: iso(TO) } } as ModelConfig;
      const logger = {
        info: jest.fn(),
        warn: jest.fn(),
        error: jest.fn(),
        debug: jest.fn(),
        child: () => logger,
      } as never;
      const early = new RangeReferences({
        models: [ranged],
        store: h.store,
        connection,
        profiles: new Map(),
        logger,
        now: () => TO + model.window.allowedLatenessMs - 1,
      });
      await early.refresh();
      expect(early.status.get('credit-risk')).toEqual({ status: 'waiting' });
      expect(early.missingReason('credit-risk')).toBe(
        `its reference is its traffic from ${iso(FROM)} to ${iso(TO)}, fitted once that range and its allowed lateness are over, at ${iso(TO + model.window.allowedLatenessMs)}`,
      );
      expect(await h.store.profiles.loadRange('credit-risk', FROM, TO)).toBeNull();

      const first = new Map<string, ReferenceProfile>();
      const fitting = new RangeReferences({
        models: [ranged],
        store: h.store,
        connection,
        profiles: first,
        logger,
        now: () => TO + model.window.allowedLatenessMs,
      });
      await fitting.refresh();
      expect(fitting.status.get('credit-risk')).toEqual({ status: 'fitted', rows: inRange.length });
      expect(fitting.missingReason('credit-risk')).toBeUndefined();
      expect(first.get('credit-risk')).toEqual(fromFile.profile);

      // The next daemon gets the stored profile even though the topic now holds a late event of the range.
      await h.produce(
        'late.ndjson',
        h.predictions,
        makeEvents({ n: 1, start: FROM + 55 * MIN, seed: 15, idPrefix: 'late' }),
      );
      const second = new Map<string, ReferenceProfile>();
      await new RangeReferences({ models: [ranged], store: h.store, connection, profiles: second, logger }).refresh();
      expect(second.get('credit-risk')).toEqual(fromFile.profile);
      expect((await fitRangeReference(model, { from: FROM, to: TO }, connection)).rows).toBe(inRange.length + 1);

      // The same from the shell, for one version.
      const cli = await runCli(
        [
          'reference',
          'fit',
          '-c',
          h.configPath,
          '--model',
          'credit-risk',
          '--from',
          iso(FROM),
          '--to',
          iso(TO),
          '--version',
          '9',
        ],
        h.dir,
      );
      expect(cli).toMatchObject({ code: 0, stderr: '' });
      expect(cli.stdout).toMatch(
        new RegExp(
          `^Stored the reference profile of credit-risk version 9: ${inRange.length + 1} events \\(of ${messages.length + 1} messages read\\), 3 features, and the score`,
        ),
      );
      expect((await h.store.profiles.loadReference<ReferenceProfile>('credit-risk', '9'))?.profile.rows).toBe(
        inRange.length + 1,
      );
      for (const [args, message] of [
        [['--from', iso(FROM)], /--from, --to|--to \(nothing\)|--to must be/],
        [['--from', 'yesterday', '--to', iso(TO)], /--from must be an ISO-8601 instant/],
        [['--from', iso(TO), '--to', iso(FROM)], /--to .* must be after --from/],
        [['--from', iso(FROM), '--to', iso(TO), '--file', 'x.csv'], /--file or --from\/--to, not both/],
      ] as const) {
        const bad = await runCli(['reference', 'fit', '-c', h.configPath, '--model', 'credit-risk', ...args], h.dir);
        expect(bad.code).not.toBe(0);
        expect(bad.stderr).toMatch(message);
      }
    } finally {
      await h.cleanup();
    }
  });

  it('lets vigil run analyse a model whose reference is a past range of its traffic, as with a file of those events', async () => {
    const h = await openHarness('range-run', ['credit-risk'], 2, {
      referenceYaml: `{ from: '${iso(FROM)}', to: '${iso(TO)}' }`,
    });
    try {
      const reference = referenceEvents();
      const monitored = [
        ...makeEvents({ n: 2000, start: T0, stepMs: 3000, seed: 21, shift: 0.2 }),
        ...makeEvents({ n: 1, start: T0 + 3 * 60 * MIN, seed: 22, idPrefix: 'closer' }),
      ];
      const all = [...reference, ...monitored];
      await h.produce('p.ndjson', h.predictions, all);
      const labels = labelEvents(all);
      await h.produce('l.ndjson', h.labels, labels);
      const daemon = h.start();
      await waitFor(
        'every message consumed and the windows analysed',
        () => h.settled({ predictions: all.length, labels: labels.length }),
        [daemon],
      );
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
      expect(daemon.output()).toContain('reference profile fitted from logged traffic and stored');
      expect((await h.store.profiles.loadRange('credit-risk', FROM, TO))?.rows).toBe(reference.length);
      // The range's own events are analysed too: the profile existed before the daemon consumed them.
      expect(await h.rows()).toEqual(roughly(await h.expectedRows(all)));
      const unprofiled = await h.sql.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM vigil_incidents WHERE metric = 'no_reference_profile'`,
      );
      expect(unprofiled.rows[0]!.n).toBe('0');

      // A restart loads the stored profile instead of reading the topic again.
      const again = h.start();
      const port = await httpPort(again);
      await waitFor(
        'the restarted daemon to be ready',
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
        [again],
        60_000,
      );
      again.kill('SIGTERM');
      expect(await exited(again)).toBe(0);
      expect(again.output()).toContain('reference profile of logged traffic loaded');
      expect(again.output()).not.toContain('fitting the reference profile');
    } finally {
      await h.cleanup();
    }
  });

  it('while a range still runs, vigil run reports its versions as unprofiled, saying when the range will be fitted', async () => {
    const from = Date.now() - 60 * MIN;
    const to = Date.now() + 24 * 60 * MIN;
    const h = await openHarness('range-future', ['credit-risk'], 1, {
      referenceYaml: `{ from: '${iso(from)}', to: '${iso(to)}' }`,
    });
    try {
      const events = makeEvents({ n: 50, start: Date.now() - 30 * MIN, seed: 31 });
      await h.produce('p.ndjson', h.predictions, events);
      const daemon = h.start();
      await waitFor('every event consumed', async () => (await h.committed(h.predictions)) >= events.length, [daemon]);
      const incident = async () =>
        (
          await h.sql.query<{ detail: string }>(
            `SELECT detail FROM vigil_incidents WHERE metric = 'no_reference_profile' AND status = 'firing'`,
          )
        ).rows[0]?.detail;
      await waitFor('the no_reference_profile incident', async () => (await incident()) !== undefined, [daemon]);
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
      expect(await incident()).toBe(
        `model credit-risk version unversioned has no reference profile: its events are not analysed until one is fitted (its reference is its traffic from ${iso(from)} to ${iso(to)}, fitted once that range and its allowed lateness are over, at ${iso(to + 5 * MIN)})`,
      );
      expect(await h.store.profiles.loadRange('credit-risk', from, to)).toBeNull();
      expect(daemon.output()).not.toContain('fitting the reference profile');
    } finally {
      await h.cleanup();
    }
  });
});
