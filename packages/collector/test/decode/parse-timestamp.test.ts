import fc from 'fast-check';
import { parseIsoTimestamp } from '@vigil/collector';

describe('parseIsoTimestamp', () => {
  it.each([
    ['2026-11-22T10:00:00.000Z', Date.UTC(2026, 10, 22, 10)],
    ['2026-11-22T10:00:00Z', Date.UTC(2026, 10, 22, 10)],
    ['2026-11-22t10:00:00z', Date.UTC(2026, 10, 22, 10)],
    ['2026-11-22 10:00:00Z', Date.UTC(2026, 10, 22, 10)],
    ['2026-11-22T10:00Z', Date.UTC(2026, 10, 22, 10)],
    ['2026-11-22T10:00:00', Date.UTC(2026, 10, 22, 10)],
    ['2026-11-22', Date.UTC(2026, 10, 22)],
    ['2026-11-22T12:00:00+02:00', Date.UTC(2026, 10, 22, 10)],
    ['2026-11-22T05:30:00-0430', Date.UTC(2026, 10, 22, 10)],
    ['2026-11-22T12:00:00+02', Date.UTC(2026, 10, 22, 10)],
    ['2026-11-22T10:00:00,5Z', Date.UTC(2026, 10, 22, 10) + 500],
    ['2026-11-22T10:00:00.123456789Z', Date.UTC(2026, 10, 22, 10) + 123.456789],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-02-29', Date.UTC(2000, 1, 29)],
    ['1969-12-31T23:59:59.999Z', -1],
    ['0099-01-01T00:00:00Z', Date.parse('0099-01-01T00:00:00Z')],
  ])('reads %s', (text, expected) => {
    expect(parseIsoTimestamp(text)).toBeCloseTo(expected, 6);
  });

  it.each([
    '',
    'yesterday',
    'March 7, 2026',
    '1795860000000',
    '2026-13-01',
    '2026-00-10',
    '2026-02-29',
    '1900-02-29',
    '2026-04-31',
    '2026-11-22T24:00:00Z',
    '2026-11-22T10:60:00Z',
    '2026-11-22T10:00:60Z',
    '2026-11-22T10:00:00+24:00',
    '2026-11-22Z',
    '2026-11-22T10Z',
    ' 2026-11-22T10:00:00Z',
    '2026-11-22T10:00:00Z ',
    '2026-11-22T10:00:00.Z',
    '2026-11-22T10:00:00.1234567890Z',
    `2026-11-22T10:00:00.${'1'.repeat(100000)}Z`,
  ])('refuses %j', (text) => {
    expect(parseIsoTimestamp(text)).toBeNaN();
  });

  it('reads back what Date#toISOString writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), (ms) => {
        expect(parseIsoTimestamp(new Date(ms).toISOString())).toBe(ms);
      }),
      { numRuns: 2000 },
    );
  });
});
