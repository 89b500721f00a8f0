import { growMemory, instantiateKernel, type WasmMemory } from '@vigil/core';
import type { ColumnBuilder } from './column-builder';
import { readHandedBack } from './csv-fast-rows';
import { CSV_ROWS_WASM_BASE64 } from './csv-rows-wasm';

interface CsvRowsExports {
  readonly memory: WasmMemory;
  rows(
    targets: number,
    fields: number,
    delimiter: number,
    input: number,
    pos: number,
    end: number,
    block: number,
    stride: number,
    r0: number,
    maxRows: number,
    ranges: number,
    rangeCap: number,
    info: number,
  ): number;
}

/** Input the parser holds before a caller asks for more (one page of its memory). */
const INITIAL_INPUT_BYTES = 65_536;
/** Bytes past the input the parser uses: the byte at the end, which it sets to 0 during a call. */
const SLACK = 1;
/** The module keeps its powers of ten below this address. */
const FIRST_BYTE = 256;

/**
 * {@link CsvFastRows.row} in WebAssembly (wasm/csv-rows.wat, docs/decisions/0045), several rows a call: the bytes
 * are copied into {@link input} (a view of the module's memory) and {@link rows} reads up to a block's rows from
 * them, its plain decimals into {@link block} and the other fields' ranges into {@link ranges}, with the same
 * doubles, ranges and refusals as {@link CsvFastRows.row}. The views are taken again when {@link reserve} grows the
 * memory: read them from this object after it, never keep them.
 */
export class CsvWasmRows {
  /** Per field of a row: its block column, or -1 to have it handed back whatever it holds. */
  targets!: Int32Array;
  /** Column-major, `stride` rows a column: the value of block row r of column t at `t * stride + r`. */
  block!: Float64Array;
  /** Field index, start and end (in {@link input}) of each handed-back field of the rows of the last call. */
  ranges!: Int32Array;
  /** Per row j of the last {@link rows}: at 2j the position after its line end, at 2j+1 its ranges' end. */
  info!: Int32Array;
  /** The bytes parsed: at least {@link reserve}'s bytes (the parser borrows and reads some past the end). */
  input!: Uint8Array;
  /** The handed-back fields of the last {@link row}, as {@link CsvFastRows.rangeCount}. */
  rangeCount = 0;
  private readonly kernel: CsvRowsExports;
  private readonly values: Float64Array;
  private readonly at: { targets: number; block: number; ranges: number; info: number; input: number };
  private readonly rangeCap: number;

  /**
   * @param fields fields a row
   * @param columns block columns (targets are below this)
   * @param stride rows a block column holds
   * @param callRows rows a call reads at most (the ranges and row ends are sized for them); at most `stride`
   */
  constructor(
    readonly fields: number,
    columns: number,
    readonly stride: number,
    private readonly delimiter: number,
    readonly callRows = stride,
  ) {
    if (delimiter === 0) throw new Error('CsvWasmRows: the delimiter cannot be 0');
    this.kernel = instantiateKernel<CsvRowsExports>(CSV_ROWS_WASM_BASE64, 0);
    this.rangeCap = 3 * Math.max(16, fields) * callRows;
    const targets = FIRST_BYTE;
    const block = align(targets + 4 * fields);
    const ranges = block + 8 * columns * stride;
    const info = align(ranges + 4 * this.rangeCap);
    const input = info + 8 * callRows;
    this.at = { targets, block, ranges, info, input };
    this.values = new Float64Array(fields);
    this.reserve(INITIAL_INPUT_BYTES);
    this.targets.fill(-1);
  }

  /** Makes {@link input} hold at least `bytes` bytes (taking the views again when the memory grows). */
  reserve(bytes: number): void {
    const memory = this.kernel.memory;
    growMemory(memory, this.at.input + bytes + SLACK);
    if (this.input?.byteLength === memory.buffer.byteLength - this.at.input - SLACK) return;
    const buffer = memory.buffer;
    const { at, fields } = this;
    this.targets = new Int32Array(buffer, at.targets, fields);
    this.block = new Float64Array(buffer, at.block, (at.ranges - at.block) / 8);
    this.ranges = new Int32Array(buffer, at.ranges, this.rangeCap);
    this.info = new Int32Array(buffer, at.info, 2 * this.callRows);
    this.input = new Uint8Array(buffer, at.input, buffer.byteLength - at.input - SLACK);
  }

  /**
   * Reads rows of {@link input} from `pos` (not a blank line) to `end`, at most `maxRows`, into block rows r0, r0+1,
   * ... (r0 + maxRows <= stride, maxRows <= callRows); stops before a row {@link CsvFastRows.row} refuses, a blank line or `end`. Returns
   * how many it read; {@link info} says where each ends and which of {@link ranges} are its.
   */
  rows(pos: number, end: number, r0: number, maxRows: number): number {
    const { at, kernel } = this;
    return kernel.rows(
      at.targets,
      this.fields,
      this.delimiter,
      at.input,
      pos,
      end,
      at.block,
      this.stride,
      r0,
      maxRows,
      at.ranges,
      this.rangeCap,
      at.info,
    );
  }

  /** The position in {@link input} after row j of the last {@link rows}. */
  rowEnd(j: number): number {
    return this.info[2 * j]!;
  }

  /** {@link CsvFastRows.row} on `input[pos, end)`: the position after the row, or -1 (block row r). */
  row(pos: number, end: number, r: number): number {
    if (this.rows(pos, end, r, 1) === 0) return -1;
    this.rangeCount = this.info[1]!;
    return this.rowEnd(0);
  }

  /**
   * {@link CsvFastRows.readRanges} for row j of the last {@link rows} (block row r): its handed-back fields read
   * from {@link input} into the block or their builders; false, having changed nothing, when the row needs the
   * field-by-field reader.
   */
  readRanges(j: number, builders: readonly (ColumnBuilder | null)[], r: number): boolean {
    const { info } = this;
    const from = j === 0 ? 0 : info[2 * j - 1]!;
    return readHandedBack(
      this.ranges,
      from,
      info[2 * j + 1]!,
      this.targets,
      this.values,
      this.input,
      builders,
      this.block,
      this.stride,
      r,
    );
  }
}

function align(byte: number): number {
  return Math.ceil(byte / 8) * 8;
}
