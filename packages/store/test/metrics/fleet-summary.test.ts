import type { MetricName } from '@vigil/core';
import { BACKENDS, storeOnBackend } from '@vigil/test-kit';
import type { NewIncident } from '../../src/alerts/incidents';
import type { MetricRow } from '../../src/metrics/metric-rows';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const HOUR = 3_600_000;

const row = (over: Partial<MetricRow> & Pick<MetricRow, 'metric'>): MetricRow => ({
  model: 'm',
  version: '1',
  windowStart: T0,
  windowEnd: T0 + HOUR,
  feature: '',
  group: '',
  value: 0,
  rows: 500,
  labelledRows: 50,
  ...over,
});

const incident = (id: string, model: string, feature: string): NewIncident => ({
  id,
  model,
  version: '1',
  metric: 'psi' as MetricName,
  feature,
  group: '',
  kind: 'rule',
  severity: 'warning',
  status: 'firing',
  value: 0.3,
  threshold: 0.2,
  comparison: '>',
  windowStart: T0,
  windowEnd: T0 + HOUR,
  windowRows: 500,
  openedAt: T0 + HOUR,
  escalationPolicy: 'default',
  detail: null,
});

describe.each(BACKENDS)("the fleet's reads for vigil model list and show on %s", (kind) => {
  const store = storeOnBackend(kind, 'fleetreads');

  it("reads each model's versions newest first, its latest analysed window's summary and its open incidents", async () => {
    for (const [model, version] of [
      ['m', '1'],
      ['m', '0'],
      ['quiet', 'a'],
    ] as const)
      await store.batches.apply(
        { groupId: 'g', offsets: [], buckets: [{ model, version, bucketStart: T0, accumulator: {}, rows: 1 }] },
        (a) => a,
      );
    await store.metrics.upsertRows([
      row({ metric: 'rows', value: 500 }),
      row({ metric: 'psi', feature: 'age', value: 0.31 }),
      row({ metric: 'psi', feature: 'income', value: 0.05 }),
      row({ metric: 'drifted', feature: 'age', value: 1 }),
      row({ metric: 'drifted', feature: 'income', value: 0 }),
      // Version 0's window ends at the same time: the latest is the greater version.
      row({ version: '0', metric: 'rows', value: 10 }),
      // A later window without the model's rows series (not an analysed window of the model): not the latest.
      row({ metric: 'auc', windowStart: T0 + HOUR, windowEnd: T0 + 2 * HOUR, value: 0.8 }),
    ]);
    await store.transaction(async (tx) => {
      await tx.incidents.insert(incident('i1', 'm', 'age'));
      await tx.incidents.insert(incident('i2', 'm', 'income'));
      await tx.incidents.insert(incident('i3', 'm', 'city'));
      await tx.incidents.update('i2', { status: 'acknowledged' });
      await tx.incidents.update('i3', { status: 'resolved' });
      // Rule states of the latest window's version are counted; version 0's are not.
      const state = (feature: string, state: 'ok' | 'firing' | 'insufficient_data') => ({
        metric: 'psi',
        feature,
        group: '',
        severity: 'warning',
        firing: state === 'firing',
        state,
        value: 0.31,
        windowStart: T0,
        windowEnd: T0 + HOUR,
      });
      await tx.ruleWindows.upsertStates('m', '1', [state('age', 'firing'), state('income', 'insufficient_data')], T0);
      await tx.ruleWindows.upsertStates('m', '0', [state('age', 'ok')], T0);
    });
    const latest = {
      version: '1',
      windowStart: T0,
      windowEnd: T0 + HOUR,
      rows: 500,
      labelledRows: 50,
      psiFeatures: 2,
      psiMax: 0.31,
      psiWorstFeature: 'age',
      driftedFeatures: 1,
    };
    expect(await store.models.fleet()).toEqual([
      { model: 'm', versions: ['0', '1'], latest, openIncidents: 2, rules: { ok: 0, firing: 1, insufficientData: 1 } },
      { model: 'quiet', versions: ['a'], latest: null, openIncidents: 0, rules: null },
    ]);
    expect(await store.metrics.latestWindow('m')).toEqual(latest);
    expect(await store.metrics.latestWindow('m', '0')).toEqual({
      version: '0',
      windowStart: T0,
      windowEnd: T0 + HOUR,
      rows: 500,
      labelledRows: 50,
      psiFeatures: 0,
      psiMax: null,
      psiWorstFeature: null,
      driftedFeatures: null,
    });
    expect(await store.metrics.latestWindow('quiet')).toBeNull();
    expect(await store.metrics.latestWindow("m'; DROP TABLE vigil_metric_windows; --")).toBeNull();
  });
});
