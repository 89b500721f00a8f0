import fc from 'fast-check';
import { CsvCursor, DELIMITER, FILE_END } from '../../src/files/csv-cursor';
import { CsvFastRows } from '../../src/files/csv-fast-rows';
import { CsvWasmRows } from '../../src/files/csv-wasm-rows';
import { parseNumberBytes } from '../../src/files/parse-number';
import { field } from './csv-row-fields';

// CsvFastRows reads a whole row in one call; whatever it reads must be what the field-by-field reader (CsvCursor's
// nextNumber, then next for what that refuses) reads from the same bytes, and it may refuse a row only for the
// reasons it documents: a quoted field, a wrong number of fields, or no line end.
interface Expected {
  /** -1: the row is refused. */
  next: number;
  /** Per field: the number nextNumber reads (numeric targets only, when it accepts it) and next's byte range. */
  fields: { number?: number; start: number; end: number }[];
}

/** What the field-by-field reader reads from the row at 0 with these targets (-1: hand back the field). */
function fieldByField(bytes: Uint8Array, targets: Int32Array, delimiter: number): Expected {
  const cursor = new CsvCursor(bytes, 'rows.csv', delimiter);
  const fields: Expected['fields'] = [];
  const last = targets.length - 1;
  for (let k = 0; k <= last; k++) {
    const at = cursor.pos;
    const number = targets[k]! >= 0 && cursor.nextNumber() !== -1 ? cursor.number : undefined;
    cursor.pos = at;
    let end: number;
    try {
      end = cursor.next();
    } catch {
      return { next: -1, fields }; // a quoted field the reader refuses (text after its closing quote)
    }
    if (cursor.text !== null || bytes[cursor.start - 1] === 0x22) return { next: -1, fields };
    fields.push({ ...(number === undefined ? {} : { number }), start: cursor.start, end: cursor.end });
    if (k < last ? end !== DELIMITER : end === DELIMITER || end === FILE_END) return { next: -1, fields };
  }
  return { next: cursor.pos, fields };
}

describe('CsvFastRows', () => {
  it('reads a row as the field-by-field reader reads it, or refuses it for a quote, a field count or no line end', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(field, fc.boolean()), { minLength: 1, maxLength: 12 }),
        fc.constantFrom(',', ';', '\t'),
        fc.constantFrom('\n', '\r\n', '\r', '', ',\n', 'x\n'),
        fc.nat(4),
        (cells, delimiter, ending, r) => {
          const d = delimiter.charCodeAt(0);
          const text = cells.map(([f]) => f).join(delimiter) + ending.replace(',', delimiter);
          const bytes = Buffer.from(`${text}7,8\n`);
          const targets = Int32Array.from(cells.map(([, numeric], k) => (numeric ? k : -1)));
          const want = fieldByField(bytes, targets, d);
          const fast = new CsvFastRows(targets, d);
          const block = new Float64Array(cells.length * 5).fill(-7);
          const next = fast.row(bytes, 0, block, 5, r);
          expect(next).toBe(want.next);
          // The WebAssembly parser reads the same: the same end, the same ranges and the same doubles (bit for bit,
          // so -0 and +0 differ), and writes the same block values before a refusal.
          const wasm = new CsvWasmRows(cells.length, cells.length, 5, d);
          wasm.reserve(bytes.length);
          wasm.input.set(bytes);
          wasm.targets.set(targets);
          wasm.block.fill(-7);
          expect(wasm.row(0, bytes.length, r)).toBe(next);
          wasm.block.forEach((v, at) => expect(Object.is(v, block[at])).toBe(true));
          if (next !== -1)
            expect(wasm.ranges.subarray(0, wasm.rangeCount)).toEqual(fast.ranges.subarray(0, fast.rangeCount));
          if (next === -1) return;
          const handed = new Map<number, [number, number]>();
          for (let j = 0; j < fast.rangeCount; j += 3)
            handed.set(fast.ranges[j]!, [fast.ranges[j + 1]!, fast.ranges[j + 2]!]);
          want.fields.forEach((f, k) => {
            const range = handed.get(k);
            if (range === undefined) {
              // Read in the call: only a numeric field, and the double nextNumber reads.
              expect(targets[k]).toBeGreaterThanOrEqual(0);
              expect(f.number).toBeDefined();
              expect(Object.is(block[k * 5 + r], f.number)).toBe(true);
            } else {
              // Handed back: the range next() reads, and if nextNumber took it, the general parser reads the same.
              expect(range).toEqual([f.start, f.end]);
              if (f.number !== undefined)
                expect(Object.is(parseNumberBytes(bytes, range[0], range[1]), f.number)).toBe(true);
            }
          });
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reads a row of a wide numeric file in one call, with the missing and odd fields handed back', () => {
    const bytes = Buffer.from('1.25,-0.0,,007,NA,3e2,12345678901234567890\n');
    const targets = Int32Array.from([0, 1, 2, 3, 4, 5, 6]);
    const fast = new CsvFastRows(targets, 0x2c);
    const block = new Float64Array(7);
    expect(fast.row(bytes, 0, block, 1, 0)).toBe(bytes.length);
    expect(block[0]).toBe(1.25);
    expect(Object.is(block[1], -0)).toBe(true);
    expect(block[3]).toBe(7);
    const handed = [...fast.ranges.subarray(0, fast.rangeCount)];
    // The empty field, NA, the exponent and the 20-digit mantissa are left to the general parser.
    expect(handed).toEqual([2, 10, 10, 4, 15, 17, 5, 18, 21, 6, 22, 42]);
  });
});
