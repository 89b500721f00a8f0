/**
 * What the dead-letter warn line quotes of a reason (docs/events.md, "Bad input"): never a piece of the payload.
 * Pure logic, on reasons as the decoder words them (`field "PATH": expected WHAT, got VALUE`, a string value as
 * JSON, cut at 120 characters with "…").
 */
import { loggable } from '../../src/run/dead-letter-log';

const got = (path: string, expected: string, value: unknown) =>
  `field "${path}": expected ${expected}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`;

describe('loggable', () => {
  it("tells a field's value by its kind, never the value", () => {
    const reasons = [
      got('features.age', 'a number', '41'),
      got('features.name', 'a number', 'Ana "the" López'),
      got('features.note', 'a number', `${'x'.repeat(120)}…`),
      got('score', 'a probability in [0, 1]', 1.75),
      got('ts', 'a time within a day of now', -3.2e12),
    ];
    expect(reasons.map(loggable)).toEqual([
      'field "features.age": expected a number, got a string',
      'field "features.name": expected a number, got a string',
      'field "features.note": expected a number, got a string',
      'field "score": expected a probability in [0, 1], got a number',
      'field "ts": expected a time within a day of now, got a number',
    ]);
    // The stored reason (vigil dlq list) keeps the value: only the log is told less.
    expect(reasons[0]).toContain('"41"');
    expect(reasons[1]).toContain('López');
  });

  it('keeps what names the mistake without a value: kinds, absence, an unknown model id', () => {
    expect(loggable('field "features": expected an object, got an array')).toBe(
      'field "features": expected an object, got an array',
    );
    expect(loggable('field "id": required, got null')).toBe('field "id": required, got null');
    expect(loggable('field "model": unknown model "m1O" (did you mean "m10"?)')).toBe(
      'field "model": unknown model "m1O" (did you mean "m10"?)',
    );
  });

  it('drops the piece JSON.parse quotes and caps what is left', () => {
    expect(loggable(`value: not valid JSON (Unexpected token 'n', "{not json" is not valid JSON)`)).toBe(
      `value: not valid JSON (Unexpected token 'n')`,
    );
    const long = loggable(`value: decoder failed (${'y'.repeat(400)})`);
    expect(long).toHaveLength(200);
    expect(long.endsWith('…')).toBe(true);
  });
});
