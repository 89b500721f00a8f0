import { selectRows, type ModelDefinition } from '@vigil/core';
import {
  EventTimeWindows,
  accumulate,
  emptyAccumulator,
  fitReferenceProfile,
  mergeAccumulators,
  mergeUnknownFeatures,
  type WindowAccumulator,
} from '@vigil/analyzers';
import fc from 'fast-check';
import { PredictionBatchBuilder, type PredictionBatch } from '@vigil/collector';
import { roughly } from '@vigil/test-kit/roughly';
import { batchBuckets, batchSpec } from '../../src/pipeline/batch-buckets';
import { predictionIndexRows, storedAccumulator } from '@vigil/store';

const MIN = 60_000;
const T0 = Date.parse('2026-11-22T10:00:00Z');
const model: ModelDefinition = {
  id: 'credit-risk',
  task: 'binary',
  threshold: 0.5,
  features: { age: 'numeric', region: 'categorical' },
  groups: ['sex', 'sex*region'],
};

function decode(events: object[]): PredictionBatch {
  const builder = new PredictionBatchBuilder(new Map([[model.id, model]]));
  events.forEach((e, i) =>
    builder.add({
      topic: 'vigil.predictions',
      partition: 0,
      offset: String(i),
      key: Buffer.from(model.id),
      value: Buffer.from(JSON.stringify(e)),
    }),
  );
  const built = builder.build();
  expect(built.deadLetters).toEqual([]);
  return built.batches.get(model.id)!;
}

function events(n: number, version: string, start: number, seed: number): object[] {
  return Array.from({ length: n }, (_, i) => {
    const u = ((i * 7919 + seed * 104729) % 1000) / 1000;
    return {
      model: model.id,
      version,
      id: `${version}-${seed}-${i}`,
      ts: new Date(start + i * 17_000).toISOString(),
      features: { age: Math.round(20 + 50 * u), region: ['north', 'south', 'east'][i % 3] },
      score: u,
      label: i % 4 === 0 ? null : i % 2,
      groups: i % 5 === 0 ? { region: 'x' } : { sex: i % 2 ? 'female' : 'male' },
    };
  });
}

