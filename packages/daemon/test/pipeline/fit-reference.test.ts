import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accumulate, analyzeWindow, emptyAccumulator, estimateCbpe, referenceBand } from '@vigil/analyzers';
import { parseConfig } from '@vigil/core';
import { batchSpec } from '../../src/pipeline/batch-buckets';
import { fitModelReference } from '../../src/pipeline/fit-reference';
import { windowMetricRows } from '../../src/pipeline/window-metrics';
import { makeEvents, readerTable, type TestEvent } from '@vigil/test-kit';

const config = (task: string) =>
  parseConfig(
    `
models:
  - id: credit-risk
    task: ${task}
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric, income: numeric, region: categorical }
`,
    'test.yaml',
    {},
  ).models[0]!;

/** A reference CSV of `events`: the features, the score, and the label column when asked. */
function referenceCsv(dir: string, events: TestEvent[], withLabel: boolean): string {
  const lines = [`age,income,region,score${withLabel ? ',label' : ''}`];
  for (const e of events) {
    if (withLabel && e.label === null) continue;
    lines.push(
      [e.features.age ?? '', e.features.income, e.features.region, e.score, ...(withLabel ? [e.label] : [])].join(','),
    );
  }
  const path = join(dir, `reference-${withLabel ? 'labelled' : 'plain'}.csv`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('fitting a model reference file', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-fit-reference-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fits CBPE when a binary model’s reference has a label column, and the window writes estimated rows with their band', async () => {
    const model = config('binary');
    const reference = makeEvents({ n: 3000, start: 0, seed: 1 });
    const { profile } = await fitModelReference(model, referenceCsv(dir, reference, true));
    expect(profile.cbpe).toBeDefined();
    expect(profile.cbpe!.rows).toBe(reference.filter((e) => e.label !== null).length);
    expect(profile.chunks!.map((c) => [c.rows, c.chunks])).toEqual([
      [100, 22],
      [250, 9],
    ]);

    const spec = batchSpec(model);
    const events = makeEvents({ n: 500, start: 0, seed: 2, shift: 0.15 }).map((e) => ({ ...e, label: null }));
    const table = readerTable(events, model);
    const acc = accumulate(emptyAccumulator(profile, spec), profile, spec, table);
    const analysis = analyzeWindow(profile, acc, spec);
    expect(analysis.performance).toBeUndefined();
    const rows = windowMetricRows({ model: model.id, version: 'unversioned', start: 0, end: 1 }, acc, analysis);
    const row = (metric: string) => rows.find((r) => r.metric === metric && r.feature === '' && r.group === '');
    // The same estimate as `vigil report` gives on these rows (score ≥ threshold is the class of every event).
    const scores = Float64Array.from(events, (e) => e.score);
    const report = estimateCbpe(
      profile.cbpe!,
      scores,
      Float64Array.from(events, (e) => (e.score >= model.threshold ? 1 : 0)),
    )!;
    for (const [metric, key] of [
      ['estimatedAccuracy', 'accuracy'],
      ['estimatedPrecision', 'precision'],
      ['estimatedRecall', 'recall'],
      ['estimatedF1', 'f1'],
    ] as const) {
      expect(row(metric)!.value).toBeCloseTo(report[key].value, 9);
      expect(row(metric)!.details).toEqual({
        samplingError: report[key].samplingError,
        band: report[key].band,
        rows: 500,
        // What `threshold: reference` rules judge: realised chunks of the reference, 2,250 labelled rows → 250-row chunks.
        reference: referenceBand(profile.chunks, key, 500),
      });
    }
    expect(Math.abs(row('estimatedAuc')!.value! - report.auc.value)).toBeLessThan(0.01);
    expect(row('accuracy')).toBeUndefined();
  });

  it('fits no CBPE without labels in the reference, nor for a regression model', async () => {
    const reference = makeEvents({ n: 500, start: 0, seed: 1 });
    expect(
      (await fitModelReference(config('binary'), referenceCsv(dir, reference, false))).profile.cbpe,
    ).toBeUndefined();
    expect(
      (await fitModelReference(config('regression'), referenceCsv(dir, reference, true))).profile.cbpe,
    ).toBeUndefined();
  });
});
