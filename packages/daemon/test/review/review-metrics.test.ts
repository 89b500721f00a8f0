import { wilsonInterval } from '@vigil/analyzers';
import type { ReviewWindowItem } from '@vigil/store';
import { reviewMetricRows } from '../../src/review/review-metrics';

const W = { model: 'm', version: 'v', start: 0, end: 3_600_000 };
const NOW = 10_000_000;
const item = (status: ReviewWindowItem['status'], o: Partial<ReviewWindowItem> = {}): ReviewWindowItem => ({
  status,
  verdict: null,
  audit: false,
  groups: { sex: 'F' },
  flaggedAt: NOW - 60_000,
  ...o,
});

describe('reviewMetricRows', () => {
  const items = [
    item('decided', { verdict: 'override', audit: true }),
    item('decided', { verdict: 'agree', audit: true }),
    item('decided', { verdict: 'agree', groups: { sex: 'M' } }),
    item('decided', { verdict: 'override', groups: { sex: 'M' } }),
    item('pending', { flaggedAt: NOW - 7_200_000 }),
    item('claimed'),
    item('expired', { groups: { sex: null } }),
    item('not_queued', { groups: { sex: 'M' } }),
  ];
  const rows = reviewMetricRows(W, { groups: ['sex', 'region', 'sex*region'] }, items, NOW);
  const at = (metric: string, group = '') => rows.find((r) => r.metric === metric && r.group === group);

  it('counts what was flagged, queued, decided and waits, for the window', () => {
    expect([
      at('flaggedRows')?.value,
      at('queuedRows')?.value,
      at('notQueuedRows')?.value,
      at('decidedRows')?.value,
      at('reviewBacklog')?.value,
    ]).toEqual([8, 7, 1, 4, 2]);
    expect(at('oldestPendingAge')?.value).toBe(7200);
  });

  it('gives the override rate and the audit error rate with their Wilson intervals, rows = decisions', () => {
    expect(at('overrideRate')).toMatchObject({
      value: 0.5,
      rows: 4,
      details: { overrides: 2, decided: 4, lower: wilsonInterval(2, 4)[0], upper: wilsonInterval(2, 4)[1] },
    });
    expect(at('auditErrorRate')).toMatchObject({ value: 0.5, rows: 2, details: { overrides: 1, decided: 2 } });
    // Nothing decided: no rate, the widest interval.
    expect(
      reviewMetricRows(W, { groups: [] }, [item('pending')], NOW).find((r) => r.metric === 'overrideRate'),
    ).toMatchObject({ value: null, rows: 0, details: { lower: 0, upper: 1 } });
  });

  it('breaks the counts and the override rate down per value of each group attribute, intersections aside', () => {
    expect(at('overrideRate', 'sex=F')).toMatchObject({ value: 0.5, rows: 2 });
    expect(at('overrideRate', 'sex=M')).toMatchObject({ value: 0.5, rows: 2 });
    expect(at('flaggedRows', 'sex=M')?.value).toBe(3);
    expect(at('flaggedRows', 'sex=F')?.value).toBe(4);
    expect(rows.filter((r) => r.group.includes('*'))).toEqual([]);
    // No item has a region: the attribute's subject row only, without a value.
    expect(rows.filter((r) => r.group.startsWith('region')).map((r) => [r.metric, r.group, r.value])).toEqual([
      ['groupOverrideRate', 'region', null],
    ]);
    expect(at('reviewBacklog', 'sex=F')).toBeUndefined();
  });

  it('gives each attribute its highest group override rate, naming the group, as a rule subject', () => {
    const skewed = [
      item('decided', { verdict: 'override', groups: { sex: 'M' } }),
      item('decided', { verdict: 'agree', groups: { sex: 'M' } }),
      item('decided', { verdict: 'agree', groups: { sex: 'F' } }),
      item('decided', { verdict: 'agree', groups: { sex: 'F' } }),
      item('decided', { verdict: 'agree', groups: { sex: 'F' } }),
    ];
    const out = reviewMetricRows(W, { groups: ['sex'] }, skewed, NOW);
    expect(out.find((r) => r.metric === 'groupOverrideRate')).toMatchObject({
      group: 'sex',
      value: 0.5,
      rows: 2,
      details: { group: 'sex=M', overrides: 1, decided: 2 },
    });
    expect(
      reviewMetricRows(W, { groups: ['sex'] }, [item('pending')], NOW).find((r) => r.metric === 'groupOverrideRate'),
    ).toMatchObject({ group: 'sex', value: null, rows: 0 });
  });
});
