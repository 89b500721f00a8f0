/**
 * The WebAssembly page kernel (wasm/parquet-page.wat, decision 0053) against the code it replaces: its Snappy
 * decompression against what a stream stands for and against hysnappy, on streams of every kind of element written
 * by a tiny encoder; its dictionary gather against `gatherRleHybrid` on random RLE and bit-packed runs; and a
 * corrupt page in a Parquet file, which gives the error it gave before, in memory and from a column left in the file.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { snappyUncompress } from 'hysnappy';
import { readTable } from '@vigil/collector';
import type { SpilledColumn } from '@vigil/core';
import { loadParquetColumnSource, readParquetColumn } from '../../src/files/parquet-column-source';
import { pageModules } from '../../src/files/parquet-numeric-leaf';
import { ParquetPageKernel } from '../../src/files/parquet-page-kernel';
import { decodeTypedPage, gatherRleHybrid } from '../../src/files/parquet-typed-page';
import { encodeHybrid } from '../helpers/rle-hybrid';
import { snappyDecodeElements, snappyElements, snappyEncode } from '../helpers/snappy-encode';

const kernel = new ParquetPageKernel();

/** The kernel's page for `stream`, as a copy (undefined when it refuses the stream). */
function decompress(stream: Uint8Array, size: number): Uint8Array | undefined {
  expect(kernel.layout(1, stream.length, size, 0)).toBe(true);
  return kernel.decompress(stream, size)?.slice();
}

