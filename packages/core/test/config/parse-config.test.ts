import { CONFIG_ENV, RULE_METRICS, isVigilError, parseConfig, redactedConfig, type ConfigProblem } from '@vigil/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLE_ENV, EXAMPLE_PATH, EXAMPLE_TEXT, MINIMAL, parse, problemsOf } from './config-test-helpers';

const examplesDir = join(EXAMPLE_PATH, '..');

describe('parseConfig: the documented example', () => {
  const config = parseConfig(EXAMPLE_TEXT, EXAMPLE_PATH, EXAMPLE_ENV);

  it('compiles to the expected object', () => {
    expect(config).toEqual({
      kafka: {
        brokers: ['kafka-1:9092', 'kafka-2:9092'],
        groupId: 'vigil',
        clientId: 'vigil-prod',
        topics: {
          predictions: 'vigil.predictions',
          labels: 'vigil.labels',
          control: 'vigil.control',
          deadLetters: 'vigil.dead-letters',
        },
        ssl: { rejectUnauthorized: true, caFile: join(examplesDir, 'certs/kafka-ca.pem') },
        sasl: { mechanism: 'scram-sha-512', username: 'vigil' },
        sessionTimeoutMs: 30_000,
        fetch: { maxBytesPerPartition: 4 * 2 ** 20, maxBytes: 8 * 2 ** 20, minBytes: 1, maxWaitMs: 1000 },
        consumers: 2,
      },
      database: {},
      redis: {},
      http: {
        port: 8080,
        host: '0.0.0.0',
        readsRequireToken: true,
        tokens: [
          { name: 'platform-admin', role: 'admin' },
          { name: 'oncall', role: 'responder' },
        ],
      },
      smtp: { from: 'vigil@example.com' },
      notifiers: {
        'ml-platform-slack': { type: 'slack' },
        oncall: { type: 'pagerduty', url: 'https://events.pagerduty.com/v2/enqueue' },
        'risk-committee': { type: 'email', to: ['model-risk@example.com'] },
        alertmanager: { type: 'alertmanager' },
      },
      alerts: { groupBy: ['model', 'version'], groupWaitMs: 0, groupIntervalMs: 300_000 },
      escalation: {
        default: {
          steps: [
            { afterMs: 0, notify: ['owner'] },
            { afterMs: 3_600_000, notify: ['ml-platform-slack'] },
          ],
          repeatMs: 43_200_000,
        },
        'high-risk': {
          steps: [
            { afterMs: 0, notify: ['owner', 'alertmanager'] },
            { afterMs: 1_800_000, notify: ['oncall'] },
            { afterMs: 7_200_000, notify: ['risk-committee'] },
          ],
          repeatMs: 14_400_000,
        },
      },
      models: [
        {
          id: 'credit-risk',
          task: 'binary',
          threshold: 0.5,
          features: { age: 'numeric', income: 'numeric', region: 'categorical' },
          groups: ['sex', 'age_band', 'sex*age_band'],
          owner: { name: 'Risk ML team', email: 'risk-ml@example.com' },
          escalation: 'high-risk',
          riskTier: 'high',
          reference: { file: join(examplesDir, 'data/credit-risk-reference.csv') },
          window: { sizeMs: 3_600_000, slideMs: 300_000, allowedLatenessMs: 600_000, idleTimeoutMs: 60_000 },
          minGroupSize: 30,
          fdr: 0.05,
          rules: [
            {
              metric: 'psi',
              comparison: '>',
              threshold: 0.2,
              clearThreshold: 0.1,
              severity: 'critical',
              breachesOfWindows: { n: 2, m: 3 },
              minSamples: 100,
            },
            {
              metric: 'ksPValue',
              feature: 'income',
              comparison: '<',
              threshold: 0.001,
              clearThreshold: 0.001,
              severity: 'warning',
              breachesOfWindows: { n: 1, m: 1 },
              minSamples: 100,
            },
            {
              metric: 'ece',
              comparison: '>',
              threshold: 0.05,
              clearThreshold: 0.03,
              severity: 'warning',
              breachesOfWindows: { n: 1, m: 1 },
              minSamples: 500,
            },
            {
              metric: 'statisticalParityDifference',
              group: 'sex',
              comparison: '>',
              threshold: 0.1,
              clearThreshold: 0.1,
              severity: 'critical',
              breachesOfWindows: { n: 1, m: 1 },
              minSamples: 100,
            },
            {
              metric: 'rows',
              comparison: '<',
              threshold: 100,
              clearThreshold: 100,
              severity: 'warning',
              breachesOfWindows: { n: 1, m: 1 },
              minSamples: 100,
            },
          ],
        },
        {
          id: 'house-prices',
          task: 'regression',
          threshold: 0.5,
          features: { sqft: 'numeric', rooms: 'numeric', district: 'categorical' },
          groups: [],
          owner: { name: 'Pricing team', email: 'pricing@example.com' },
          escalation: 'default',
          riskTier: 'low',
          reference: { from: '2026-10-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' },
          window: { sizeMs: 86_400_000, slideMs: 3_600_000, allowedLatenessMs: 21_600_000, idleTimeoutMs: 60_000 },
          minGroupSize: 30,
          fdr: 0.05,
          // The low tier's defaults; ece is for binary models and so left out.
          rules: [
            {
              metric: 'psi',
              comparison: '>',
              threshold: 0.25,
              clearThreshold: 0.2,
              severity: 'warning',
              breachesOfWindows: { n: 3, m: 5 },
              minSamples: 100,
            },
          ],
        },
      ],
    });
  });

  it('keeps the secrets readable, but out of enumeration', () => {
    expect(config.database?.url).toBe('postgres://vigil:db-pw-s3cret@db.internal:5432/vigil');
    expect(config.redis?.url).toBe('redis://redis.internal:6379/0');
    expect(config.kafka?.sasl?.password).toBe('kafka-pw-s3cret');
    expect(config.http.tokens.map((t) => t.token)).toEqual([EXAMPLE_ENV.ADMIN_TOKEN, EXAMPLE_ENV.ONCALL_TOKEN]);
    expect(config.smtp?.url).toBe('smtps://vigil:smtp-pw-s3cret@smtp.example.com:465');
    expect(config.models[0]?.owner.webhook).toBe('https://hooks.example.com/vigil/risk-ml');
    const slack = config.notifiers['ml-platform-slack'];
    expect(slack?.type === 'slack' && slack.url).toBe(EXAMPLE_ENV.SLACK_WEBHOOK_URL);
    const pd = config.notifiers.oncall;
    expect(pd?.type === 'pagerduty' && pd.routingKey).toBe('pd-key-s3cret');
    const am = config.notifiers.alertmanager;
    expect(am?.type === 'alertmanager' && am.url).toBe('http://alertmanager.internal:9093');
  });

  it('is deeply frozen, secrets included', () => {
    const unfrozen: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (value === null || typeof value !== 'object') return;
      if (!Object.isFrozen(value)) unfrozen.push(path);
      for (const key of Object.getOwnPropertyNames(value))
        walk((value as Record<string, unknown>)[key], `${path}.${key}`);
    };
    walk(config, 'config');
    expect(unfrozen).toEqual([]);
    expect(() => {
      (config.models[0]!.window as { sizeMs: number }).sizeMs = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.database as { url: string }).url = 'postgres://elsewhere/db';
    }).toThrow(TypeError);
    expect(() => (config.models as unknown[]).push({})).toThrow(TypeError);
  });

  it('holds a commented review section that compiles once uncommented', () => {
    const lines = EXAMPLE_TEXT.split('\n');
    const start = lines.indexOf('    # review:');
    expect(start).toBeGreaterThan(0);
    let end = start;
    while (lines[end + 1]?.startsWith('    #   ')) end += 1;
    const uncommented = [
      ...lines.slice(0, start),
      ...lines.slice(start, end + 1).map((l) => l.replace('    # ', '    ')),
      ...lines.slice(end + 1),
    ].join('\n');
    const review = parseConfig(uncommented, EXAMPLE_PATH, EXAMPLE_ENV).models.find(
      (m) => m.id === 'credit-risk',
    )?.review;
    expect(review).toMatchObject({ capacityPerHour: 40, ttlMs: 7 * 86_400_000, claimTimeoutMs: 30 * 60_000 });
    expect(JSON.stringify(review)).toContain('18-25');
    expect(config.models.find((m) => m.id === 'credit-risk')?.review).toBeUndefined();
  });

  it('serialises through redactedConfig with secrets masked', () => {
    const view = redactedConfig(config) as { database: { url: string }; notifiers: Record<string, { url?: string }> };
    expect(view.database.url).toBe('postgres://vigil:[redacted]@db.internal:5432/vigil');
    expect(view.notifiers['ml-platform-slack']?.url).toBe('https://hooks.slack.com/[redacted]');
  });
});

