/**
 * Flagging at ingest (docs/review.md) against a real database: the runner queues exactly the predictions each
 * policy flags (computed here from the events), holds the hour's capacity, queues nothing twice when a batch or an
 * event is delivered again, and a reviewer's label joins its prediction like a label event, changing its windows.
 * The maintenance pass settles the queue without traffic or readers: claims time out, items expire, rows follow.
 */
import { fitReferenceProfile, type ReferenceProfile } from '@vigil/analyzers';
import { createAlerting } from '@vigil/alerts';
import { parseConfig, type VigilConfig } from '@vigil/core';
import { type MetricRow, type Store } from '@vigil/store';
import {
  BACKENDS,
  openBackend,
  type TestBackend,
  makeEvents,
  readerTable,
  toPredictionBatch,
  type TestEvent,
} from '@vigil/test-kit';
import { batchSpec } from '../../src/pipeline/batch-buckets';
import { eventUniform } from '../../src/review/flag-policies';
import { ReviewQueueService } from '../../src/review/review-queue-service';
import { StreamRunner, type StreamRunnerOptions } from '../../src/run/stream-runner';

// Its slowest tests took 41-42 s of the default 60 s at load 20 (measured): the bound only stops a hung test.
jest.setTimeout(180_000);

const MIN = 60_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const NOW = T0 + 3 * 60 * MIN;
const TOPICS = { predictions: 'vigil.predictions', labels: 'vigil.labels' };

const configWith = (capacity: number, rules = 'rules: []', reserves = { audit: '', group: '' }): VigilConfig =>
  parseConfig(
    `
models:
  - id: credit-risk
    task: binary
    threshold: 0.5
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric, income: numeric, region: categorical }
    groups: [sex, region]
    window: { size: 30m, slide: 10m, allowedLateness: 5m }
    ${rules}
    review:
      capacityPerHour: ${capacity}
      borderline: { margin: 0.02 }
      unusual: { ranges: { income: [22000, 98000], age: [22, 70] }, required: [age] }
      groups: [{ attribute: sex, value: female, probability: 0.05${reserves.group} }]
      audit: { rate: 0.01${reserves.audit} }
`,
    'test.yaml',
    {},
  );

/** What each policy should flag among `events`, computed from the events and the configuration alone. */
function expectedFlags(events: TestEvent[], referenceRegions: ReadonlySet<string>): Map<string, Set<string>> {
  const flags = new Map<string, Set<string>>();
  const add = (id: string, policy: string) => flags.set(id, (flags.get(id) ?? new Set()).add(policy));
  for (const e of events) {
    if (eventUniform('credit-risk', e.id, 'audit') < 0.01) add(e.id, 'audit');
    if (Math.abs(e.score - 0.5) < 0.02) add(e.id, 'borderline');
    if (e.features.age === null || e.features.age < 22 || e.features.age > 70) add(e.id, 'unusual');
    if (e.features.income < 22000 || e.features.income > 98000) add(e.id, 'unusual');
    if (!referenceRegions.has(e.features.region)) add(e.id, 'unusual');
    if (e.groups.sex === 'female' && eventUniform('credit-risk', e.id, 'group:sex=female') < 0.05) add(e.id, 'group');
  }
  return flags;
}

