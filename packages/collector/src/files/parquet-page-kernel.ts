import { growMemory, instantiateKernel, type WasmMemory } from '@vigil/core';
import { PARQUET_PAGE_WASM_BASE64 } from './parquet-page-wasm';

interface ParquetPageExports {
  readonly memory: WasmMemory;
  snappy(input: number, inputLength: number, output: number, outputLength: number): number;
  gather(
    pos: number,
    end: number,
    bitWidth: number,
    dictionary: number,
    dictionaryCap: number,
    out: number,
    count: number,
  ): number;
  spread(pos: number, end: number, pageEnd: number, src: number, out: number, count: number): number;
}

/** Bytes kept after each area: the kernel reads and writes up to 16 past them (wasm/parquet-page.wat). */
const SLACK = 32;
/** A chunk whose areas would pass this takes the JavaScript path (hysnappy and `gatherRleHybrid`). */
const MAX_BYTES = 2 ** 30;

const align16 = (at: number): number => Math.ceil(at / 16) * 16;

/**
 * A Snappy-compressed dictionary-coded column chunk's pages decoded in WebAssembly (wasm/parquet-page.wat,
 * docs/decisions/0053), one instance per thread ({@link parquetPageKernel}). {@link layout} places, for one chunk,
 * the dictionary (2^k entries, k the least with 2^k ≥ its size, so that any index of a page's bit width ≤ k reads
 * inside it), the compressed page, the decompressed page and the page's doubles; the memory grows there and only
 * there, so the views {@link dictionary} and {@link decompress} return hold until the next layout (the next chunk:
 * a chunk's pages are decoded with no await between them). Every method returns undefined when the kernel does not
 * take its input (a page larger than its area, a stream or runs the kernel refuses): the caller then does what it
 * did before, with the same result or the same error.
 */
export class ParquetPageKernel {
  private readonly kernel: ParquetPageExports;
  private bytes: Uint8Array;
  private values = new Float64Array(0);
  private dictionaryCap = 0;
  private inputAt = 0;
  private inputCap = 0;
  private pageAt = 0;
  private pageCap = 0;
  private valuesAt = 0;
  private presentAt = 0;

  constructor() {
    this.kernel = instantiateKernel<ParquetPageExports>(PARQUET_PAGE_WASM_BASE64, 0);
    this.bytes = new Uint8Array(this.kernel.memory.buffer);
  }

  /**
   * Lays out the memory for a chunk whose dictionary has `dictionarySize` values, whose pages are at most
   * `compressed` bytes compressed and `uncompressed` bytes decompressed (the chunk's totals bound them) and at most
   * `rows` values; false (and the previous layout kept) when that would pass {@link MAX_BYTES}.
   */
  layout(dictionarySize: number, compressed: number, uncompressed: number, rows: number): boolean {
    const cap = 2 ** Math.ceil(Math.log2(Math.max(1, dictionarySize)));
    const inputAt = align16(8 * cap + SLACK);
    const pageAt = align16(inputAt + compressed + SLACK);
    const valuesAt = align16(pageAt + uncompressed + SLACK);
    const presentAt = align16(valuesAt + 8 * rows + SLACK);
    const total = presentAt + 8 * rows + SLACK;
    if (!(total <= MAX_BYTES)) return false;
    growMemory(this.kernel.memory, total);
    this.bytes = new Uint8Array(this.kernel.memory.buffer);
    this.values = new Float64Array(this.kernel.memory.buffer, valuesAt, rows);
    this.dictionaryCap = cap;
    this.inputAt = inputAt;
    this.inputCap = compressed;
    this.pageAt = pageAt;
    this.pageCap = uncompressed;
    this.valuesAt = valuesAt;
    this.presentAt = presentAt;
    return true;
  }

  /** The first `size` entries of the dictionary's area (at most the layout's size). */
  dictionary(size: number): Float64Array {
    return new Float64Array(this.kernel.memory.buffer, 0, size);
  }

