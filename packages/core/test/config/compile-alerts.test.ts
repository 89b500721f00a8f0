import { DEFAULT_ALERT_GROUPING } from '@vigil/core';
import { parse, problemsOf, MINIMAL } from './config-test-helpers';

const withTop = (top: string) => `${top}\n${MINIMAL}`;

describe('alerts: notification grouping', () => {
  it('defaults to one group per model version, no group wait, a 5m group interval and no repeat of its own', () => {
    expect(parse(MINIMAL).alerts).toEqual({ groupBy: ['model', 'version'], groupWaitMs: 0, groupIntervalMs: 300_000 });
    expect(DEFAULT_ALERT_GROUPING).toEqual(parse(MINIMAL).alerts);
  });

  it('compiles groupBy in label order and the three intervals to milliseconds', () => {
    const config = parse(
      withTop('alerts: { groupBy: [metric, model], groupWait: 30s, groupInterval: 10m, repeatInterval: 4h }'),
    );
    expect(config.alerts).toEqual({
      groupBy: ['model', 'metric'],
      groupWaitMs: 30_000,
      groupIntervalMs: 600_000,
      repeatIntervalMs: 14_400_000,
    });
  });

  it('refuses unknown labels, a groupBy without model, unknown keys and a zero group interval', () => {
    const problems = problemsOf(withTop('alerts: { groupBy: [model, featur], groupInterval: 0s, groupWiat: 1m }'));
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['alerts.groupWiat', expect.stringMatching(/unknown key/)],
      [
        'alerts.groupBy[1]',
        expect.stringMatching(
          /^must be one of model, version, metric, feature, group, not "featur" \(did you mean "feature"\?\)/,
        ),
      ],
      ['alerts.groupInterval', 'must be longer than 0'],
    ]);
    expect(problemsOf(withTop('alerts: { groupBy: [version, metric] }')).map((p) => [p.path, p.message])).toEqual([
      ['alerts.groupBy', "must include model (a group is notified by its model's escalation policy and owner)"],
    ]);
  });
});
