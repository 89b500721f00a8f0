import type { SourceBatch } from '@vigil/collector';
import { FlightSource } from '../src/flight-source';
import type { Flights } from '../src/flights-data';

/** Five flights, one a day from February 1, 2001; the third has no known delay. */
function flights(): Flights {
  const day = 86_400_000;
  const start = Date.UTC(2001, 1, 1, 7, 30);
  return {
    rows: 5,
    ts: Float64Array.from({ length: 5 }, (_, i) => start + i * day),
    hour: Float64Array.from([7.5, 7.5, 7.5, 7.5, 7.5]),
    day: Uint8Array.from([4, 5, 6, 0, 1]),
    distance: Float64Array.from([100, 200, 300, 400, 500]),
    origin: Int32Array.from([0, 1, 2, 0, 1]),
    destination: Int32Array.from([1, 0, 2, 2, 0]),
    airports: { origin: ['ORD', 'ATL', 'other'], destination: ['LAX', 'DFW', 'other'] },
    label: Float64Array.from([1, 0, Number.NaN, 0, 1]),
    februaryStart: 0,
    source: 'test',
  };
}

function source(offsets: Map<number, string>, batchSize = 2) {
  return new FlightSource({
    flights: flights(),
    rows: Int32Array.from([0, 1, 2, 3, 4]),
    scores: Float64Array.from([0.9, 0.1, 0.5, 0.2, 0.7]),
    model: 'flights-delay',
    version: '2001-01',
    topic: 'vigil.predictions',
    batchSize,
    offsetsFor: async () => offsets,
  });
}

describe('FlightSource', () => {
  it('hands the stream over in batches with contiguous offsets, as prediction events', async () => {
    const batches: SourceBatch[] = [];
    const s = source(new Map());
    await s.run(async (b) => void batches.push(b));
    expect(s.state).toBe('stopped');
    expect(batches.map((b) => [b.firstOffset, b.nextOffset, b.messages.length])).toEqual([
      ['0', '2', 2],
      ['2', '4', 2],
      ['4', '5', 1],
    ]);
    expect(batches.every((b) => b.topic === 'vigil.predictions' && b.partition === 0 && b.highWatermark === '5')).toBe(
      true,
    );
    const events = batches.flatMap((b) => b.messages.map((m) => JSON.parse(m.value!.toString('utf8'))));
    expect(events[0]).toEqual({
      model: 'flights-delay',
      version: '2001-01',
      id: 'flight-0',
      ts: Date.UTC(2001, 1, 1, 7, 30),
      features: { hour: 7.5, dayOfWeek: 'Thu', distance: 100, origin: 'ORD', destination: 'DFW' },
      score: 0.9,
      label: 1,
      groups: { origin: 'ORD' },
    });
    expect(events[2].label).toBeNull();
    expect(batches[1]!.messages.map((m) => m.offset)).toEqual(['2', '3']);
    expect(batches[0]!.messages[0]!.key?.toString()).toBe('flights-delay');
  });

  it('starts at the offset the store committed, so a restarted replay applies nothing twice', async () => {
    const batches: SourceBatch[] = [];
    await source(new Map([[0, '3']])).run(async (b) => void batches.push(b));
    expect(batches.map((b) => [b.firstOffset, b.nextOffset])).toEqual([['3', '5']]);
    const done: SourceBatch[] = [];
    await source(new Map([[0, '5']])).run(async (b) => void done.push(b));
    expect(done).toEqual([]);
  });

  it('stops between batches once closed, and reports a failing handler', async () => {
    const s = source(new Map(), 1);
    const seen: string[] = [];
    await s.run(async (b) => {
      seen.push(b.firstOffset);
      if (seen.length === 2) await s.close();
    });
    expect(seen).toEqual(['0', '1']);
    const failing = source(new Map());
    await expect(failing.run(async () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    expect(failing.state).toBe('failed');
  });
});