describe('parseConfig: defaults', () => {
  it('fills every default of a minimal file', () => {
    const config = parse(MINIMAL);
    expect(config.kafka).toBeUndefined();
    expect(config.database).toBeUndefined();
    expect(config.redis).toBeUndefined();
    expect(config.smtp).toBeUndefined();
    expect(config.http).toEqual({ port: 8080, host: '127.0.0.1', tokens: [], readsRequireToken: false });
    expect(config.notifiers).toEqual({});
    expect(config.escalation).toEqual({ default: { steps: [{ afterMs: 0, notify: ['owner'] }] } });
    const model = config.models[0]!;
    expect(model).toMatchObject({
      threshold: 0.5,
      escalation: 'default',
      riskTier: 'medium',
      window: { sizeMs: 3_600_000, slideMs: 300_000, allowedLatenessMs: 600_000, idleTimeoutMs: 60_000 },
      minGroupSize: 30,
      fdr: 0.05,
    });
    expect(model.reference).toBeUndefined();
    expect(model.rules.map((r) => [r.metric, r.threshold, r.clearThreshold, r.breachesOfWindows])).toEqual([
      ['psi', 0.2, 0.1, { n: 2, m: 3 }],
      ['ece', 0.1, 0.07, { n: 2, m: 3 }],
      ['statisticalParityDifference', 0.2, 0.15, { n: 2, m: 3 }],
      // Accuracy floors come from the reference chunks (threshold: reference), per window.
      ['accuracy', NaN, NaN, { n: 2, m: 3 }],
      ['estimatedAccuracy', NaN, NaN, { n: 2, m: 3 }],
    ]);
  });
});

