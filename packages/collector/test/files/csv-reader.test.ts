import fc from 'fast-check';
import { readCsv } from '../../src/files/csv-reader';
import { isMissingText } from '../../src/files/missing-values';
import { parseNumberText } from '../../src/files/parse-number';

// readCsv parses plain decimals in one pass with the field scan (CsvCursor.nextNumber) and everything else the
// general way; whichever path a cell takes, its value must be the one parseNumberText gives its text.
const digits = fc.stringMatching(/^[0-9]{0,19}$/);
const decimal = fc
  .tuple(
    fc.constantFrom('', '+', '-'),
    digits,
    fc.constantFrom('', '.'),
    digits,
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.stringMatching(/^[0-9]{0,8}$/))),
  )
  .map(([sign, whole, dot, fraction, exponent]) => sign + whole + dot + fraction + (exponent?.join('') ?? ''))
  .filter((text) => /[0-9]/.test(text.split(/[eE]/)[0]!) && !/[eE][+-]?$/.test(text));
const cell = fc.oneof(
  { weight: 8, arbitrary: decimal },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', 'NA', 'NaN', 'null', '?', 'Infinity', '-Infinity', ' 7', '"8.5"', '"-1e3"'),
  },
  { weight: 1, arbitrary: decimal.map((text) => `${text} `) },
);

describe('readCsv', () => {
  it('reads every numeric cell as parseNumberText reads its text, on the fast path and off it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 40 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.boolean(),
        (rows, eol, finalEol) => {
          const text = `a,b${eol}${rows.map(([x, y]) => `${x},${y}`).join(eol)}${finalEol ? eol : ''}`;
          // A last row of one empty cell per column would be a blank line, which is skipped: keep rows non-blank.
          fc.pre(rows.every(([x, y]) => `${x},${y}` !== ','));
          const { table } = readCsv(Buffer.from(text), 'cells.csv', 0x2c, { types: { a: 'numeric', b: 'numeric' } });
          const expected = (raw: string): number => {
            const unquoted = raw.startsWith('"') ? raw.slice(1, -1) : raw.trimStart();
            return isMissingText(unquoted) ? Number.NaN : parseNumberText(unquoted);
          };
          expect(table.rowCount).toBe(rows.length);
          for (const [k, name] of ['a', 'b'].entries()) {
            const column = table.columns.get(name)!;
            if (column.kind !== 'numeric') throw new Error('numeric column expected');
            rows.forEach((row, i) =>
              expect({ cell: row[k], value: column.values[i] }).toEqual({ cell: row[k], value: expected(row[k]!) }),
            );
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reports the line of a bad number that follows fast-path cells', () => {
    const text = 'a,b\n1.5,2\n3,4e2\n5,x\n';
    expect(() => readCsv(Buffer.from(text), 'bad.csv', 0x2c, { types: { a: 'numeric', b: 'numeric' } })).toThrow(
      /bad\.csv:4/,
    );
  });
});
