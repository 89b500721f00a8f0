/**
 * The WebAssembly kernel of `sortDecimalPair` (wasm/pair.wat, docs/decisions/0047): the counting of both sides'
 * keys into their windows and the walk that writes both sorted sides and the merge walk's sums. Its memory holds,
 * from byte 0: the merge walk's state and a count's results (64 bytes), both sides' present bits, both sides' counts
 * (the same windows as the TypeScript's, kept all zero between calls in the same way), then the column being
 * counted and the two sorted sides, grown to the largest pair seen. One instance a thread (a worker has its own
 * module state), made on first use.
 */
import { instantiateKernel, growMemory, type WasmMemory } from '@vigil/core';
import { PAIR_WASM_BASE64 } from './pair-wasm';

interface PairExports {
  readonly memory: WasmMemory;
  count(
    vals: number,
    len: number,
    scale: number,
    base: number,
    counts: number,
    present: number,
    window: number,
    result: number,
  ): number;
  walk(
    wFrom: number,
    wTo: number,
    shift: number,
    words: number,
    countsU: number,
    presentU: number,
    countsV: number,
    presentV: number,
    baseU: number,
    scale: number,
    outU: number,
    outV: number,
    nu: number,
    nv: number,
    state: number,
  ): void;
}

/** What a count made: as `countKeys` returns it. */
export interface KernelCount {
  stop: number;
  n: number;
  min: number;
  max: number;
}

/** Values past each sorted side the walk may write (a key's first four copies whatever its count). */
const SLACK = 4;
const STATE = 0;
const RESULT = 32;
const HEADER = 64;
/** Above this the kernel is not used (the TypeScript walk is): its addresses stay well inside an i32. */
const MAX_BYTES = 2 ** 31;
const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

export class PairKernel {
  private readonly kernel: PairExports;
  private readonly presentBytes: number;
  private readonly countsBytes: number;
  /** Where the column being counted and the two sorted sides start (bytes), for columns of `capacity` values. */
  private input = 0;
  private outU = 0;
  private outV = 0;
  private capacity = 0;

  /** Windows of `window` counts (a multiple of 32). */
  constructor(private readonly window: number) {
    this.presentBytes = align(window / 8);
    this.countsBytes = align(4 * window);
    this.kernel = instantiateKernel<PairExports>(PAIR_WASM_BASE64, this.fixedBytes());
  }

  private fixedBytes(): number {
    return HEADER + 2 * this.presentBytes + 2 * this.countsBytes;
  }

  private present(side: 0 | 1): number {
    return HEADER + side * this.presentBytes;
  }

  private counts(side: 0 | 1): number {
    return HEADER + 2 * this.presentBytes + side * this.countsBytes;
  }

  /** Room for a pair of columns of `lengthU` and `lengthV` values; false when they are too long for the kernel. */
  reserve(lengthU: number, lengthV: number): boolean {
    const length = Math.max(lengthU, lengthV);
    if (length <= this.capacity) return true;
    const side = align(8 * (length + SLACK));
    const bytes = this.fixedBytes() + 3 * side;
    if (bytes > MAX_BYTES) return false;
    growMemory(this.kernel.memory, bytes);
    this.input = this.fixedBytes();
    this.outU = this.input + side;
    this.outV = this.outU + side;
    this.capacity = length;
    return true;
  }

  /** Counts side `side`'s keys of `values` (as `countKeys` does, into that side's window at `base`). */
  count(side: 0 | 1, values: Float64Array, scale: number, base: number): KernelCount {
    const buffer = this.kernel.memory.buffer;
    new Float64Array(buffer, this.input, values.length).set(values);
    const stop = this.kernel.count(
      this.input,
      values.length,
      scale,
      base,
      this.counts(side),
      this.present(side),
      this.window,
      RESULT,
    );
    const result = new Float64Array(buffer, RESULT, 3);
    return { stop, min: result[0] as number, max: result[1] as number, n: result[2] as number };
  }

  /** Side `side`'s window, as the TypeScript's: to clear what a declined pair counted. */
  windowOf(side: 0 | 1): { counts: Uint32Array; present: Int32Array } {
    const buffer = this.kernel.memory.buffer;
    return {
      counts: new Uint32Array(buffer, this.counts(side), this.window),
      present: new Int32Array(buffer, this.present(side), this.window / 32),
    };
  }

  /**
   * The walk over the words `from` … `to` of U's bits (word w + shift of V's), the merge walk starting from `walk`
   * (a MergeWalk) and left in it; the sorted sides then copied into `outU` and `outV` (their lengths are nu, nv).
   */
  walk(
    from: number,
    to: number,
    shift: number,
    baseU: number,
    scale: number,
    walk: Float64Array,
    outU: Float64Array,
    outV: Float64Array,
  ): void {
    const buffer = this.kernel.memory.buffer;
    const state = new Float64Array(buffer, STATE, 4);
    state.set(walk);
    this.kernel.walk(
      from,
      to,
      shift,
      this.window / 32,
      this.counts(0),
      this.present(0),
      this.counts(1),
      this.present(1),
      baseU,
      scale,
      this.outU,
      this.outV,
      outU.length,
      outV.length,
      STATE,
    );
    walk.set(state);
    outU.set(new Float64Array(buffer, this.outU, outU.length));
    outV.set(new Float64Array(buffer, this.outV, outV.length));
  }
}
