import { parse, problemAt, problemsOf, MINIMAL } from './config-test-helpers';

const withTop = (top: string) => `${top}\n${MINIMAL}`;

describe('escalation policies', () => {
  it('compiles delays and repeat intervals to milliseconds', () => {
    const config = parse(
      withTop(
        'escalation:\n  default:\n    steps: [ { after: 0m, notify: [owner] }, { after: 1h30m, notify: [owner] } ]\n    repeat: 4h',
      ),
    );
    expect(config.escalation).toEqual({
      default: {
        steps: [
          { afterMs: 0, notify: ['owner'] },
          { afterMs: 5_400_000, notify: ['owner'] },
        ],
        repeatMs: 14_400_000,
      },
    });
  });

  it('adds the built-in default policy when the file has none', () => {
    const config = parse(withTop('escalation:\n  quiet: { steps: [ { after: 1d, notify: [owner] } ] }'));
    expect(Object.keys(config.escalation)).toEqual(['quiet', 'default']);
    expect(config.escalation.default).toEqual({ steps: [{ afterMs: 0, notify: ['owner'] }] });
  });

  it('refuses targets that are neither owner nor a notifier', () => {
    const top =
      'notifiers: { oncall: { type: pagerduty, routingKey: abc } }\nescalation:\n  default: { steps: [ { after: 0m, notify: [owner, on-call, boss] } ] }';
    const problems = problemsOf(withTop(top));
    expect(problems.map((p) => [p.path, p.line, p.message])).toEqual([
      ['escalation.default.steps[0].notify[1]', 3, '"on-call" is not a notifier (did you mean "oncall"?)'],
      ['escalation.default.steps[0].notify[2]', 3, '"boss" is not a notifier ("owner" or a name under notifiers)'],
    ]);
  });

  it('refuses steps out of order, empty steps, a missing notify and a zero repeat', () => {
    const top = [
      'escalation:',
      '  a: { steps: [ { after: 1h, notify: [owner] }, { after: 30m, notify: [owner] } ] }',
      '  b: { steps: [] }',
      '  c: { steps: [ { after: 0m } ], repeat: 0s }',
    ].join('\n');
    const problems = problemsOf(withTop(top));
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['escalation.a.steps[1].after', 'must not be earlier than the previous step (steps are in order of their delay)'],
      ['escalation.b.steps', 'must have at least one step'],
      ['escalation.c.steps[0].notify', 'is required'],
      ['escalation.c.repeat', 'must be longer than 0'],
    ]);
  });
});

describe('notifiers', () => {
  it('compiles each type, with the PagerDuty endpoint as default', () => {
    const top = [
      'smtp: { url: "smtp://user:pw@mail.example.com:587", from: vigil@example.com }',
      'notifiers:',
      '  hook: { type: webhook, url: "https://example.com/hook?token=abc" }',
      '  chat: { type: slack, url: "https://hooks.slack.com/services/T/B/x" }',
      '  pager: { type: pagerduty, routingKey: key }',
      '  mail: { type: email, to: [a@example.com, b@example.com] }',
      '  am: { type: alertmanager, url: "http://am:9093" }',
    ].join('\n');
    const config = parse(withTop(top));
    expect(config.notifiers).toEqual({
      hook: { type: 'webhook' },
      chat: { type: 'slack' },
      pager: { type: 'pagerduty', url: 'https://events.pagerduty.com/v2/enqueue' },
      mail: { type: 'email', to: ['a@example.com', 'b@example.com'] },
      am: { type: 'alertmanager' },
    });
    const hook = config.notifiers.hook;
    expect(hook?.type === 'webhook' && hook.url).toBe('https://example.com/hook?token=abc');
  });

  it('refuses unknown types, keys of another type, the reserved name owner, and email without smtp', () => {
    const top = [
      'notifiers:',
      '  a: { type: slak, url: "https://x.example.com" }',
      '  b: { type: email, to: [a@example.com], url: "https://x.example.com" }',
      '  owner: { type: webhook, url: "https://x.example.com" }',
      '  c: { type: email, to: [not-an-address] }',
      '  d: { type: webhook }',
      '  e: just-a-string',
    ].join('\n');
    const problems = problemsOf(withTop(top));
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      [
        'notifiers.a.type',
        'must be one of webhook, slack, pagerduty, email, alertmanager, not "slak" (did you mean "slack"?)',
      ],
      ['notifiers.b.url', 'unknown key (known keys: type, to)'],
      ['notifiers.b', 'is an email notifier, and there is no smtp section'],
      ['notifiers.owner', '"owner" is reserved for the owner of each model; choose another name'],
      ['notifiers.c.to[0]', '"not-an-address" is not an e-mail address'],
      ['notifiers.c', 'is an email notifier, and there is no smtp section'],
      ['notifiers.d.url', 'is required'],
      ['notifiers.e', 'must be a mapping (key: value), not "just-a-string"'],
    ]);
    expect(problemAt(withTop('notifiers: { x: { url: "https://x.example.com" } }'), 'notifiers.x.type').message).toBe(
      'is required',
    );
  });

  it('takes an Alertmanager re-send interval of at least a second, and only for alertmanager', () => {
    const config = parse(withTop('notifiers: { am: { type: alertmanager, url: "http://am:9093", resend: 90s } }'));
    expect(config.notifiers).toEqual({ am: { type: 'alertmanager', resendMs: 90_000 } });
    const top = [
      'notifiers:',
      '  a: { type: alertmanager, url: "http://am:9093", resend: 500ms }',
      '  b: { type: alertmanager, url: "http://am:9093", resend: 0s }',
      '  c: { type: webhook, url: "https://x.example.com", resend: 1m }',
    ].join('\n');
    expect(problemsOf(withTop(top)).map((p) => [p.path, p.message])).toEqual([
      ['notifiers.a.resend', 'must be at least 1s (Alertmanager asks for 30s to 3m)'],
      ['notifiers.b.resend', 'must be longer than 0'],
      ['notifiers.c.resend', 'unknown key (known keys: type, url)'],
    ]);
  });
});
