import { DEFAULT_CLAIM_TIMEOUT_MS, DEFAULT_REVIEW_TTL_MS } from '@vigil/core';
import { parse, problemAt, problemsOf, withModel } from './config-test-helpers';

const model = (extra: string) => parse(withModel(extra)).models[0]!;

describe('models[].review', () => {
  it('is absent unless configured', () => {
    expect(model('threshold: 0.5').review).toBeUndefined();
  });

  it('compiles every policy with its defaults', () => {
    const review = model(`review:
  capacityPerHour: 40
  borderline: { margin: 0.05 }
  unusual: { ranges: { age: [18, 99] }, required: [age] }
  groups: [{ attribute: sex, value: F, probability: 0.2 }]
  audit: { rate: 0.005 }`).review;
    expect(review).toEqual({
      capacityPerHour: 40,
      ttlMs: DEFAULT_REVIEW_TTL_MS,
      claimTimeoutMs: DEFAULT_CLAIM_TIMEOUT_MS,
      borderline: { margin: 0.05 },
      unusual: { ranges: { age: [18, 99] }, required: ['age'] },
      groups: [{ attribute: 'sex', value: 'F', probability: 0.2, reserve: 0 }],
      // A quarter of the capacity kept for the audit sample unless said otherwise.
      audit: { rate: 0.005, reserve: 10 },
    });
    expect(model('review: { capacityPerHour: 0, audit: { rate: 1 }, ttl: 2h, claimTimeout: 5m }').review).toMatchObject(
      { capacityPerHour: 0, ttlMs: 7_200_000, claimTimeoutMs: 300_000 },
    );
  });

  it('reserves capacity for the audit sample and the group samples, within the capacity', () => {
    const review = (extra: string) => model(`review: { capacityPerHour: 10, ${extra} }`).review!;
    expect(
      review('audit: { rate: 0.01, reserve: 6 }, groups: [{ attribute: sex, value: F, probability: 0.2, reserve: 4 }]'),
    ).toMatchObject({
      audit: { rate: 0.01, reserve: 6 },
      groups: [{ attribute: 'sex', value: 'F', probability: 0.2, reserve: 4 }],
    });
    expect(review('audit: { rate: 0.01, reserve: 0 }').audit).toEqual({ rate: 0.01, reserve: 0 });
    // The default audit reserve (ceil(10 / 4) = 3) fits in what the groups' reserves leave.
    expect(
      review('audit: { rate: 0.01 }, groups: [{ attribute: sex, value: F, probability: 0.2, reserve: 9 }]').audit,
    ).toEqual({ rate: 0.01, reserve: 1 });
    expect(
      review('audit: { rate: 0.01 }, groups: [{ attribute: sex, value: F, probability: 0.2, reserve: 10 }]').audit,
    ).toEqual({ rate: 0.01, reserve: 0 });
    expect(model('review: { capacityPerHour: 0, audit: { rate: 1 } }').review!.audit).toEqual({ rate: 1, reserve: 0 });
    expect(
      problemAt(
        withModel(
          'review: { capacityPerHour: 10, audit: { rate: 0.1, reserve: 8 }, groups: [{ attribute: sex, value: F, probability: 0.2, reserve: 3 }] }',
        ),
        'models[0].review.capacityPerHour',
      ).message,
    ).toBe('is 10, less than the reserves of its samples (11: audit.reserve and groups[].reserve)');
    expect(
      problemAt(
        withModel('review: { capacityPerHour: 10, audit: { rate: 0.1, reserve: 1.5 } }'),
        'models[0].review.audit.reserve',
      ).message,
    ).toBe('must be a whole number, not 1.5');
    expect(
      problemAt(
        withModel(
          'review: { capacityPerHour: 10, groups: [{ attribute: sex, value: F, probability: 0.2, reserve: -1 }] }',
        ),
        'models[0].review.groups[0].reserve',
      ).message,
    ).toMatch(/at least 0/);
  });

  it('lists every problem of the section at once', () => {
    const problems = problemsOf(
      withModel(`review:
  borderline: { margin: 0 }
  unusual: { ranges: { region: [0, 1], height: [1, 2], age: [5, 1] }, required: [weight] }
  groups: [{ attribute: race, value: x, probability: 1.5 }]
  audit: { rate: 0 }
  ttl: 0s`),
    );
    expect(problems.map((p) => [p.path, p.message])).toEqual(
      expect.arrayContaining([
        ['models[0].review.capacityPerHour', 'is required'],
        ['models[0].review.ttl', 'must be longer than 0'],
        ['models[0].review.borderline.margin', 'must be greater than 0, not 0'],
        ['models[0].review.unusual.ranges.region', '"region" is a categorical feature; a range needs a numeric one'],
        ['models[0].review.unusual.ranges.height', '"height" is not a feature of the model'],
        ['models[0].review.unusual.ranges.age', 'low (5) must be below high (1)'],
        ['models[0].review.unusual.required[0]', '"weight" is not a feature of the model'],
        ['models[0].review.groups[0].probability', 'must be at most 1, not 1.5'],
        [
          'models[0].review.groups[0].attribute',
          '"race" is not a group attribute of the model (the model\'s group attributes: sex)',
        ],
        ['models[0].review.audit.rate', 'must be greater than 0, not 0'],
      ]),
    );
    expect(problems).toHaveLength(10);
  });

  it('needs at least one policy, and a binary model for borderline', () => {
    expect(problemAt(withModel('review: { capacityPerHour: 10 }'), 'models[0].review').message).toBe(
      'names no policy (borderline, unusual, groups or audit)',
    );
    const regression = withModel('review: { capacityPerHour: 10, borderline: { margin: 0.1 } }').replace(
      'task: binary',
      'task: regression',
    );
    expect(problemAt(regression, 'models[0].review.borderline').message).toBe(
      'needs a binary model (a score against its threshold)',
    );
  });

  it('refuses unknown keys, a bad range and a group listed twice', () => {
    expect(
      problemAt(
        withModel('review: { capacityPerHour: 1, audit: { rate: 0.1 }, capacityPerHr: 3 }'),
        'models[0].review.capacityPerHr',
      ).message,
    ).toBe('unknown key (did you mean "capacityPerHour"?)');
    expect(
      problemAt(
        withModel('review: { capacityPerHour: 1, unusual: { ranges: { age: [1] } } }'),
        'models[0].review.unusual.ranges.age',
      ).message,
    ).toBe('must be [low, high], not a list of 1');
    const twice =
      'review: { capacityPerHour: 1, groups: [{ attribute: sex, value: F, probability: 0.1 }, { attribute: sex, value: F, probability: 0.3 }] }';
    expect(problemAt(withModel(twice), 'models[0].review.groups[1]').message).toBe('sex=F is listed twice');
    expect(
      problemAt(withModel('review: { capacityPerHour: 2.5, audit: { rate: 0.1 } }'), 'models[0].review.capacityPerHour')
        .message,
    ).toBe('must be a whole number, not 2.5');
  });
});

describe('rules on review metrics', () => {
  it('accepts model review metrics, and groupOverrideRate for a group attribute', () => {
    const m = model(`review: { capacityPerHour: 5, audit: { rate: 0.1 } }
rules:
  - { metric: overrideRate, threshold: 0.1, minSamples: 20 }
  - { metric: oldestPendingAge, threshold: 14400, minSamples: 1 }
  - { metric: groupOverrideRate, group: sex, threshold: 0.1 }`);
    expect(m.rules.map((r) => [r.metric, r.group ?? null, r.comparison])).toEqual([
      ['overrideRate', null, '>'],
      ['oldestPendingAge', null, '>'],
      ['groupOverrideRate', 'sex', '>'],
    ]);
    expect(
      problemAt(
        withModel('rules: [{ metric: groupOverrideRate, group: race, threshold: 0.1 }]'),
        'models[0].rules[0].group',
      ).message,
    ).toContain('"race"');
  });
});