describe('parseConfig: every problem at once', () => {
  // Ten distinct mistakes; the line of each is given by the comment's number.
  const text = [
    'kafka:', //                                  1
    '  brokers: [localhost]', //                  2  not host:port
    '  groupID: vigil', //                        3  unknown key, near miss
    'http: { port: 99999 }', //                   4  out of range
    'escalation:', //                             5
    '  default:', //                              6
    '    steps: [ { after: soon, notify: [owner] } ]', // 7  bad duration
    'models:', //                                 8
    '  - id: credit-risk', //                     9
    '    task: binary', //                       10
    '    threshold: 1.5', //                     11  out of range
    '    owner: { name: Risk, webhook: https://hooks.example.com/x }', // 12
    '    escalation: paging', //                 13  undefined policy
    '    features: { age: numeric, region: categorical }', // 14
    '    groups: [sex, sex*age_band]', //        15  intersection names an unlisted attribute
    '    window: { size: 1h, slide: 7m }', //    16  slide does not divide size
    '    rules:', //                             17
    '      - { metric: psi, threshold: 0.2, clearThreshold: 0.3 }', // 18  clear on the breaching side
    '  - id: credit-risk', //                    19  duplicate id
    '    task: regresion', //                    20  misspelt enum
    '    owner: { name: Pricing, webhook: https://hooks.example.com/y }', // 21
    '    features: {}', //                       22
  ].join('\n');

  it('reports all of them, in file order, with path and line, in one error', () => {
    let thrown: unknown;
    try {
      parse(text);
    } catch (error) {
      thrown = error;
    }
    expect(isVigilError(thrown, 'VIGIL_CONFIG_INVALID')).toBe(true);
    const error = thrown as Error & { details: { problems: ConfigProblem[] } };
    const problems = error.details.problems;
    expect(problems.map((p) => [p.line, p.path])).toEqual([
      [2, 'kafka.brokers[0]'],
      [3, 'kafka.groupID'],
      [4, 'http.port'],
      [7, 'escalation.default.steps[0].after'],
      [11, 'models[0].threshold'],
      [13, 'models[0].escalation'],
      [15, 'models[0].groups[1]'],
      [16, 'models[0].window.slide'],
      [18, 'models[0].rules[0].clearThreshold'],
      [19, 'models[1].id'],
      [20, 'models[1].task'],
    ]);
    expect(error.message).toContain('vigil.yaml: 11 problems in the configuration:');
    for (const p of problems) expect(error.message).toContain(`vigil.yaml:${p.line}: ${p.path}: ${p.message}`);
    expect(problems.find((p) => p.path === 'kafka.groupID')?.message).toContain('did you mean "groupId"?');
    expect(problems.find((p) => p.path === 'models[1].task')?.message).toContain('did you mean "regression"?');
    expect(problems.find((p) => p.path === 'models[0].window.slide')?.message).toBe(
      'the slide (7m) must divide the window size (1h)',
    );
  });
});

