import { register as globalRegistry } from 'prom-client';
import { vigilVersion } from '../../src/version';
import { PrometheusRegistry } from '../../src/http/prometheus-registry';

/** The sample lines (no comments) of a registry's text. */
const sampleLines = async (registry: PrometheusRegistry) =>
  (await registry.render()).split('\n').filter((l) => l !== '' && !l.startsWith('#'));

describe('PrometheusRegistry', () => {
  it('has the process and Node.js metrics and vigil_build_info from the start, without gauges named like counters', async () => {
    const text = await new PrometheusRegistry().render();
    expect(text).toMatch(/^process_cpu_seconds_total \d+(\.\d+)?$/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+$/m);
    expect(text).toContain('# TYPE nodejs_active_handles gauge');
    expect(text).toContain(`\nvigil_build_info{version="${vigilVersion()}"} 1\n`);
    expect(text).not.toMatch(/^# TYPE \w+_total (gauge|untyped)$/m);
  });

  it('prints an unlabelled counter at 0 before it moves, and a labelled one once counted or initialised', async () => {
    const registry = new PrometheusRegistry();
    const plain = registry.counter('vigil_test_plain_total', 'Unlabelled.');
    const byModel = registry.counter('vigil_test_model_total', 'Labelled.', ['model']);
    expect(await sampleLines(registry)).toEqual(expect.arrayContaining(['vigil_test_plain_total 0']));
    expect((await sampleLines(registry)).filter((l) => l.startsWith('vigil_test_model_total'))).toEqual([]);
    byModel.inc({ model: 'a' }, 0);
    plain.inc();
    plain.inc({}, 2.5);
    byModel.inc({ model: 'b' }, 3);
    expect((await sampleLines(registry)).filter((l) => l.startsWith('vigil_test_'))).toEqual([
      'vigil_test_plain_total 3.5',
      'vigil_test_model_total{model="a"} 0',
      'vigil_test_model_total{model="b"} 3',
    ]);
  });

  it('prints labels in name order, escaped, whatever the order they were given in', async () => {
    const registry = new PrometheusRegistry();
    const counter = registry.counter('vigil_test_total', 'Two labels.', ['topic', 'code']);
    const gauge = registry.gauge('vigil_test_gauge', 'A gauge.', ['topic', 'partition']);
    counter.inc({ topic: 't"1', code: 'X' });
    counter.inc({ code: 'X', topic: 't"1' });
    gauge.set(7, { topic: 'a\\b', partition: '0' });
    gauge.set(5, { partition: '0', topic: 'a\\b' });
    const lines = await sampleLines(registry);
    expect(lines).toContain('vigil_test_total{code="X",topic="t\\"1"} 2');
    expect(lines).toContain('vigil_test_gauge{partition="0",topic="a\\\\b"} 5');
  });

  it('refuses a label it was not declared with, and a decrease', () => {
    const registry = new PrometheusRegistry();
    const counter = registry.counter('vigil_test_total', 'Model only.', ['model']);
    expect(() => counter.inc({ model: 'a', version: '1' })).toThrow(/version/);
    expect(() => counter.inc({ model: 'a' }, -1)).toThrow(/decrease/);
  });

  it('keeps several registries in one process apart, and off the global one', async () => {
    const one = new PrometheusRegistry();
    const two = new PrometheusRegistry();
    one.counter('vigil_test_total', 'In one.').inc({}, 4);
    two.counter('vigil_test_total', 'In two.');
    expect(await sampleLines(one)).toContain('vigil_test_total 4');
    expect(await sampleLines(two)).toContain('vigil_test_total 0');
    expect(globalRegistry.getSingleMetric('vigil_test_total')).toBeUndefined();
    expect(globalRegistry.getSingleMetric('vigil_build_info')).toBeUndefined();
    expect(globalRegistry.getSingleMetric('process_cpu_seconds_total')).toBeUndefined();
  });
});