describe.each(BACKENDS)('flagging at ingest on %s', (kind) => {
  const backends: TestBackend[] = [];
  const newStore = async (): Promise<Store> => {
    const b = await openBackend(kind, 'flagging');
    backends.push(b);
    return b.newStore();
  };
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.teardown()));
  });

  // The reference never saw region "west", so every west event is unusual; its age has no missing values.
  const reference = makeEvents({ n: 2000, start: T0 - 24 * 60 * MIN, seed: 1 }).map((e) => ({
    ...e,
    features: {
      ...e.features,
      age: e.features.age ?? 40,
      region: e.features.region === 'west' ? 'north' : e.features.region,
    },
  }));
  const stream = makeEvents({ n: 1800, start: T0, stepMs: 3000, seed: 2, shift: 0.15 }).map((e) => ({
    ...e,
    label: null,
  }));
  const closer = makeEvents({ n: 1, start: T0 + 130 * MIN, seed: 3, idPrefix: 'closer' });

  function runner(
    store: Store,
    config: VigilConfig,
    alerts?: StreamRunnerOptions['alerts'],
    now: () => number = () => NOW,
  ): StreamRunner {
    const model = config.models[0]!;
    const profile: ReferenceProfile = fitReferenceProfile(readerTable(reference, model), batchSpec(model));
    return new StreamRunner({
      config,
      store,
      groupId: 'test',
      topics: TOPICS,
      defaultProfiles: new Map([[model.id, profile]]),
      now,
      ...(alerts ? { alerts } : {}),
    });
  }

  it('queues exactly what each policy flags, once, whatever is delivered again', async () => {
    const store = await newStore();
    const r = runner(store, configWith(100_000));
    await r.handle(toPredictionBatch(stream.slice(0, 900), 0, 0));
    // The same batch again (a crash before the consumer committed) and a producer's retry of some events.
    await r.handle(toPredictionBatch(stream.slice(0, 900), 0, 0));
    await r.handle(toPredictionBatch([...stream.slice(800, 1800), ...closer], 0, 900));
    const items = await store.transaction((tx) => tx.reviewQueue.list({ model: 'credit-risk', limit: 10_000 }));
    const expected = expectedFlags([...stream, ...closer], new Set(['north', 'south', 'east']));
    expect(new Set(items.map((i) => i.predictionId)).size).toBe(items.length);
    expect(new Map(items.map((i) => [i.predictionId, new Set(i.policies)]))).toEqual(expected);
    for (const policy of ['audit', 'borderline', 'unusual', 'group']) {
      expect(items.filter((i) => i.policies.includes(policy)).length).toBeGreaterThan(3);
    }
    expect(items.every((i) => i.status === 'pending')).toBe(true);
    const sample = items.find((i) => i.policies.includes('unusual') && i.features.region === 'west')!;
    expect(sample.reasons).toContainEqual({
      policy: 'unusual',
      kind: 'new_category',
      feature: 'region',
      value: 'west',
    });
    expect(Object.keys(sample.features)).toEqual(['age', 'income', 'region']);
  });

  it("holds the hour's capacity, the audit sample first, and counts the rest as not queued", async () => {
    const store = await newStore();
    const r = runner(store, configWith(20));
    await r.handle(toPredictionBatch(stream.slice(0, 900), 0, 0));
    await r.handle(toPredictionBatch(stream.slice(900), 0, 900));
    const items = await store.transaction((tx) => tx.reviewQueue.list({ model: 'credit-risk', limit: 10_000 }));
    const expected = expectedFlags(stream, new Set(['north', 'south', 'east']));
    const queued = items.filter((i) => i.status === 'pending');
    expect(queued).toHaveLength(20);
    expect(items.filter((i) => i.status === 'not_queued')).toHaveLength(expected.size - 20);
    expect(await store.transaction((tx) => tx.reviewQueue.capacity('credit-risk'))).toEqual([
      { hourStart: NOW, queued: 20, notQueued: expected.size - 20 },
    ]);
    // The first batch's audit sample was queued before anything else of it.
    const firstAudit = [...expected]
      .filter(([id, p]) => p.has('audit') && Number(id.split('-')[1]) < 900)
      .map(([id]) => id);
    expect(firstAudit.length).toBeGreaterThan(0);
    for (const id of firstAudit) expect(queued.map((i) => i.predictionId)).toContain(id);
  });

  it('keeps the reserves of the audit and group samples for them when earlier batches of the hour would take everything', async () => {
    const store = await newStore();
    // 40 an hour: 20 kept for the audit sample, 5 for the female oversample, 15 shared.
    const r = runner(store, configWith(40, 'rules: []', { audit: ', reserve: 20', group: ', reserve: 5' }));
    const expected = expectedFlags(stream, new Set(['north', 'south', 'east']));
    const audit = stream.filter((e) => expected.get(e.id)?.has('audit'));
    const groupOnly = stream.filter((e) => expected.get(e.id)?.has('group') && !expected.get(e.id)?.has('audit'));
    const rest = stream.filter((e) => !audit.includes(e) && !groupOnly.includes(e));
    expect(audit.length).toBeGreaterThan(5);
    expect(audit.length).toBeLessThanOrEqual(20);
    expect(groupOnly.length).toBeGreaterThan(5);
    expect(rest.filter((e) => expected.has(e.id)).length).toBeGreaterThan(40);
    // The other policies' predictions first (enough to fill the capacity twice), the samples in later batches.
    await r.handle(toPredictionBatch(rest, 0, 0));
    await r.handle(toPredictionBatch(groupOnly, 0, rest.length));
    await r.handle(toPredictionBatch(audit, 0, rest.length + groupOnly.length));
    const items = await store.transaction((tx) => tx.reviewQueue.list({ model: 'credit-risk', limit: 10_000 }));
    const queued = (list: readonly TestEvent[]) =>
      items.filter((i) => i.status === 'pending' && list.some((e) => e.id === i.predictionId)).length;
    expect(queued(rest)).toBe(15);
    expect(queued(groupOnly)).toBe(5);
    expect(queued(audit)).toBe(audit.length);
    expect(items).toHaveLength(expected.size);
    expect(await store.transaction((tx) => tx.reviewQueue.capacity('credit-risk'))).toEqual([
      { hourStart: NOW, queued: 20 + audit.length, notQueued: expected.size - 20 - audit.length },
    ]);
  });

  it("a verdict's label joins its prediction like a label event and changes its windows", async () => {
    const store = await newStore();
    const r = runner(store, configWith(100_000));
    await r.handle(toPredictionBatch([...stream, ...closer], 0, 0));
    const metric = async (name: string, start: number): Promise<MetricRow | undefined> =>
      (await store.metrics.rows('credit-risk', { from: start, to: start + 1, metric: name })).find(
        (m) => m.feature === '' && m.group === '',
      );
    const item = (await store.transaction((tx) => tx.reviewQueue.list({ model: 'credit-risk', limit: 10_000 }))).find(
      (i) => i.eventTs >= T0 + 30 * MIN && i.eventTs < T0 + 40 * MIN,
    )!;
    const windowStart = T0 + 30 * MIN;
    expect((await metric('labelledRows', windowStart))?.value).toBe(0);
    await store.transaction(async (tx) => {
      await tx.reviewQueue.claim(item.id, 'ana', NOW, 60_000);
      await tx.reviewQueue.decide(item.id, 'ana', NOW + 1, {
        verdict: 'override',
        label: 1,
        reason: 'known default',
        labelTtlMs: 86_400_000,
      });
    });
    await r.maintain();
    // Every window holding the prediction (size 30m, slide 10m: three of them) counts the label.
    for (const start of [windowStart - 20 * MIN, windowStart - 10 * MIN, windowStart])
      expect((await metric('labelledRows', start))?.value).toBe(1);
    expect((await metric('accuracy', windowStart))?.labelledRows).toBe(1);
    expect((await metric('labelledRows', windowStart + 10 * MIN))?.value).toBe(0);
  });

  it('writes the review rows of each window, and an override-rate rule opens one incident and resolves it', async () => {
    const store = await newStore();
    const config = configWith(
      100_000,
      'rules: [{ metric: overrideRate, threshold: 0.1, clearThreshold: 0.1, minSamples: 2 }]',
    );
    const alerting = await createAlerting({ config, store, now: () => NOW });
    const r = runner(store, config, alerting);
    await r.handle(toPredictionBatch([...stream, ...closer], 0, 0));
    const items = await store.transaction((tx) => tx.reviewQueue.list({ model: 'credit-risk', limit: 10_000 }));
    // The latest analysed window (the closer's own stay open): the alert engine judges a subject by its newest window.
    const windowStart = T0 + 80 * MIN;
    const metric = async (name: string, start = windowStart) =>
      (await store.metrics.rows('credit-risk', { from: start, to: start + 1, metric: name })).find(
        (m) => m.group === '',
      );
    const inWindow = items.filter((i) => i.eventTs >= windowStart && i.eventTs < windowStart + 30 * MIN);
    expect((await metric('flaggedRows'))?.value).toBe(inWindow.length);
    expect((await metric('reviewBacklog'))?.value).toBe(inWindow.length);
    expect((await metric('decidedRows'))?.value).toBe(0);
    // Stored with the window's counts, like every row of the window (one pair of counts a window in the store).
    expect((await metric('flaggedRows'))?.rows).toBe((await metric('rows'))?.rows);
    expect((await metric('flaggedRows'))?.rows).toBeGreaterThan(inWindow.length);

    // Twenty items of [T0+80m, T0+90m): in the windows starting at T0+60m, T0+70m and T0+80m.
    const slot = items.filter((i) => i.eventTs >= windowStart && i.eventTs < windowStart + 10 * MIN).slice(0, 20);
    expect(slot).toHaveLength(20);
    // Through the queue's operations, as the API and the page decide: a verdict touches the prediction's windows.
    const queue = new ReviewQueueService(store, config, () => NOW);
    const decide = async (list: typeof slot, verdict: 'agree' | 'override') => {
      for (const item of list) {
        await queue.claim(item.id, 'ana');
        await queue.decide(item.id, 'ana', { verdict, reason: 'checked' });
      }
    };
    // Notices still to go out or sent (a cancelled one never reaches anyone).
    const outbox = async (kind: string) =>
      Number(
        (
          await store.transaction((tx) =>
            tx.query<{ n: string }>(
              `SELECT count(*)::text AS n FROM vigil_alert_outbox WHERE kind = $1 AND model = 'credit-risk' AND state <> 'cancelled'`,
              [kind],
            ),
          )
        ).rows[0]!.n,
      );
    await decide(slot.slice(0, 2), 'override');
    await r.maintain();
    expect((await metric('overrideRate'))?.value).toBe(1);
    expect((await metric('decidedRows'))?.value).toBe(2);
    let incidents = await alerting.listIncidents({ model: 'credit-risk' });
    expect(incidents.map((i) => [i.metric, i.status])).toEqual([['overrideRate', 'firing']]);
    expect(await outbox('notify')).toBe(1);

    await decide(slot.slice(2), 'agree');
    await r.maintain();
    for (const start of [windowStart - 20 * MIN, windowStart - 10 * MIN, windowStart])
      expect((await metric('overrideRate', start))?.value).toBe(0.1);
    const rate = await metric('overrideRate');
    expect(rate?.details).toMatchObject({ overrides: 2, decided: 20 });
    // Per group value, and the attribute's highest rate naming its group.
    const sexRows = (
      await store.metrics.rows('credit-risk', { from: windowStart, to: windowStart + 1, metric: 'overrideRate' })
    ).filter((m) => m.group.startsWith('sex='));
    expect(sexRows.reduce((s, m) => s + (m.details as { decided: number }).decided, 0)).toBe(20);
    const worst = (
      await store.metrics.rows('credit-risk', { from: windowStart, to: windowStart + 1, metric: 'groupOverrideRate' })
    ).find((m) => m.group === 'sex')!;
    expect(worst.value).toBe(Math.max(...sexRows.map((m) => m.value ?? -1)));
    expect(sexRows.map((m) => m.group)).toContain((worst.details as { group: string }).group);
    incidents = await alerting.listIncidents({ model: 'credit-risk' });
    expect(incidents.map((i) => [i.metric, i.status])).toEqual([['overrideRate', 'resolved']]);
    // Still one notice: no delivery runs here (the spawned daemon's tests deliver), so the incident cleared before
    // its first notice went out; that notice gives way to the brief notice of a breach that cleared (docs/alerts.md),
    // whose resolve follows once it is delivered.
    expect(await outbox('notify')).toBe(1);
    expect((await metric('reviewBacklog'))?.value).toBe(inWindow.length - 20);
  });

  it('the maintenance pass releases timed-out claims and expires items past their TTL with no new events, and the backlog rows follow', async () => {
    const store = await newStore();
    const config = configWith(100_000);
    let clock = NOW;
    const r = runner(store, config, undefined, () => clock);
    await r.handle(toPredictionBatch([...stream, ...closer], 0, 0));
    const windowStart = T0 + 80 * MIN;
    const metric = async (name: string) =>
      (await store.metrics.rows('credit-risk', { from: windowStart, to: windowStart + 1, metric: name })).find(
        (m) => m.group === '',
      );
    const all = () => store.transaction((tx) => tx.reviewQueue.list({ model: 'credit-risk', limit: 10_000 }));
    const inWindow = (await all()).filter((i) => i.eventTs >= windowStart && i.eventTs < windowStart + 30 * MIN);
    expect(inWindow.length).toBeGreaterThan(2);
    expect((await metric('reviewBacklog'))?.value).toBe(inWindow.length);
    const [claimed, held] = inWindow;
    await store.transaction(async (tx) => {
      await tx.reviewQueue.claim(claimed!.id, 'ana', NOW, 60_000);
      await tx.reviewQueue.claim(held!.id, 'ben', NOW, 10 * 86_400_000);
    });

    // Past ana's claim timeout: her item is pending again, ben's live claim is left alone.
    clock = NOW + 2 * MIN;
    await r.maintain();
    let byId = new Map((await all()).map((i) => [i.id, i]));
    expect(byId.get(claimed!.id)).toMatchObject({ status: 'pending', claimedBy: null, claimExpiresAt: null });
    expect(byId.get(held!.id)).toMatchObject({ status: 'claimed', claimedBy: 'ben' });
    expect((await metric('reviewBacklog'))?.value).toBe(inWindow.length);

    // Past the TTL (7 days): every pending item of the window is expired, ben's claim outlives it; no event arrived.
    clock = NOW + 7 * 86_400_000 + MIN;
    await r.maintain();
    byId = new Map((await all()).map((i) => [i.id, i]));
    expect(inWindow.filter((i) => i.id !== held!.id).every((i) => byId.get(i.id)?.status === 'expired')).toBe(true);
    expect(byId.get(held!.id)?.status).toBe('claimed');
    expect((await metric('reviewBacklog'))?.value).toBe(1);
    expect((await metric('oldestPendingAge'))?.value).toBe((clock - held!.flaggedAt) / 1000);
  });

  it('the maintenance pass expires the items of a model whose review section was removed, a live claim once it runs out', async () => {
    const store = await newStore();
    await runner(store, configWith(100_000)).handle(toPredictionBatch([...stream, ...closer], 0, 0));
    const all = () => store.transaction((tx) => tx.reviewQueue.list({ model: 'credit-risk', limit: 10_000 }));
    const before = await all();
    expect(before.length).toBeGreaterThan(10);
    const [timedOut, live] = before;
    await store.transaction(async (tx) => {
      await tx.reviewQueue.claim(timedOut!.id, 'ana', NOW, MIN);
      await tx.reviewQueue.claim(live!.id, 'ben', NOW, 60 * MIN);
    });

    // The same model restarted without its review section (no model has one): long before any TTL.
    const unreviewed = parseConfig(
      `
models:
  - id: credit-risk
    task: binary
    threshold: 0.5
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric, income: numeric, region: categorical }
    groups: [sex, region]
    window: { size: 30m, slide: 10m, allowedLateness: 5m }
`,
      'test.yaml',
      {},
    );
    expect(unreviewed.models[0]!.review).toBeUndefined();
    let clock = NOW + 2 * MIN;
    const r = runner(store, unreviewed, undefined, () => clock);
    await r.maintain();
    let byId = new Map((await all()).map((i) => [i.id, i]));
    expect([...byId.values()].filter((i) => i.id !== live!.id).map((i) => i.status)).toEqual(
      before.slice(1).map(() => 'expired'),
    );
    expect(byId.get(live!.id)).toMatchObject({ status: 'claimed', claimedBy: 'ben' });

    clock = NOW + 61 * MIN;
    await r.maintain();
    byId = new Map((await all()).map((i) => [i.id, i]));
    expect(byId.get(live!.id)?.status).toBe('expired');
  });
});
