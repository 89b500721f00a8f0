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
        fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 150 }),
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

  it('turns an inferred column categorical after rows read whole, with every row its text and the others kept', () => {
    // 130 rows of numbers (two blocks of rows read whole and handed to the columns), then a word in column b.
    const lines = Array.from({ length: 130 }, (_, i) => `${i}.5,${i % 7}`);
    const text = `a,b,c\n${lines.map((l, i) => `${l},g${i % 3}`).join('\n')}\n1,x,g0\n2,,g1\n`;
    const { table, inferred } = readCsv(Buffer.from(text), 'turns.csv', 0x2c);
    expect(inferred).toEqual({ a: 'numeric', b: 'categorical', c: 'categorical' });
    const a = table.columns.get('a')!;
    const b = table.columns.get('b')!;
    if (a.kind !== 'numeric' || b.kind !== 'categorical') throw new Error('kinds');
    expect([...a.values]).toEqual([...lines.map((_, i) => i + 0.5), 1, 2]);
    const textOf = (row: number): string | null => (b.codes[row]! < 0 ? null : b.categories[b.codes[row]!]!);
    expect(Array.from({ length: 132 }, (_, i) => textOf(i))).toEqual([...lines.map((_, i) => `${i % 7}`), 'x', null]);
  });

  it('reads a file of several parser windows (4 MiB) as one, whatever its line ends', () => {
    // ~9 MB of rows ending in LF, CRLF or CR, with blank lines: windows are cut after a line end, never between a CR
    // and its LF. Column b turns categorical in the third window; a bad number in the last row gives its line.
    const rows = 90_000;
    const pad = '0.12345678901234567890123456789012345678901234567890123456789012345678901234';
    const ends = ['\n', '\r\n', '\r'];
    let text = 'a,b,c,d\n';
    let line = 1;
    const firstWindowEnd = text.length + 4 * 1024 * 1024;
    for (let i = 0; i < rows; i++) {
      // The row that crosses the first window's end has its CR as the window's last byte and its LF past it.
      const d = text.length + 200 > firstWindowEnd && text.length < firstWindowEnd ? '' : pad;
      const row = `${i}.25,${i === 80_000 ? 'x' : -i},w${i % 5},${d}`;
      text += d === '' ? `${row}${'0'.repeat(firstWindowEnd - 1 - text.length - row.length)}\r\n` : row + ends[i % 3];
      line++;
      if (i % 1000 === 999) {
        text += '\r\n'; // after a CR, '\n' alone would end that line, not make a blank one
        line++;
      }
    }
    expect(text.length).toBeGreaterThan(2 * 4 * 1024 * 1024);
    expect(text.slice(firstWindowEnd - 1, firstWindowEnd + 1)).toBe('\r\n');
    const { table, inferred } = readCsv(Buffer.from(text), 'windows.csv', 0x2c);
    expect(table.rowCount).toBe(rows);
    expect(inferred).toEqual({ a: 'numeric', b: 'categorical', c: 'categorical', d: 'numeric' });
    const a = table.columns.get('a')!;
    const b = table.columns.get('b')!;
    if (a.kind !== 'numeric' || b.kind !== 'categorical') throw new Error('kinds');
    expect(a.values.every((v, i) => v === i + 0.25)).toBe(true);
    expect(b.categories[b.codes[0]!]).toBe('0');
    expect(b.categories[b.codes[79_999]!]).toBe('-79999');
    expect(b.categories[b.codes[80_000]!]).toBe('x');
    expect(b.categories[b.codes[rows - 1]!]).toBe(`${1 - rows}`);
    const bad = `${text}1,2,w,y\n`;
    expect(() => readCsv(Buffer.from(bad), 'windows.csv', 0x2c, { types: { d: 'numeric' } })).toThrow(
      new RegExp(`windows\\.csv:${line + 1}:`),
    );
  });

  it('reports the line of a bad number that follows fast-path cells', () => {
    const text = 'a,b\n1.5,2\n3,4e2\n5,x\n';
    expect(() => readCsv(Buffer.from(text), 'bad.csv', 0x2c, { types: { a: 'numeric', b: 'numeric' } })).toThrow(
      /bad\.csv:4/,
    );
  });
});
