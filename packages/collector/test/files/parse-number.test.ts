import fc from 'fast-check';
import { parseNumberBytes, parseNumberText } from '../../src/files/parse-number';

const parseBytes = (text: string): number => {
  const bytes = Buffer.from(`##${text}##`, 'utf8');
  return parseNumberBytes(bytes, 2, bytes.length - 2);
};

describe('parseNumberBytes', () => {
  it('gives exactly the double Number() gives for every way JavaScript prints a double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.integer({ min: 0, max: 20 }), (value, digits) => {
        const texts = [String(value), value.toExponential(digits), value.toPrecision(Math.max(1, digits))];
        if (Math.abs(value) < 1e21) texts.push(value.toFixed(digits));
        for (const text of texts) expect(Object.is(parseBytes(text), Number(text))).toBe(true);
      }),
      { numRuns: 20000 },
    );
  });

  it('gives exactly the double Number() gives for decimal literals of any shape', () => {
    const digits = fc.stringMatching(/^[0-9]{0,25}$/);
    const literal = fc
      .tuple(
        fc.constantFrom('', '+', '-'),
        digits,
        fc.constantFrom('', '.'),
        digits,
        fc.option(
          fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.stringMatching(/^[0-9]{0,4}$/)),
        ),
      )
      .map(([sign, whole, dot, fraction, exponent]) => sign + whole + dot + fraction + (exponent?.join('') ?? ''));
    fc.assert(
      fc.property(literal, (text) => {
        const expected = text.trim() === '' ? Number.NaN : Number(text);
        expect(Object.is(parseBytes(text), expected)).toBe(true);
      }),
      { numRuns: 50000 },
    );
  });

  it('agrees with parseNumberText on arbitrary short texts', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-fA-FxXoObB .eE+\-_]{0,12}$/), (text) => {
        expect(Object.is(parseBytes(text), parseNumberText(text))).toBe(true);
      }),
      { numRuns: 20000 },
    );
  });

  it('reads the edge cases of decimal syntax like Number()', () => {
    for (const text of [
      '0',
      '-0',
      '-0.0',
      '5.',
      '.5',
      '+.5',
      '1e5',
      '1E-5',
      '007',
      '9007199254740993',
      '1e400',
      '-1e-400',
      '4.9e-324',
    ]) {
      expect(Object.is(parseBytes(text), Number(text))).toBe(true);
    }
  });
});

describe('parseNumberText', () => {
  it('accepts what Number() accepts, with surrounding whitespace and Infinity', () => {
    expect(parseNumberText(' 12.5 ')).toBe(12.5);
    expect(parseNumberText('-Infinity')).toBe(Number.NEGATIVE_INFINITY);
  });

  it('reads every spelling of infinity numpy and pandas write as the same number (Infinity was read, inf refused)', () => {
    for (const text of ['inf', 'Inf', 'INF', '+inf', 'infinity', 'Infinity', ' inf ']) {
      expect(parseNumberText(text)).toBe(Number.POSITIVE_INFINITY);
      expect(parseBytes(text)).toBe(Number.POSITIVE_INFINITY);
    }
    for (const text of ['-inf', '-Inf', '-INFINITY', '-Infinity'])
      expect(parseBytes(text)).toBe(Number.NEGATIVE_INFINITY);
    for (const text of ['infinite', 'in', 'infinityy', '++inf']) expect(parseNumberText(text)).toBeNaN();
  });

  it('rejects hexadecimal, binary and octal literals, and blank text', () => {
    for (const text of ['0x1F', '0b101', '0o17', ' 0X10', '', '   ']) expect(parseNumberText(text)).toBeNaN();
  });

  it('reads true and false as 1 and 0', () => {
    expect([parseNumberText('true'), parseNumberText('TRUE'), parseNumberText('False')]).toEqual([1, 1, 0]);
    expect(parseBytes('True')).toBe(1);
  });

  it('gives NaN for text that is not a number', () => {
    for (const text of ['forty', '1,5', '1_000', '--1', '1e', 'e5', '.', 'yes']) {
      expect(parseBytes(text)).toBeNaN();
      expect(parseNumberText(text)).toBeNaN();
    }
  });
});
