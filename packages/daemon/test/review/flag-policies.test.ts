import fc from 'fast-check';
import { fitReferenceProfile, quantileSorted, type NumericProfile } from '@vigil/analyzers';
import {
  DEFAULT_CLAIM_TIMEOUT_MS,
  DEFAULT_REVIEW_TTL_MS,
  seededRandom,
  type ReviewConfig,
  type Table,
} from '@vigil/core';
import {
  allotCapacity,
  eventUniform,
  flagPriority,
  judgeEvent,
  profileQuantile,
  unusualBounds,
  type ReviewCandidate,
  type UnusualBounds,
} from '../../src/review/flag-policies';

const review = (extra: Partial<ReviewConfig>): ReviewConfig => ({
  capacityPerHour: 100,
  ttlMs: DEFAULT_REVIEW_TTL_MS,
  claimTimeoutMs: DEFAULT_CLAIM_TIMEOUT_MS,
  groups: [],
  ...extra,
});
const NO_BOUNDS: UnusualBounds = { ranges: new Map(), categories: new Map() };
const event = (id: string, extra: Partial<ReviewCandidate> = {}): ReviewCandidate => ({
  id,
  ts: 0,
  version: 'v1',
  score: 0.9,
  prediction: 1,
  features: { age: 40, region: 'north' },
  groups: { age_band: '26-40' },
  ...extra,
});

function numericProfile(values: number[]): NumericProfile {
  const table: Table = {
    source: 't',
    rowCount: values.length,
    columns: new Map([['x', { name: 'x', kind: 'numeric', values: Float64Array.from(values) }]]),
  };
  return fitReferenceProfile(table, {
    task: 'binary',
    features: [{ name: 'x', kind: 'numeric' }],
    groups: [],
    threshold: 0.5,
    minGroupSize: 30,
    fdr: 0.05,
  }).features[0] as NumericProfile;
}

