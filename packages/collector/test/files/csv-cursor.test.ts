import fc from 'fast-check';
import { CsvCursor, DELIMITER, FILE_END, LINE_END } from '../../src/files/csv-cursor';

// nextNumber parses plain decimals while it scans for the field's end; whatever it accepts must be Number(text) to
// the bit, and what it refuses is left for the general path (csv-reader.test.ts checks that path's values).
const digits = (max: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9]{0,${max}}$`));
const decimal = fc
  .tuple(
    fc.constantFrom('', '+', '-'),
    fc.oneof(digits(8), digits(25), fc.stringMatching(/^0{1,20}[0-9]{0,6}$/)),
    fc.constantFrom('', '.'),
    fc.oneof(digits(8), digits(25)),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(8))),
  )
  .map(([sign, whole, dot, fraction, exponent]) => sign + whole + dot + fraction + (exponent?.join('') ?? ''));

/** Significant digits of a decimal's mantissa, and its decimal exponent, when `text` is a plain decimal. */
function shape(text: string): { significant: number; exponent: number } | undefined {
  const match = /^[+-]?([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]{1,6}))?$/.exec(text);
  if (match === null || `${match[1]}${match[2] ?? ''}` === '') return undefined;
  const mantissa = `${match[1]}${match[2] ?? ''}`.replace(/^0+/, '');
  return { significant: mantissa.length, exponent: Number(match[3] ?? 0) - (match[2]?.length ?? 0) };
}

describe('CsvCursor.nextNumber', () => {
  it('gives exactly Number(text) for every decimal it accepts, and accepts every short one', () => {
    fc.assert(
      fc.property(decimal, fc.constantFrom(',', '\n', '\r\n', ''), (text, after) => {
        const bytes = Buffer.from(text + after);
        const cursor = new CsvCursor(bytes, 'cells.csv', 0x2c);
        const end = cursor.nextNumber();
        const form = shape(text);
        if (end === -1) {
          expect(cursor.pos).toBe(0);
          // Refused: not a decimal, or one the exact fast path cannot take (15 significant digits always fit).
          if (form !== undefined) expect(form.significant > 15 || Math.abs(form.exponent) > 22).toBe(true);
          return;
        }
        expect(form).toBeDefined();
        expect(Object.is(cursor.number, Number(text))).toBe(true);
        expect(end).toBe(after === ',' ? DELIMITER : after === '' ? FILE_END : LINE_END);
        expect(cursor.pos).toBe(bytes.length);
      }),
      { numRuns: 30000 },
    );
  });

  it('reads leading zeros, signed zeros and 16- and 17-digit mantissas as Number() does', () => {
    const read = (text: string): number | undefined => {
      const cursor = new CsvCursor(Buffer.from(text), 'cells.csv', 0x2c);
      return cursor.nextNumber() === -1 ? undefined : cursor.number;
    };
    expect(read('000000000000000000001.5')).toBe(1.5);
    expect(Object.is(read('-0'), -0)).toBe(true);
    expect(Object.is(read('-0.000e5'), -0)).toBe(true);
    expect(read('9007199254740991')).toBe(9007199254740991); // 2^53 - 1: exact, taken
    expect(read('9007199254740993')).toBeUndefined(); // past 2^53: left to Number()
    expect(read('12345678901234567')).toBeUndefined(); // 17 significant digits
    expect(read('0.12345678901234567')).toBeUndefined();
    expect(read('1e22')).toBe(1e22);
    expect(read('1e23')).toBeUndefined();
  });
});