  /**
   * The dictionary page of `size` DOUBLEs (`body`, 8·size bytes once decompressed) decompressed straight into the
   * dictionary's area: its first `size` entries, or undefined when it does not fit the layout or the kernel refuses
   * the stream (the area then holds whatever it wrote: the caller reads the page into it the other way).
   */
  decompressDictionary(body: Uint8Array, size: number): Float64Array | undefined {
    if (body.length > this.inputCap || size > this.dictionaryCap) return undefined;
    this.bytes.set(body, this.inputAt);
    if (this.kernel.snappy(this.inputAt, body.length, 0, 8 * size) !== 0) return undefined;
    return this.dictionary(size);
  }

  /**
   * The page of `size` bytes that the raw Snappy block `body` decompresses to, in the kernel's memory (a view valid
   * until the next call); undefined when it does not fit the layout or the kernel refuses the stream.
   */
  decompress(body: Uint8Array, size: number): Uint8Array | undefined {
    if (body.length > this.inputCap || size > this.pageCap) return undefined;
    this.bytes.set(body, this.inputAt);
    if (this.kernel.snappy(this.inputAt, body.length, this.pageAt, size) !== 0) return undefined;
    return this.bytes.subarray(this.pageAt, this.pageAt + size);
  }

  /**
   * `gatherRleHybrid(page, pos, page.length, bitWidth, dictionary, out, row, count)` for a page that
   * {@link decompress} returned last, with the dictionary in the kernel's area: the doubles are gathered in the
   * kernel's memory and copied to `out[row, row + count)` in one `set`. Returns the largest index, or undefined,
   * with nothing written, for a page it does not take (another page, a bit width past the dictionary's area, more
   * values than the layout's rows, runs the kernel refuses).
   */
  gather(
    page: Uint8Array,
    pos: number,
    bitWidth: number,
    out: Float64Array,
    row: number,
    count: number,
  ): number | undefined {
    if (!this.takes(page, bitWidth, count)) return undefined;
    const end = this.pageAt + page.length;
    const largest = this.kernel.gather(this.pageAt + pos, end, bitWidth, 0, this.dictionaryCap, this.valuesAt, count);
    if (largest < 0) return undefined;
    out.set(this.values.subarray(0, count), row);
    return largest;
  }

  /**
   * What decodeTypedPage's loop over a page with nulls writes: the `present` indices at `page[pos]` gathered, then
   * spread over `count` rows by the definition levels at `page[4, levelsEnd)` (NaN on a null row), copied to
   * `out[row, row + count)`. Returns true; false, with nothing written, for a page {@link gather} would not take,
   * levels or runs the kernel refuses, or an index not below `size` (the JavaScript then throws its error).
   */
  gatherDefined(
    page: Uint8Array,
    levelsEnd: number,
    pos: number,
    bitWidth: number,
    size: number,
    out: Float64Array,
    row: number,
    count: number,
    present: number,
  ): boolean {
    if (!this.takes(page, bitWidth, count) || present > count) return false;
    const end = this.pageAt + page.length;
    const at = this.pageAt;
    const largest = this.kernel.gather(at + pos, end, bitWidth, 0, this.dictionaryCap, this.presentAt, present);
    if (largest < 0 || largest >= size) return false;
    if (
      levelsEnd > page.length ||
      this.kernel.spread(at + 4, at + levelsEnd, end, this.presentAt, this.valuesAt, count) < 0
    )
      return false;
    out.set(this.values.subarray(0, count), row);
    return true;
  }

  private takes(page: Uint8Array, bitWidth: number, count: number): boolean {
    return (
      page.buffer === this.bytes.buffer &&
      page.byteOffset === this.pageAt &&
      page.length <= this.pageCap &&
      bitWidth >= 1 &&
      bitWidth <= 24 &&
      2 ** bitWidth <= this.dictionaryCap &&
      count <= this.values.length
    );
  }
}

let kernel: ParquetPageKernel | undefined;

/** This thread's kernel, made on first use. */
export function parquetPageKernel(): ParquetPageKernel {
  kernel ??= new ParquetPageKernel();
  return kernel;
}