describe('parseConfig: the file as a whole', () => {
  it('reports YAML syntax errors with their line, without quoting the source', () => {
    const problems = problemsOf('models:\n  - id: m\n    owner: { name: "unterminated, password: hunter2-s3cret\n');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]?.path).toBe('(yaml)');
    expect(problems[0]?.line).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(problems)).not.toContain('s3cret');
  });

  it('refuses duplicate keys', () => {
    expect(problemsOf('models: []\nmodels: []\n')[0]).toMatchObject({ path: '(yaml)', line: 2 });
  });

  it('refuses an empty file and a file that is not a mapping', () => {
    expect(problemsOf('')[0]).toMatchObject({ path: '(root)', line: 1 });
    expect(problemsOf('- a\n- b\n')[0]).toMatchObject({ path: '(root)', message: expect.stringContaining('mapping') });
  });

  it('suggests the section meant by an unknown top-level key', () => {
    const problems = problemsOf(`${MINIMAL}\nescalations: {}\n`);
    expect(problems).toEqual([
      { path: 'escalations', line: 9, message: expect.stringContaining('did you mean "escalation"?') },
    ]);
  });

  it('requires at least one model', () => {
    expect(problemsOf('http: { port: 8080 }\n')).toEqual([{ path: 'models', message: 'is required' }]);
    expect(problemsOf('models: []\n')).toEqual([{ path: 'models', line: 1, message: 'must list at least one model' }]);
  });

  it('follows YAML anchors and aliases', () => {
    const config = parse(`${MINIMAL}    window: &w { size: 2h, slide: 10m }
  - id: m2
    task: binary
    owner: { name: Team, webhook: https://hooks.example.com/team }
    features: {}
    window: *w
`);
    expect(config.models[1]?.window.sizeMs).toBe(7_200_000);
  });
});

