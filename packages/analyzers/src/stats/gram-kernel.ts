/**
 * XᵀX of wide designs a block of rows at a time (docs/decisions/0027): the block is written column by column into a
 * panel in WebAssembly memory and the kernel of wasm/gram.wat adds every pair of its columns, summed over the block's
 * rows, to the packed upper triangle, two sums at once (f64x2). Each entry is summed over the block's rows in order,
 * starting from 0, with a multiply and an add a row, so the triangle is the same to the bit as the plain loop
 * `s = 0; for (r …) s += x[r][i] * x[r][j]; sumXX[t] += s` gives block by block.
 */
import { instantiateKernel, type WasmMemory } from '@vigil/core';
import { GRAM_WASM_BASE64 } from './gram-wasm';

interface GramExports {
  readonly memory: WasmMemory;
  gramRow(qi: number, quads: number, p: number, b: number, panel: number, stride: number, tri: number): void;
}

/**
 * One design of p columns: a block of at most `blockRows` rows is written with {@link set} (or into {@link panel} at
 * {@link at}) after {@link clear}, then {@link addBlock} adds its products to the triangle, which {@link load} and
 * {@link store} move from and to an accumulator's `sumXX` (upper triangle, row by row).
 */
export class GramBlocks {
  /** The block: column i's value of row r at `at(i, r)`; columns past p stay 0. */
  readonly panel: Float64Array;
  private readonly triangle: Float64Array;
  private readonly kernel: GramExports;
  private readonly quads: number;
  private readonly stride: number;

  constructor(
    readonly p: number,
    readonly blockRows: number,
  ) {
    this.quads = Math.ceil(p / 4);
    this.stride = blockRows * 32;
    const panelBytes = this.quads * this.stride;
    const triangleBytes = ((p * (p + 1)) / 2) * 8;
    this.kernel = instantiateKernel<GramExports>(GRAM_WASM_BASE64, panelBytes + triangleBytes);
    const buffer = this.kernel.memory.buffer;
    this.panel = new Float64Array(buffer, 0, panelBytes / 8);
    this.triangle = new Float64Array(buffer, panelBytes, triangleBytes / 8);
  }

  /** Index in {@link panel} of column i, row r of the block. */
  at(i: number, r: number): number {
    return (i >> 2) * this.blockRows * 4 + r * 4 + (i & 3);
  }

  clear(): void {
    this.panel.fill(0);
  }

  load(sumXX: readonly number[]): void {
    const t = this.triangle;
    for (let k = 0; k < t.length; k++) t[k] = sumXX[k] as number;
  }

  store(sumXX: number[]): void {
    const t = this.triangle;
    for (let k = 0; k < t.length; k++) sumXX[k] = t[k] as number;
  }

  /** Adds the products of the block's first `rows` rows to the triangle. */
  addBlock(rows: number): void {
    if (rows <= 0) return;
    const { kernel, quads, p, stride } = this;
    const tri = this.panel.byteLength;
    for (let q = 0; q < quads; q++) kernel.gramRow(q, quads, p, rows, 0, stride, tri);
  }
}

let lastGram: GramBlocks | undefined;

/**
 * A {@link GramBlocks} of p columns and blocks of `blockRows`: the last one made on this thread when it fits (its
 * block and triangle are overwritten by the next use, so callers must not interleave two), else a new one. A window's
 * buckets add a few rows at a time: each call would otherwise instantiate the module and zero megabytes of memory.
 */
export function gramBlocks(p: number, blockRows: number): GramBlocks {
  if (lastGram?.p !== p || lastGram.blockRows !== blockRows) lastGram = new GramBlocks(p, blockRows);
  return lastGram;
}