describe('batchBuckets: a decoded batch becomes per-bucket accumulator deltas', () => {
  const windows = new EventTimeWindows({ sizeMs: 60 * MIN, slideMs: 5 * MIN, allowedLatenessMs: 10 * MIN });
  const profile = fitReferenceProfile(decode(events(500, '7', T0 - 24 * 60 * MIN, 1)).table, batchSpec(model));

  it('splits rows by version and bucket; the deltas add up to the whole batch', () => {
    const batch = decode([...events(300, '7', T0, 2), ...events(40, '8', T0, 3)]);
    const result = batchBuckets(batch, model, windows, (v) => (v === '7' ? profile : undefined), 7 * 24 * 60 * MIN, T0);

    expect(result.unprofiled).toEqual([{ version: '8', rows: 40 }]);
    expect(result.buckets.every((b) => b.version === '7' && b.bucketStart % windows.slideMs === 0)).toBe(true);
    expect(result.buckets.reduce((s, b) => s + b.rows, 0)).toBe(300);
    // 300 events 17 s apart: the last at 84.7 min, in the bucket starting at 80 min: 17 five-minute buckets.
    expect(result.buckets).toHaveLength(17);
    // Version 8 has no profile: its 40 events are neither counted nor indexed (their labels must not count either).
    const indexed = predictionIndexRows(result.predictions);
    expect(indexed).toHaveLength(300);
    expect(indexed.every((p) => p.version === '7')).toBe(true);
    expect(indexed[0]).toEqual({
      model: model.id,
      id: '7-2-0',
      version: '7',
      ts: T0,
      bucketStart: T0,
      expiresAt: T0 + 7 * 24 * 60 * MIN,
      score: 0.458,
      prediction: 0,
      label: null,
      groups: { sex: '(missing)', region: 'x' },
    });
    // A back-filled event (older than the clock) still gets the whole TTL for its label.
    expect(batchBuckets(batch, model, windows, () => profile, MIN, T0 + 60 * MIN).predictions.expiresAt[0]).toBe(
      T0 + 61 * MIN,
    );

    const spec = batchSpec(model);
    const whole = accumulate(emptyAccumulator(profile, spec), profile, spec, decode(events(300, '7', T0, 2)).table);
    const merged = result.buckets.map((b) => b.accumulator).reduce((a, b) => mergeAccumulators(a, b));
    // The buckets' sums added up bucket by bucket: the whole batch's to a relative 1e-12, not to the last bit.
    const features = (acc: WindowAccumulator): unknown => JSON.parse(JSON.stringify(acc.features));
    expect(features(merged)).toEqual(roughly(features(whole)));
    expect(merged.outcome.labelled).toBe(whole.outcome.labelled);
  });

  it('counts the events with unconfigured feature keys per bucket, by row, and names each bucket by its own events’ keys (before: the whole batch’s names)', () => {
    // 40 events 17 s apart over two five-minute buckets and two versions; every third carries an unknown key:
    // version 7's events `tenure` (and the first bucket's also `zip`), version 8's only `zip`.
    const raw = [...events(40, '7', T0, 4), ...events(12, '8', T0, 5)] as {
      features: Record<string, unknown>;
      version: string;
    }[];
    const bucketOf = (i: number): number => windows.bucketOf(T0 + (i < 40 ? i : i - 40) * 17_000);
    raw.forEach((e, i) => {
      if (i % 3 !== 0) return;
      e.features[i < 40 ? 'tenure' : 'zip'] = i;
      if (i < 40 && bucketOf(i) === T0) e.features['zip'] = i;
    });
    const batch = decode(raw);
    const result = batchBuckets(batch, model, windows, () => profile, 7 * 24 * 60 * MIN, T0);
    const expected = new Map<string, { rows: number; names: string[] }>();
    raw.forEach((e, i) => {
      if (i % 3 !== 0) return;
      const key = `${e.version}@${bucketOf(i)}`;
      const known = expected.get(key) ?? { rows: 0, names: [] };
      const names = [...new Set([...known.names, ...Object.keys(e.features).filter((k) => !(k in model.features))])];
      expected.set(key, { rows: known.rows + 1, names: names.sort() });
    });
    expect(result.buckets.length).toBeGreaterThan(2);
    expect([...expected.values()].map((x) => x.names)).toEqual(
      expect.arrayContaining([['tenure', 'zip'], ['tenure'], ['zip']]),
    );
    for (const b of result.buckets)
      expect(b.accumulator.unknownFeatures).toEqual(
        expected.get(`${b.version}@${b.bucketStart}`) ?? { rows: 0, names: [] },
      );
    const total = result.buckets.reduce((sum, b) => sum + b.accumulator.unknownFeatures!.rows, 0);
    expect(total).toBe(Math.ceil(52 / 3));
  });

  it('keys groups by attribute, with a missing attribute as its own group', () => {
    const batch = decode(events(60, '7', T0, 4));
    const [first] = batchBuckets(batch, model, windows, () => profile, MIN).buckets;
    expect(Object.keys(first!.accumulator.groups)).toEqual(['sex', 'sex*region']);
    expect(Object.keys(first!.accumulator.groups.sex!).sort()).toEqual(['(missing)', 'female', 'male']);
  });

  it('counts each delta when the store reads it, the same accumulator and the same stored bytes as counting the runs at once (before: counted and serialised eagerly)', () => {
    const spec = batchSpec(model);
    // The eager counting of before: one accumulator per (version, bucket), its runs of consecutive rows counted in
    // order (or, events far out of order, all its rows at once), then the unknown keys run by run, then the groups
    // renamed by attribute.
    const expected = (batch: PredictionBatch): Map<string, WindowAccumulator> => {
      const runs: { key: string; start: number; end: number }[] = [];
      for (let i = 0; i < batch.rowCount; i++) {
        const code = batch.version.codes[i]!;
        const key = `${code < 0 ? '' : batch.version.categories[code]}@${windows.bucketOf(batch.ts[i]!)}`;
        const last = runs[runs.length - 1];
        if (last?.key === key) last.end = i + 1;
        else runs.push({ key, start: i, end: i + 1 });
      }
      const keys = [...new Set(runs.map((r) => r.key))];
      const out = new Map<string, WindowAccumulator>();
      for (const key of keys) {
        const own = runs.filter((r) => r.key === key);
        const rowsOf = (r: { start: number; end: number }): number[] =>
          Array.from({ length: r.end - r.start }, (_, j) => r.start + j);
        const acc = emptyAccumulator(profile, spec);
        if (runs.length <= 4 * keys.length)
          for (const r of own) accumulate(acc, profile, spec, selectRows(batch.table, rowsOf(r)));
        else accumulate(acc, profile, spec, selectRows(batch.table, own.flatMap(rowsOf)));
        const { rows, names, rowNames } = batch.unknownFeatures;
        for (const r of own) {
          const carried = rows.flatMap((row, j) => (row >= r.start && row < r.end ? [rowNames[j]!] : []));
          if (carried.length === 0) continue;
          const mask = carried.reduce((a, b) => a | b, 0);
          acc.unknownFeatures = mergeUnknownFeatures(acc.unknownFeatures, {
            rows: carried.length,
            names: names.filter((_, j) => (mask >>> j) & 1),
          });
        }
        acc.groups = Object.fromEntries(model.groups.map((g, i) => [g, acc.groups[spec.groups[i]!] ?? {}]));
        out.set(key, acc);
      }
      return out;
    };
    const event = fc.record({
      version: fc.constantFrom('7', '7', '8'),
      minute: fc.integer({ min: 0, max: 29 }),
      age: fc.option(fc.double({ min: -10, max: 120, noNaN: true }), { nil: undefined }),
      region: fc.constantFrom('north', 'south', 'east', 'west'),
      score: fc.double({ min: 0, max: 1, noNaN: true }),
      label: fc.constantFrom(0, 1, null),
      sex: fc.option(fc.constantFrom('female', 'male', 'other'), { nil: undefined }),
      unknown: fc.constantFrom(undefined, 'tenure', 'zip'),
    });
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 60 }), fc.boolean(), (drawn, sorted) => {
        const list = sorted ? [...drawn].sort((a, b) => a.minute - b.minute) : drawn;
        const batch = decode(
          list.map((e, i) => ({
            model: model.id,
            version: e.version,
            id: `e${i}`,
            ts: new Date(T0 + e.minute * MIN).toISOString(),
            features: {
              ...(e.age === undefined ? {} : { age: e.age }),
              region: e.region,
              ...(e.unknown ? { [e.unknown]: 1 } : {}),
            },
            score: e.score,
            label: e.label,
            groups: e.sex === undefined ? {} : { sex: e.sex },
          })),
        );
        const want = expected(batch);
        const result = batchBuckets(batch, model, windows, () => profile, MIN, T0);
        expect(result.buckets.map((b) => `${b.version}@${b.bucketStart}`)).toEqual([...want.keys()]);
        for (const delta of result.buckets) {
          const acc = want.get(`${delta.version}@${delta.bucketStart}`)!;
          expect(Buffer.from(delta.stored!)).toEqual(Buffer.from(storedAccumulator(acc)));
          // Every read is a fresh accumulator: a merge may consume what it is given.
          const first = delta.accumulator;
          expect(first).toEqual(acc);
          first.rows = -1;
          first.features[0] = first.features[1]!;
          expect(delta.accumulator).toEqual(acc);
          expect(delta.rows).toBe(acc.rows);
        }
      }),
      { numRuns: 80 },
    );
  });
});
