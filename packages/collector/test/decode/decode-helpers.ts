import type { ModelDefinition } from '@vigil/core';
import type { RawMessage } from '@vigil/collector';

/** The binary model of docs/events.md's example prediction event. */
export const CREDIT: ModelDefinition = {
  id: 'credit-risk',
  task: 'binary',
  threshold: 0.5,
  features: { age: 'numeric', income: 'numeric', region: 'categorical' },
  groups: ['sex', 'sex*age_band'],
};

export const HOUSE: ModelDefinition = {
  id: 'house-price',
  task: 'regression',
  threshold: 0.5,
  features: { rooms: 'numeric', city: 'categorical' },
  groups: [],
};

export const MODELS: ReadonlyMap<string, ModelDefinition> = new Map([
  [CREDIT.id, CREDIT],
  [HOUSE.id, HOUSE],
]);

/** docs/events.md's example prediction event. */
export function exampleEvent(): Record<string, unknown> {
  return {
    model: 'credit-risk',
    version: '7',
    id: 'req-000123',
    ts: '2026-11-22T10:00:00.000Z',
    features: { age: 41, income: 52000.5, region: 'north' },
    score: 0.82,
    prediction: 1,
    label: null,
    groups: { sex: 'female', age_band: '40-49' },
  };
}

let nextOffset = 0;

/** A Kafka message whose value is `value` serialised as JSON, or the given text or bytes. */
export function message(value: unknown, overrides: Partial<RawMessage> = {}): RawMessage {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  return {
    topic: 'vigil.predictions',
    partition: 0,
    offset: String(nextOffset++),
    key: Buffer.from('credit-risk'),
    value: bytes,
    timestamp: '1795860000000',
    ...overrides,
  };
}
