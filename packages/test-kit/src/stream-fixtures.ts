/** Deterministic prediction and label events for the runner's tests, as source batches. */
import { PredictionBatchBuilder, type SourceBatch } from '@vigil/collector';
import { seededRandom, type ModelConfig, type Table } from '@vigil/core';

export interface TestEvent {
  model: string;
  id: string;
  ts: number;
  features: { age: number | null; income: number; region: string };
  score: number;
  label: number | null;
  groups: { sex?: string; region?: string };
}

export function makeEvents(o: {
  n: number;
  start: number;
  stepMs?: number;
  seed: number;
  shift?: number;
  idPrefix?: string;
  model?: string;
}): TestEvent[] {
  const rand = seededRandom(o.seed);
  const shift = o.shift ?? 0;
  return Array.from({ length: o.n }, (_, i) => {
    const u = rand();
    const score = Math.min(0.999, Math.max(0.001, rand() * 0.8 + shift));
    const female = rand() < 0.45;
    const region = ['north', 'south', 'east', 'west'][Math.floor(rand() * 4)]!;
    return {
      model: o.model ?? 'credit-risk',
      id: `${o.idPrefix ?? `s${o.seed}`}-${i}`,
      ts: o.start + i * (o.stepMs ?? 1000),
      features: {
        age: i % 50 === 0 ? null : Math.round(20 + 50 * u + 10 * shift),
        income: 20_000 + 80_000 * rand(),
        region,
      },
      score,
      label: i % 4 === 3 ? null : rand() < score ? 1 : 0,
      groups: i % 97 === 0 ? { region } : { sex: female ? 'female' : 'male', region },
    };
  });
}

/** The decoder's table of `events` (features under their names, score, label and groups in `$` columns). */
export function readerTable(events: TestEvent[], model: ModelConfig): Table {
  const builder = new PredictionBatchBuilder(new Map([[model.id, model]]));
  events.forEach((e, i) =>
    builder.add({ topic: 't', partition: 0, offset: String(i), key: null, value: Buffer.from(JSON.stringify(e)) }),
  );
  return builder.build().batches.get(model.id)!.table;
}

function batchOf(topic: string, values: unknown[], partition: number, firstOffset: number): SourceBatch {
  return {
    topic,
    partition,
    messages: values.map((v, i) => ({
      topic,
      partition,
      offset: String(firstOffset + i),
      key: null,
      value: Buffer.from(JSON.stringify(v)),
    })),
    firstOffset: String(firstOffset),
    nextOffset: String(firstOffset + values.length),
  };
}

export function toPredictionBatch(
  events: TestEvent[],
  partition: number,
  firstOffset: number,
  topic = 'vigil.predictions',
): SourceBatch {
  return batchOf(topic, events, partition, firstOffset);
}

/** Label events for the events that have a label. */
export function toLabelBatch(
  events: TestEvent[],
  partition: number,
  firstOffset: number,
  topic = 'vigil.labels',
): SourceBatch {
  return batchOf(
    topic,
    events.map((e) => ({ model: e.model, id: e.id, label: e.label, ts: e.ts + 86_400_000 })),
    partition,
    firstOffset,
  );
}