describe('profileQuantile', () => {
  it('is within one percentile bin of the exact quantile (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 200, maxLength: 2000 }),
        fc.constantFrom(0.005, 0.995),
        (values, q) => {
          const sorted = Float64Array.from(values).sort();
          const estimate = profileQuantile(numericProfile(values), q);
          const n = sorted.length;
          const below = sorted.filter((v) => v < estimate).length / n;
          const atMost = sorted.filter((v) => v <= estimate).length / n;
          // Each fine bin holds at most 1% of the reference plus the copies of a value tied at its edge (a tie is not
          // split), so the estimate's rank is that close to q. The copies are the most any value has, not one: found
          // by the property (seed 1912866459, run 593 of 18,000: 322 values, −999999.9999999988 three times, its bin
          // 6 of 322 and the estimate's rank 7/322 for q = 0.005, over q + 1% + 2/n).
          let copies = 1;
          for (let i = 1, run = 1; i < n; i++)
            copies = Math.max(copies, (run = sorted[i] === sorted[i - 1] ? run + 1 : 1));
          expect(below).toBeLessThanOrEqual(q + 0.01 + (copies + 1) / n);
          expect(atMost).toBeGreaterThanOrEqual(q - 0.01 - (copies + 1) / n);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('matches numpy-style quantiles on smooth data to within the bin width', () => {
    const random = seededRandom(7);
    const values = Array.from({ length: 10_000 }, () => random() * 100);
    const sorted = Float64Array.from(values).sort();
    expect(profileQuantile(numericProfile(values), 0.005)).toBeCloseTo(quantileSorted(sorted, 0.005), 0);
    expect(profileQuantile(numericProfile(values), 0.995)).toBeCloseTo(quantileSorted(sorted, 0.995), 0);
  });

  it('keeps a point mass at the minimum inside the range (zeros are not unusual)', () => {
    const values = [...Array.from({ length: 300 }, () => 0), ...Array.from({ length: 700 }, (_, i) => 1 + i)];
    expect(profileQuantile(numericProfile(values), 0.005)).toBe(0);
    expect(profileQuantile(numericProfile(values), 0.995)).toBeGreaterThan(690);
  });
});

describe('judgeEvent', () => {
  const model = (r: ReviewConfig) => ({ id: 'credit', threshold: 0.5, review: r });

  it('flags a score strictly within the margin of the threshold', () => {
    const r = review({ borderline: { margin: 0.05 } });
    expect(judgeEvent(model(r), event('a', { score: 0.52 }), NO_BOUNDS)).toEqual([
      { policy: 'borderline', distance: expect.closeTo(0.02, 12), margin: 0.05 },
    ]);
    expect(judgeEvent(model(r), event('b', { score: 0.56 }), NO_BOUNDS)).toEqual([]);
    expect(judgeEvent(model(r), event('c', { score: null }), NO_BOUNDS)).toEqual([]);
  });

  it('flags values outside the range, new categories and missing required features', () => {
    const r = review({ unusual: { ranges: {}, required: ['age'] } });
    const bounds: UnusualBounds = {
      ranges: new Map([['age', { range: [18, 90] as const, from: 'reference' as const }]]),
      categories: new Map([['region', new Set(['north', 'south'])]]),
    };
    expect(judgeEvent(model(r), event('a', { features: { age: 95, region: 'east' } }), bounds)).toEqual([
      { policy: 'unusual', kind: 'out_of_range', feature: 'age', value: 95, range: [18, 90], rangeFrom: 'reference' },
      { policy: 'unusual', kind: 'new_category', feature: 'region', value: 'east' },
    ]);
    expect(judgeEvent(model(r), event('b', { features: { age: null, region: null } }), bounds)).toEqual([
      { policy: 'unusual', kind: 'missing', feature: 'age' },
    ]);
    // The bounds are inclusive.
    expect(judgeEvent(model(r), event('c', { features: { age: 90, region: 'south' } }), bounds)).toEqual([]);
  });

  it('samples audit and groups from the event id alone, at the configured rates', () => {
    const r = review({
      audit: { rate: 0.05, reserve: 0 },
      groups: [{ attribute: 'age_band', value: '18-25', probability: 0.2, reserve: 0 }],
    });
    const n = 40_000;
    let audited = 0;
    let grouped = 0;
    for (let i = 0; i < n; i++) {
      const e = event(`e${i}`, { groups: { age_band: i % 2 === 0 ? '18-25' : '26-40' } });
      const reasons = judgeEvent(model(r), e, NO_BOUNDS);
      // The same event decides the same way every time (a re-delivered batch, a restart).
      if (i < 2000) expect(judgeEvent(model(r), e, NO_BOUNDS)).toEqual(reasons);
      if (reasons.some((x) => x.policy === 'audit')) audited++;
      if (reasons.some((x) => x.policy === 'group')) {
        grouped++;
        expect(e.groups.age_band).toBe('18-25');
      }
    }
    // Binomial 99.9% bounds: 3.3 standard deviations.
    const within = (count: number, trials: number, p: number) =>
      Math.abs(count - trials * p) < 3.3 * Math.sqrt(trials * p * (1 - p));
    expect(within(audited, n, 0.05)).toBe(true);
    expect(within(grouped, n / 2, 0.2)).toBe(true);
  });

  it('draws audit and group samples independently of each other', () => {
    const hits = { both: 0, audit: 0, group: 0 };
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const a = eventUniform('m', `e${i}`, 'audit') < 0.5;
      const g = eventUniform('m', `e${i}`, 'group:age_band=18-25') < 0.5;
      if (a && g) hits.both++;
      if (a) hits.audit++;
      if (g) hits.group++;
    }
    expect(Math.abs(hits.both / n - (hits.audit / n) * (hits.group / n))).toBeLessThan(0.02);
  });

  it('derives bounds from the reference, configured ranges first', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i);
    const table: Table = {
      source: 't',
      rowCount: 1000,
      columns: new Map([
        ['age', { name: 'age', kind: 'numeric' as const, values: Float64Array.from(values) }],
        ['income', { name: 'income', kind: 'numeric' as const, values: Float64Array.from(values) }],
        [
          'region',
          {
            name: 'region',
            kind: 'categorical' as const,
            categories: ['north', 'south'],
            codes: Int32Array.from(values, (v) => v % 2),
          },
        ],
      ]),
    };
    const profile = fitReferenceProfile(table, {
      task: 'binary',
      features: [
        { name: 'age', kind: 'numeric' },
        { name: 'income', kind: 'numeric' },
        { name: 'region', kind: 'categorical' },
      ],
      groups: [],
      threshold: 0.5,
      minGroupSize: 30,
      fdr: 0.05,
    });
    const bounds = unusualBounds(
      { features: { age: 'numeric', income: 'numeric', region: 'categorical' } },
      review({ unusual: { ranges: { income: [0, 10] }, required: [] } }),
      profile,
    );
    expect(bounds.ranges.get('income')).toEqual({ range: [0, 10], from: 'config' });
    const age = bounds.ranges.get('age')!;
    expect(age.from).toBe('reference');
    expect(age.range[0]).toBeCloseTo(quantileSorted(Float64Array.from(values), 0.005), 0);
    expect(age.range[1]).toBeCloseTo(quantileSorted(Float64Array.from(values), 0.995), 0);
    expect([...bounds.categories.get('region')!]).toEqual(['north', 'south']);
    expect(
      unusualBounds({ features: { age: 'numeric' } }, review({ unusual: { ranges: {}, required: [] } }), undefined)
        .ranges.size,
    ).toBe(0);
  });
});

describe('flagPriority and allotCapacity', () => {
  it('puts the audit sample first, then unusual and the most borderline, then group samples', () => {
    expect(
      flagPriority([
        { policy: 'group', attribute: 'a', value: 'b', probability: 1 },
        { policy: 'audit', rate: 0.1 },
      ]),
    ).toBe(2);
    expect(flagPriority([{ policy: 'unusual', kind: 'missing', feature: 'x' }])).toBe(1);
    expect(flagPriority([{ policy: 'borderline', distance: 0.01, margin: 0.05 }])).toBeCloseTo(0.8, 12);
    expect(flagPriority([{ policy: 'group', attribute: 'a', value: 'b', probability: 1 }])).toBe(0);
  });

  it('queues at most the remaining capacity, never a lower priority before a higher one (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 70 }),
        (priorities, remaining) => {
          const items = priorities.map((priority, i) => ({ id: `e${i}`, priority }));
          const { queued, notQueued } = allotCapacity('m', items, remaining);
          expect(queued.length).toBe(Math.min(remaining, items.length));
          expect(queued.length + notQueued.length).toBe(items.length);
          expect(new Set([...queued, ...notQueued].map((x) => x.id)).size).toBe(items.length);
          const lowestQueued = Math.min(...queued.map((x) => x.priority));
          for (const x of notQueued) expect(x.priority).toBeLessThanOrEqual(lowestQueued);
          // Repeatable: the same batch is split the same way.
          expect(allotCapacity('m', items, remaining)).toEqual({ queued, notQueued });
        },
      ),
    );
  });
});