/** Whether two byte arrays hold the same bytes (jest's toEqual walks a long typed array one element at a time). */
function same(a: Uint8Array | Error | undefined, b: Uint8Array): boolean {
  return a instanceof Uint8Array && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/** hysnappy's output, or its error. */
function hysnappy(stream: Uint8Array, size: number): Uint8Array | Error {
  try {
    return snappyUncompress(stream, size);
  } catch (error) {
    return error as Error;
  }
}

describe('Snappy in WebAssembly', () => {
  it('gives the bytes a stream of literals and copies of every kind stands for, as hysnappy does', () => {
    fc.assert(
      fc.property(snappyElements, (elements) => {
        const expected = snappyDecodeElements(elements);
        const stream = snappyEncode(elements);
        expect(same(decompress(stream, expected.length), expected)).toBe(true);
        expect(same(hysnappy(stream, expected.length), expected)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a truncated or altered stream, or a length that is not the page size, where hysnappy fails', () => {
    let refused = 0;
    fc.assert(
      fc.property(
        snappyElements.filter((elements) => elements.length > 0),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('truncate', 'byte', 'length', 'size'),
        (elements, at, byte, how) => {
          const expected = snappyDecodeElements(elements);
          let stream = snappyEncode(elements);
          let size = expected.length;
          if (how === 'truncate') stream = stream.subarray(0, at % stream.length);
          else if (how === 'byte') stream[at % stream.length] = byte;
          else if (how === 'length') stream = snappyEncode(elements, size + 1 + (at % 3));
          else size += 1 + (at % 3);
          const page = decompress(stream, size);
          if (page === undefined) {
            refused++;
            return;
          }
          // What the kernel accepts, hysnappy decodes to the same bytes.
          expect(same(hysnappy(stream, size), page)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
    expect(refused).toBeGreaterThan(100);
  });

  it('refuses offsets before the start, zero offsets, literals past the input and a page larger than its area', () => {
    const literal = { literal: Uint8Array.from([1, 2, 3]), lengthBytes: 0 } as const;
    expect(decompress(snappyEncode([literal]), 3)).toEqual(Uint8Array.from([1, 2, 3]));
    expect(decompress(snappyEncode([literal, { copy: 2, offset: 4, length: 2 }]), 5)).toBeUndefined();
    expect(decompress(snappyEncode([literal, { copy: 3, offset: 0, length: 2 }]), 5)).toBeUndefined();
    expect(decompress(snappyEncode([literal, { copy: 1, offset: 3, length: 4 }]), 7)).toEqual(
      Uint8Array.from([1, 2, 3, 1, 2, 3, 1]),
    );
    expect(decompress(Uint8Array.from([5, 4 << 2, 1, 2]), 5)).toBeUndefined();
    expect(decompress(Uint8Array.from([]), 0)).toBeUndefined();
    expect(decompress(Uint8Array.from([0]), 0)).toEqual(new Uint8Array(0));
    // A length preamble past 32 bits.
    expect(decompress(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x7f]), 0)).toBeUndefined();
    expect(kernel.layout(1, 8, 4, 0)).toBe(true);
    expect(kernel.decompress(snappyEncode([literal]), 3)).toBeDefined();
    expect(kernel.decompress(Uint8Array.from([5, 4 << 2, 1, 2, 3, 4, 5]), 5)).toBeUndefined();
    expect(kernel.decompress(Uint8Array.from([3, 2 << 2, 1, 2, 3, 0, 0, 0, 0]), 3)).toBeUndefined();
  });
});

describe('a dictionary of doubles decompressed into the dictionary area', () => {
  it('holds the doubles the stream stands for, and is refused when the stream is', () => {
    const values = Float64Array.from([1.5, -0, Number.NaN, 1e300, -2.25]);
    const bytes = new Uint8Array(values.buffer);
    const stream = snappyEncode([
      { literal: bytes.subarray(0, 16), lengthBytes: 0 },
      { copy: 2, offset: 16, length: 8 },
    ]);
    const expected = Float64Array.from([1.5, -0, 1.5]);
    expect(kernel.layout(3, stream.length, 24, 3)).toBe(true);
    expect(kernel.decompressDictionary(stream, 3)).toEqual(expected);
    expect(Object.is(kernel.dictionary(3)[1], -0)).toBe(true);
    expect(kernel.decompressDictionary(stream.subarray(0, stream.length - 1), 3)).toBeUndefined();
    expect(kernel.decompressDictionary(stream, 2)).toBeUndefined();
  });
});

/** Indices of `width` bits with runs (RLE when 8 or more) and single values mixed, the extremes drawn often. */
const widthAndRuns = fc.integer({ min: 1, max: 24 }).chain((width) =>
  fc.tuple(
    fc.constant(width),
    fc
      .array(
        fc.tuple(
          fc.oneof(fc.integer({ min: 0, max: 2 ** width - 1 }), fc.constant(0), fc.constant(2 ** width - 1)),
          fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 40 })),
        ),
        { minLength: 1, maxLength: 60 },
      )
      .map((runs) => runs.flatMap(([value, n]) => Array<number>(n).fill(value))),
    // The dictionary's size: within (2^(width−1), 2^width] (the kernel's area is then 2^width entries), so that the
    // largest index is past it now and then.
    fc.double({ min: 0, max: 1, noNaN: true }),
  ),
);

/** `page` (some bytes, then the runs at `pos`) put in the kernel's memory for `dictionary`; its view there. */
function kernelPage(page: Uint8Array, dictionarySize: number, rows: number): Uint8Array {
  const stream = snappyEncode(page.length === 0 ? [] : [{ literal: page, lengthBytes: 4 }]);
  expect(kernel.layout(dictionarySize, stream.length, page.length, rows)).toBe(true);
  const view = kernel.decompress(stream, page.length);
  expect(view).toBeDefined();
  return view!;
}

describe('the dictionary gather in WebAssembly', () => {
  it('writes what gatherRleHybrid writes and returns the same largest index, at every bit width up to 24', () => {
    fc.assert(
      fc.property(
        widthAndRuns,
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        ([width, values, share], pos, row, trailing) => {
          const half = 2 ** (width - 1);
          const size = Math.min(2 ** width, Math.floor(half) + 1 + Math.floor(share * half));
          const encoded = encodeHybrid(values, width);
          const bytes = new Uint8Array(pos + encoded.length + (trailing ? 7 : 0)).fill(0xff);
          bytes.set(encoded, pos);
          const page = kernelPage(bytes, size, values.length);
          const dictionary = kernel.dictionary(size);
          for (let i = 0; i < size; i++) dictionary[i] = i * 0.5 - 3 + row;
          const expected = new Float64Array(row + values.length + 2).fill(9);
          const largest = gatherRleHybrid(bytes, pos, bytes.length, width, dictionary, expected, row, values.length);
          const out = new Float64Array(row + values.length + 2).fill(9);
          expect(kernel.gather(page, pos, width, out, row, values.length)).toBe(largest);
          // Past the dictionary both write what the caller then throws away (it throws).
          if (largest < size) expect(out).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses runs that end early or pass the data, where gatherRleHybrid throws, and reads the same otherwise', () => {
    let refused = 0;
    fc.assert(
      fc.property(widthAndRuns, fc.nat(), ([width, values], cut) => {
        const size = 2 ** width;
        const encoded = encodeHybrid(values, width);
        const bytes = encoded.slice(0, cut % (encoded.length + 1));
        const page = kernelPage(bytes, size, values.length);
        const dictionary = kernel.dictionary(size);
        for (let i = 0; i < Math.min(size, 4096); i++) dictionary[i] = i + 0.25;
        const expected = new Float64Array(values.length);
        let largest: number | Error;
        try {
          largest = gatherRleHybrid(bytes, 0, bytes.length, width, dictionary, expected, 0, values.length);
        } catch (error) {
          largest = error as Error;
        }
        const out = new Float64Array(values.length);
        const got = kernel.gather(page, 0, width, out, 0, values.length);
        if (largest instanceof Error) {
          expect(got).toBeUndefined();
          refused++;
        } else if (got !== undefined) {
          expect(got).toBe(largest);
          if (largest < 4096) expect(out).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
    expect(refused).toBeGreaterThan(50);
  });

  it('spreads a page with nulls over its rows as decodeTypedPage does, and leaves an index past the dictionary to it', () => {
    let taken = 0;
    fc.assert(
      fc.property(
        widthAndRuns,
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 30 })), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 3 }),
        ([width, indices, share], levelRuns, row) => {
          // Levels: runs of defined and null rows, as many defined rows as there are indices (nulls added after).
          const levels: number[] = [];
          for (const [isDefined, n] of levelRuns)
            levels.push(...Array<number>(isDefined ? n : Math.ceil(n / 3)).fill(isDefined ? 1 : 0));
          const present = levels.filter((level) => level === 1).length;
          if (present === 0 || present === levels.length) levels.push(0, 1);
          const defined = levels.filter((level) => level === 1).length;
          const values = Array.from({ length: defined }, (_, k) => indices[k % indices.length]!);
          const encodedLevels = encodeHybrid(levels, 1);
          const encodedValues = encodeHybrid(values, width);
          const bytes = new Uint8Array(4 + encodedLevels.length + 1 + encodedValues.length);
          new DataView(bytes.buffer).setInt32(0, encodedLevels.length, true);
          bytes.set(encodedLevels, 4);
          bytes[4 + encodedLevels.length] = width;
          bytes.set(encodedValues, 5 + encodedLevels.length);
          const half = 2 ** (width - 1);
          const size = Math.min(2 ** width, Math.floor(half) + 1 + Math.floor(share * half));
          const page = kernelPage(bytes, size, levels.length);
          const dictionary = kernel.dictionary(size);
          for (let i = 0; i < size; i++) dictionary[i] = i * 0.25 - 1;
          const run = (into: Float64Array, withKernel: boolean): unknown => {
            try {
              return decodeTypedPage(
                withKernel ? page : bytes,
                'RLE_DICTIONARY',
                'DOUBLE',
                1,
                levels.length,
                dictionary,
                into,
                row,
                withKernel ? kernel : undefined,
              );
            } catch (error) {
              return (error as Error).message;
            }
          };
          const expected = new Float64Array(row + levels.length + 1).fill(7);
          const out = new Float64Array(row + levels.length + 1).fill(7);
          expect(run(out, true)).toEqual(run(expected, false));
          expect(out).toEqual(expected);
          const direct = new Float64Array(row + levels.length);
          const took = kernel.gatherDefined(
            page,
            4 + encodedLevels.length,
            5 + encodedLevels.length,
            width,
            size,
            direct,
            row,
            levels.length,
            defined,
          );
          expect(took).toBe(Math.max(...values) < size);
          if (took) {
            taken++;
            expect(direct.subarray(row)).toEqual(expected.subarray(row, row + levels.length));
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(taken).toBeGreaterThan(50);
  });

  it('declines a page it did not decompress, a bit width past its dictionary area and more values than its rows', () => {
    const page = kernelPage(encodeHybrid([1, 2, 3], 2), 4, 3);
    const dictionary = kernel.dictionary(4);
    dictionary.set([10, 20, 30, 40]);
    const out = new Float64Array(3);
    expect(kernel.gather(page, 0, 2, out, 0, 3)).toBe(3);
    expect([...out]).toEqual([20, 30, 40]);
    expect(kernel.gather(page.slice(), 0, 2, out, 0, 3)).toBeUndefined();
    expect(kernel.gather(page, 0, 3, out, 0, 3)).toBeUndefined();
    expect(kernel.gather(page, 0, 2, new Float64Array(4), 0, 4)).toBeUndefined();
  });

  test('the committed module is what wabt assembles wasm/parquet-page.wat to', () => {
    const script = join(__dirname, '..', '..', '..', '..', 'scripts', 'build-wasm.mjs');
    expect(() => execFileSync(process.execPath, [script, '--check', 'collector'], { stdio: 'pipe' })).not.toThrow();
  });
});

describe('a corrupt Snappy page', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-pqwasm-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is hysnappy's error, from the in-memory reader and from a column left in the file", async () => {
    const path = join(dir, 'corrupt.parquet');
    copyFileSync(join(__dirname, '..', 'fixtures', 'pages-v1.parquet'), path);
    const { parquetMetadata } = await import('hyparquet');
    const m = (await pageModules()) as unknown as {
      parquetHeader(reader: { view: DataView; offset: number }): {
        compressed_page_size: number;
        uncompressed_page_size: number;
        type: string;
      };
    };
    const bytes = readFileSync(path);
    const footer = bytes.readUInt32LE(bytes.length - 8);
    const metadata = parquetMetadata(bytes.subarray(bytes.length - 8 - footer).buffer.slice(0) as ArrayBuffer);
    const chunk = metadata.row_groups[0]!.columns.find(
      (c) => c.meta_data?.path_in_schema.join('.') === 'dict_required',
    )!.meta_data!;
    expect(chunk.codec).toBe('SNAPPY');
    // The chunk's first data page (after its dictionary page): its first element becomes a copy from 65,535 bytes
    // before the start.
    const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
    reader.offset = Number(chunk.dictionary_page_offset ?? chunk.data_page_offset);
    let header = m.parquetHeader(reader);
    expect(header.type).toBe('DICTIONARY_PAGE');
    reader.offset += header.compressed_page_size;
    header = m.parquetHeader(reader);
    expect(header.type).toBe('DATA_PAGE');
    const body = Buffer.from(bytes.subarray(reader.offset, reader.offset + header.compressed_page_size));
    let at = 0;
    while (body[at]! & 0x80) at++;
    body.set([0xfe, 0xff, 0xff], at + 1);
    const fd = openSync(path, 'r+');
    writeSync(fd, body, 0, body.length, reader.offset);
    closeSync(fd);
    const cause = hysnappy(body, header.uncompressed_page_size);
    expect(cause).toBeInstanceOf(Error);

    let inMemory: unknown;
    try {
      await readTable(path, { name: 'given.parquet' });
    } catch (error) {
      inMemory = error;
    }
    expect(inMemory).toMatchObject({ code: 'VIGIL_FILE_FORMAT' });
    expect((inMemory as Error).message).toBe(
      `given.parquet: cannot decode Parquet column "dict_required" (${(cause as Error).message})`,
    );

    const result = await readTable(path, {
      name: 'given.parquet',
      spill: { path: join(dir, 'corrupt.spill'), keep: [], leaveParquet: true },
    });
    await loadParquetColumnSource();
    let decoded: unknown;
    try {
      readParquetColumn(result.spilled!['dict_required'] as SpilledColumn);
    } catch (error) {
      decoded = error;
    }
    expect((decoded as Error).message).toBe((inMemory as Error).message);
  });
});
