import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceBatch } from '@vigil/collector';
import { alertDeliveryMetrics } from '../../src/http/alert-metrics';
import { PrometheusRegistry } from '../../src/http/prometheus-registry';
import { runnerMetrics } from '../../src/run/runner-metrics';

const seriesOf = (text: string) => text.split('\n').filter((l) => l.startsWith('vigil_'));

describe('runnerMetrics', () => {
  it('initialises the series of the configured models and topics at 0, and no others', async () => {
    const registry = new PrometheusRegistry();
    runnerMetrics(registry, { models: ['m1'], topics: { predictions: 'p', labels: 'l' } });
    expect(
      seriesOf(await registry.render())
        .filter((l) => !l.startsWith('vigil_build_info'))
        .sort(),
    ).toEqual(
      [
        'vigil_analysis_seconds_total 0',
        'vigil_analysis_lag_seconds 0',
        'vigil_analysis_queued_windows 0',
        'vigil_revisions_deferred_total{model="m1"} 0',
        'vigil_batches_total{topic="l"} 0',
        'vigil_batches_total{topic="p"} 0',
        'vigil_events_consumed_total{model="m1"} 0',
        'vigil_events_duplicate_total{model="m1"} 0',
        'vigil_labels_duplicate_total 0',
        'vigil_labels_joined_total 0',
        'vigil_labels_orphaned_total 0',
        'vigil_labels_waiting_total 0',
        'vigil_windows_analysed_total{kind="first",model="m1"} 0',
        'vigil_windows_analysed_total{kind="revision",model="m1"} 0',
      ].sort(),
    );
  });

  it('every family, with a sample each, passes promtool check metrics', async () => {
    const registry = new PrometheusRegistry();
    const m = runnerMetrics(registry, {
      models: ['m1'],
      topics: { predictions: 'p', labels: 'l', deadLetters: 'dlq' },
    });
    const delivered = alertDeliveryMetrics(registry);
    m.eventsConsumed.inc({ model: 'm1' }, 10);
    m.deadLettered.inc({ topic: 'p', code: 'VIGIL_DECODE_INVALID_JSON' });
    m.deadLettersPublished.inc({ topic: 'dlq' });
    m.deadLettersPublishFailed.inc({ topic: 'dlq', outcome: 'retrying' });
    m.unprofiled.inc({ model: 'm1', version: '2' }, 3);
    m.analysisSeconds.inc({}, 0.25);
    m.watermark.set(1_772_323_200, { model: 'm1' });
    m.observeLag({ topic: 'p', partition: 1, highWatermark: '120', nextOffset: '100' } as SourceBatch);
    delivered({ kind: 'notify', target: 'owner:webhook', ok: true, final: true });
    delivered({ kind: 'notify', target: 'slack', ok: false, final: false });
    const text = await registry.render();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (check.error)
      throw new Error(
        `promtool cannot run (scripts/services/install.sh installs it with Debian's prometheus package): ${check.error.message}`,
      );
    expect({ status: check.status, problems: check.stdout + check.stderr }).toEqual({ status: 0, problems: '' });
    expect(seriesOf(text)).toEqual(
      expect.arrayContaining([
        'vigil_consumer_lag_messages{partition="1",topic="p"} 20',
        'vigil_batches_total{topic="p"} 1',
        'vigil_watermark_timestamp_seconds{model="m1"} 1772323200',
        'vigil_events_unprofiled_total{model="m1",version="2"} 3',
        'vigil_alerts_sent_total{kind="notify",target="owner:webhook"} 1',
        'vigil_alert_delivery_failures_total{final="false",kind="notify",target="slack"} 1',
        'vigil_dead_letters_publish_failed_total{outcome="dropped",topic="dlq"} 0',
      ]),
    );
  });

  it('docs/streaming.md lists every vigil_ family, with its type, and no other', async () => {
    const registry = new PrometheusRegistry();
    runnerMetrics(registry);
    alertDeliveryMetrics(registry);
    const defined = [...(await registry.render()).matchAll(/^# TYPE (vigil_\w+) (\w+)$/gm)].map(
      ([, name, type]) => `${name} ${type}`,
    );
    const docs = readFileSync(join(__dirname, '../../../../docs/streaming.md'), 'utf8');
    const section = docs.slice(docs.indexOf('### `/metrics`'), docs.indexOf('**Renamed**'));
    const documented = [...section.matchAll(/^\| `(vigil_\w+)` \| (\w+) \|/gm)].map(
      ([, name, type]) => `${name} ${type}`,
    );
    expect(documented.sort()).toEqual(defined.sort());
    expect(defined.length).toBeGreaterThan(15);
  });
});
