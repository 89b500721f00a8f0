import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { CsvFastRows } from '../../src/files/csv-fast-rows';
import { CsvWasmRows } from '../../src/files/csv-wasm-rows';
import { field } from './csv-row-fields';

// CsvWasmRows.rows reads several rows a call: it must read what CsvFastRows.row reads row after row (its one-row
// equivalence is in csv-fast-rows.test.ts), stopping before the first row that refuses, a blank line or the end.
describe('CsvWasmRows', () => {
  it('reads a run of rows as CsvFastRows reads them one by one, and stops where it refuses', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 6 })
          .chain((fields) =>
            fc.tuple(
              fc.array(fc.boolean(), { minLength: fields, maxLength: fields }),
              fc.array(
                fc.tuple(
                  fc.oneof(
                    fc.array(field, { minLength: fields, maxLength: fields }),
                    fc.array(field, { minLength: 1, maxLength: fields + 1 }),
                  ),
                  fc.constantFrom('\n', '\n', '\r\n', '\r', '\n\n', '', 'x\n'),
                ),
                { minLength: 1, maxLength: 8 },
              ),
            ),
          ),
        fc.constantFrom(',', ';', '\t'),
        fc.nat(3),
        fc.integer({ min: 1, max: 10 }),
        ([numeric, lines], delimiter, r0, maxRows) => {
          const d = delimiter.charCodeAt(0);
          const text = lines.map(([cells, ending]) => cells.join(delimiter) + ending).join('');
          const bytes = Buffer.from(text);
          const fields = numeric.length;
          const targets = Int32Array.from(numeric.map((n, k) => (n ? k : -1)));
          const stride = 16;
          const fast = new CsvFastRows(targets, d);
          const block = new Float64Array(fields * stride).fill(-7);
          const wasm = new CsvWasmRows(fields, fields, stride, d);
          wasm.reserve(bytes.length);
          wasm.input.set(bytes);
          wasm.targets.set(targets);
          wasm.block.fill(-7);
          const read = wasm.rows(0, bytes.length, r0, maxRows);
          // One by one, as the call documents.
          let pos = 0;
          let rows = 0;
          const ranges: number[] = [];
          for (; rows < maxRows; rows++) {
            if (rows > 0 && (pos >= bytes.length || bytes[pos] === 0x0a || bytes[pos] === 0x0d)) break;
            const next = fast.row(bytes, pos, block, stride, r0 + rows);
            if (next === -1) break;
            ranges.push(...fast.ranges.subarray(0, fast.rangeCount));
            expect(wasm.rowEnd(rows)).toBe(next);
            expect(wasm.info[2 * rows + 1]).toBe(ranges.length);
            pos = next;
          }
          expect(read).toBe(rows);
          expect([...wasm.ranges.subarray(0, ranges.length)]).toEqual(ranges);
          wasm.block.forEach((v, at) => expect(Object.is(v, block[at])).toBe(true));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads raw bytes as CsvFastRows does, whatever lies after the end', () => {
    // Raw bytes, not text: digits, the point, signs, delimiters, line ends, 0 and bytes no UTF-8 text has (0xfa-0xff,
    // which the property above never makes); runs of digits long and short; and digits after the end, which must
    // not be read as the number's (the parser sets the byte at the end to 0 while it reads).
    const byte = fc.oneof(
      fc.constantFrom(...'0123456789'.split('').map((c) => c.charCodeAt(0))),
      fc.constantFrom(0x2e, 0x2d, 0x2b, 0x2c, 0x0a, 0x0d, 0x20, 0x65, 0x2f, 0x3a, 0xfa, 0xff, 0x00),
    );
    const digitRun = fc.stringMatching(/^[0-9]{1,12}$/).map((s) => [...Buffer.from(s)]);
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            byte.map((b) => [b]),
            digitRun,
          ),
          { minLength: 1, maxLength: 30 },
        ),
        fc.array(fc.constantFrom(0x30, 0x35, 0x39, 0x2e, 0x2c), { minLength: 16, maxLength: 16 }),
        fc.integer({ min: 1, max: 3 }),
        (pieces, after, fields) => {
          const bytes = Buffer.from(pieces.flat());
          const targets = Int32Array.from({ length: fields }, (_, k) => k);
          const stride = 4;
          const fast = new CsvFastRows(targets, 0x2c);
          const block = new Float64Array(fields * stride).fill(-7);
          const wasm = new CsvWasmRows(fields, fields, stride, 0x2c);
          wasm.reserve(bytes.length + after.length);
          wasm.input.set(bytes);
          wasm.input.set(after, bytes.length);
          wasm.targets.set(targets);
          wasm.block.fill(-7);
          const read = wasm.rows(0, bytes.length, 0, 1);
          const next = fast.row(bytes, 0, block, stride, 0);
          expect(read).toBe(next === -1 ? 0 : 1);
          if (next !== -1) {
            expect(wasm.rowEnd(0)).toBe(next);
            expect([...wasm.ranges.subarray(0, wasm.info[1])]).toEqual([...fast.ranges.subarray(0, fast.rangeCount)]);
          }
          wasm.block.forEach((v, at) => expect(Object.is(v, block[at])).toBe(true));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('leaves the byte after the input as it was, and reads past a grown memory', () => {
    const wasm = new CsvWasmRows(2, 2, 4, 0x2c);
    const row = Buffer.from('1.5,-0\n');
    wasm.reserve(200_000);
    const at = 150_000;
    wasm.input.set(row, at);
    wasm.input[at + row.length] = 0x39;
    wasm.targets.set([0, 1]);
    expect(wasm.rows(at, at + row.length, 2, 4)).toBe(1);
    expect(wasm.rowEnd(0)).toBe(at + row.length);
    expect(wasm.input[at + row.length]).toBe(0x39);
    expect(wasm.block[2]).toBe(1.5);
    expect(Object.is(wasm.block[4 + 2], -0)).toBe(true);
  });

  test('the committed module is what wabt assembles wasm/csv-rows.wat to', () => {
    // Fails when the .wat was edited without running the build script (or the bytes were edited by hand).
    const script = join(__dirname, '..', '..', '..', '..', 'scripts', 'build-wasm.mjs');
    expect(() => execFileSync(process.execPath, [script, '--check', 'collector'], { stdio: 'pipe' })).not.toThrow();
  });
});