describe('parseConfig: a fleet of models from a template (`x-` keys and `<<` merge keys)', () => {
  const doc = readFileSync(join(__dirname, '../../../../docs/configuration.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### A fleet of models'));
  const example = /```yaml\n([^]*?)```/.exec(section)![1]!;
  const writtenOut = `
models:
  - id: credit-eu
    task: binary
    owner: { name: Risk team, webhook: https://hooks.example.com/risk }
    features: { age: numeric, income: numeric, region: categorical }
    groups: [region]
    window: { size: 1h, slide: 5m }
  - id: credit-us
    threshold: 0.4
    task: binary
    owner: { name: Risk team, webhook: https://hooks.example.com/risk }
    features: { age: numeric, income: numeric, region: categorical }
    groups: [region]
    window: { size: 1h, slide: 5m }
  - id: credit-uk
    features: { age: numeric, region: categorical }
    task: binary
    owner: { name: Risk team, webhook: https://hooks.example.com/risk }
    groups: [region]
    window: { size: 1h, slide: 5m }
`;

  it("compiles the documented 3-model example to the written-out file's configuration", () => {
    expect(example).toContain('<<: *model');
    const config = parse(example);
    expect(config.models.map((m) => m.id)).toEqual(['credit-eu', 'credit-us', 'credit-uk']);
    expect(config).toEqual(parse(writtenOut));
    expect(config.models[0]?.owner.webhook).toBe('https://hooks.example.com/risk');
  });

  it('reports a problem in the template once, at its line, naming the models that copy it', () => {
    const broken = example.replace('task: binary', 'task: binari');
    const line = broken.split('\n').findIndex((l) => l.includes('binari')) + 1;
    expect(problemsOf(broken)).toEqual([
      {
        path: 'x-model.task',
        line,
        message:
          'must be one of binary, regression, not "binari" (did you mean "binary"?); copied into models[0].task, models[1].task and models[2].task',
        copies: ['models[0].task', 'models[1].task', 'models[2].task'],
      },
    ]);
    // The documentation shows this message.
    expect(doc).toContain(`x-model.task: ${problemsOf(broken)[0]?.message}`);
  });

  const fleetOf = (template: string[]): string =>
    [
      'x-model: &model', // 1
      ...template, // 2, 3, 4
      'models:', // 5
      ...Array.from({ length: 20 }, (_, i) => [`  - <<: *model`, `    id: m${i}`]).flat(), // 6..45
      '  - <<: *model', // 46
      '    id: m0', // 47
    ].join('\n');

  it('reports once an unset variable in the template', () => {
    const fleet = fleetOf(['  task: binary', '  owner: { name: "${OWNER}" }', '  features: {}']);
    const problems = problemsOf(fleet);
    expect(problems.map((p) => `${p.line}: ${p.path}: ${p.message}`)).toEqual([
      '3: x-model.owner.name: refers to the environment variable OWNER, which is not set; copied into models[0].owner.name, models[1].owner.name, models[2].owner.name and 18 more',
    ]);
    expect(problems[0]?.copies).toHaveLength(21);
  });

  it("reports once a template's mistakes, and per model what the models write", () => {
    const fleet = fleetOf(['  task: binary', '  owner: { name: T }', '  features: { age: { type: numeric } }']);
    const shown = problemsOf(fleet).map((p) => `${p.line}: ${p.path}: ${p.message}`);
    expect(shown).toEqual([
      expect.stringMatching(
        /^3: x-model\.owner: .*; copied into models\[0\]\.owner, models\[1\]\.owner, models\[2\]\.owner and 18 more$/,
      ),
      expect.stringMatching(/^4: x-model\.features\.age: .*; copied into models\[0\]\.features\.age, .* and 18 more$/),
      expect.stringMatching(/^47: models\[20\]\.id: .*m0/),
    ]);
  });

  it('does not merge copies of different values or different problems', () => {
    const text = [
      'x-w: &w { size: 1h, slide: 7m }', // 1
      'models:', // 2
      '  - id: a', // 3
      '    task: binary', // 4
      '    owner: { name: T, webhook: https://hooks.example.com/t }', // 5
      '    features: {}', // 6
      '    window: { size: 1h, slide: 7m }', // 7
      '  - id: b', // 8
      '    task: binary', // 9
      '    owner: { name: T, webhook: https://hooks.example.com/t }', // 10
      '    features: {}', // 11
      '    window: *w', // 12
    ].join('\n');
    expect(problemsOf(text).map((p) => [p.line, p.path, p.copies])).toEqual([
      [1, 'x-w.slide', ['models[1].window.slide']],
      [7, 'models[0].window.slide', undefined],
    ]);
  });

  it('ignores top-level x- keys, and still refuses other unknown keys', () => {
    expect(parse(`x-notes: { anything: [1, 2] }\n${MINIMAL}`).models).toHaveLength(1);
    expect(problemsOf(`X-notes: 1\n${MINIMAL}`)[0]?.path).toBe('X-notes');
  });

  it("merges the problems of a mapping a model anchors and another aliases; an aliased scalar is its key's", () => {
    const text = `${MINIMAL.replace('    features: { age: numeric, region: categorical }', '    features: &f { age: numerik }').replace('    task: binary', '    task: &task binari')}  - id: m2
    task: *task
    owner: { name: Team, webhook: https://hooks.example.com/team }
    features: *f
`;
    expect(problemsOf(text).map((p) => [p.line, p.path, p.copies])).toEqual([
      [4, 'models[0].task', undefined],
      [6, 'models[0].features.age', ['models[1].features.age']],
      [9, 'models[1].task', undefined],
    ]);
  });
});

describe('docs/configuration.md', () => {
  const doc = readFileSync(join(__dirname, '../../../../docs/configuration.md'), 'utf8');

  it('documents every metric a rule may name and every environment variable', () => {
    for (const metric of Object.keys(RULE_METRICS)) expect(doc).toContain(`\`${metric}\``);
    for (const name of Object.values(CONFIG_ENV)) expect(doc).toContain(`\`${name}\``);
  });
});
