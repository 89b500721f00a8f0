/**
 * A flagged prediction keeps the attributions its event carried (docs/review.md), as the decoder read them: the
 * review queue shows them beside the features; an event without attributions gives `{}`.
 */
import { parseConfig } from '@vigil/core';
import { PredictionBatchBuilder } from '@vigil/collector';
import { flagRows } from '../../src/review/flag-batch';

const config = parseConfig(
  `
models:
  - id: credit-risk
    task: binary
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric, region: categorical }
    review: { capacityPerHour: 10, borderline: { margin: 0.1 } }
`,
  'vigil.yaml',
  {},
);

test('flagged items carry the attributions of their events, and {} without them', () => {
  const model = config.models[0]!;
  const builder = new PredictionBatchBuilder(new Map([[model.id, model]]));
  const event = (id: string, attributions?: unknown) =>
    Buffer.from(
      JSON.stringify({
        model: 'credit-risk',
        id,
        ts: 1_700_000_000_000,
        features: { age: 40, region: 'north' },
        score: 0.52,
        ...(attributions === undefined ? {} : { attributions }),
      }),
    );
  builder.add({
    topic: 't',
    partition: 0,
    offset: '0',
    key: null,
    value: event('a', { age: -0.125, region: 0.5, zip: 3 }),
  });
  builder.add({ topic: 't', partition: 0, offset: '1', key: null, value: event('b', { region: null }) });
  builder.add({ topic: 't', partition: 0, offset: '2', key: null, value: event('c') });
  const batch = builder.build().batches.get('credit-risk')!;
  const items = flagRows({ ...model, review: model.review! }, batch, () => ({
    ranges: new Map(),
    categories: new Map(),
  }));
  // Every event is borderline (0.52 against 0.5 ± 0.1); the queue orders them by priority, so compare by id.
  expect(items.map((i) => [i.id, i.attributions]).sort()).toEqual([
    ['a', { age: -0.125, region: 0.5 }],
    ['b', {}],
    ['c', {}],
  ]);
});
