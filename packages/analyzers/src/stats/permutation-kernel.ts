/**
 * The surrogate's permutation importance of a numeric feature in WebAssembly (wasm/permutation.wat, docs/decisions
 * 0050): {@link PermutationKernel.load} copies a file's predictions and targets in once, then
 * {@link PermutationKernel.feature} runs all the repeats of one feature (its shuffles by mulberry32 and Fisher–Yates,
 * drawn from the state it is given, and their sums of squared errors), the same doubles as the TypeScript, and returns
 * the generator's state after them. One instance a thread, made on first use and grown to the longest file.
 */
import { growMemory, instantiateKernel, type WasmMemory } from '@vigil/core';
import { PERMUTATION_WASM_BASE64 } from './permutation-wasm';

interface PermutationExports {
  readonly memory: WasmMemory;
  feature(
    n: number,
    repeats: number,
    state: number,
    b: number,
    pred: number,
    y: number,
    x: number,
    v: number,
    out: number,
  ): number;
}

/** Above this the kernel is not used (the TypeScript is): its addresses stay well inside an i32. */
const MAX_BYTES = 2 ** 31;
/** Rows the kernel takes at most: its draw ⌊u·(r + 1)⌋ is an integer product, exact while r + 1 ≤ 2²¹. */
export const PERMUTATION_KERNEL_ROWS = 2 ** 21;
const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

export class PermutationKernel {
  private readonly kernel: PermutationExports;
  private n = 0;
  private repeats = 0;
  private yAt = 0;
  private xAt = 0;
  private vAt = 0;
  private outAt = 0;

  constructor() {
    this.kernel = instantiateKernel<PermutationExports>(PERMUTATION_WASM_BASE64, 0);
  }

  /** Copies in the rows' predictions and targets (n each); false when n rows are too many for the kernel. */
  load(predictions: Float64Array, y: Float64Array, repeats: number): boolean {
    const n = y.length;
    const side = align(8 * n);
    const bytes = 5 * side + align(8 * repeats);
    if (bytes > MAX_BYTES || n > PERMUTATION_KERNEL_ROWS) return false;
    growMemory(this.kernel.memory, bytes);
    this.n = n;
    this.repeats = repeats;
    this.yAt = side;
    this.xAt = 2 * side;
    this.vAt = 3 * side;
    this.outAt = 5 * side;
    const buffer = this.kernel.memory.buffer;
    new Float64Array(buffer, 0, n).set(predictions);
    new Float64Array(buffer, this.yAt, n).set(y);
    return true;
  }

  /**
   * All the repeats of the feature whose n values are `column` and coefficient `b`, drawing from mulberry32's state
   * `state`: returns the state after them; {@link sums} then holds each repeat's sum of squared errors.
   */
  feature(column: Float64Array, b: number, state: number): number {
    const { n, repeats } = this;
    new Float64Array(this.kernel.memory.buffer, this.xAt, n).set(column);
    const after = this.kernel.feature(n, repeats, state, b, 0, this.yAt, this.xAt, this.vAt, this.outAt);
    return after >>> 0;
  }

  /** The sums of squared errors of the last {@link feature}, one a repeat in order. */
  sums(): Float64Array {
    return new Float64Array(this.kernel.memory.buffer, this.outAt, this.repeats);
  }
}

let kernel: PermutationKernel | undefined;

/** This thread's kernel (its memory is overwritten by the next use: callers must not interleave two files). */
export function permutationKernel(): PermutationKernel {
  kernel ??= new PermutationKernel();
  return kernel;
}
