/**
 * The per-event reconstruction errors of a run of rows in WebAssembly (wasm/reconstruction.wat, docs/decisions/0048):
 * the caller writes the run's standardised rows into {@link ReconstructionKernel.rows}, row-major, and
 * {@link ReconstructionKernel.errors} projects them all in one call, f64x2 sums that add the same products in the
 * same order as `projectedResidual` (data-reconstruction.ts), so the same doubles.
 */
import { growMemory, instantiateKernel, type WasmMemory } from '@vigil/core';
import { RECONSTRUCTION_WASM_BASE64 } from './reconstruction-wasm';

interface ReconstructionExports {
  readonly memory: WasmMemory;
  errors(
    n: number,
    d: number,
    k: number,
    kp: number,
    axes: number,
    axesT: number,
    p: number,
    z: number,
    out: number,
  ): void;
}

/** Rows a call projects at most: bounds the kernel's memory (~300 KB for 36 inputs) whatever the run's length. */
export const KERNEL_ROWS = 1024;

/**
 * The axes transposed, as the kernel's projections read them: input i's k values at `i·kp … i·kp + k − 1`, padded with
 * zeros to kp, a multiple of 8 (the kernel sums eight projections at a time). Made once per model's typed axes.
 */
const transposed = new WeakMap<Float64Array, Float64Array>();

function transposedAxes(axes: Float64Array, d: number, k: number): Float64Array {
  let t = transposed.get(axes);
  if (t === undefined) {
    const kp = paddedComponents(k);
    t = new Float64Array(d * kp);
    for (let i = 0; i < d; i++) for (let j = 0; j < k; j++) t[i * kp + j] = axes[j * d + i] as number;
    transposed.set(axes, t);
  }
  return t;
}

function paddedComponents(k: number): number {
  return Math.ceil(k / 8) * 8;
}

/** One instance of the kernel: its memory holds the axes of the last model it ran, a run of rows and their errors. */
export class ReconstructionKernel {
  private readonly kernel: ReconstructionExports;
  private loaded: Float64Array | undefined;
  private d = 0;
  private k = 0;
  private kp = 0;
  private tAt = 0;
  private pAt = 0;
  private zAt = 0;
  private outAt = 0;
  /** Where {@link errors} reads the rows: row r's input i at `r·d + i`, for up to {@link KERNEL_ROWS} rows. */
  rows = new Float64Array(0);

  constructor() {
    this.kernel = instantiateKernel<ReconstructionExports>(RECONSTRUCTION_WASM_BASE64, 0);
  }

  /**
   * Lays out the memory for `axes` (k rows of d, as `DataReconstruction.axes`) and points {@link rows} at the rows'
   * block; the axes are copied in only when they are not the last ones loaded.
   */
  load(axes: Float64Array, d: number, k: number): void {
    if (this.loaded === axes && this.d === d && this.k === k && this.rows.buffer === this.kernel.memory.buffer) return;
    const kp = paddedComponents(k);
    const tAt = align(k * d * 8);
    const pAt = align(tAt + d * kp * 8);
    const zAt = align(pAt + kp * 8);
    const outAt = align(zAt + KERNEL_ROWS * d * 8);
    growMemory(this.kernel.memory, outAt + KERNEL_ROWS * 8);
    const buffer = this.kernel.memory.buffer;
    if (this.loaded !== axes || this.d !== d || this.k !== k) {
      new Float64Array(buffer, 0, k * d).set(axes.subarray(0, k * d));
      new Float64Array(buffer, tAt, d * kp).set(transposedAxes(axes, d, k));
    }
    this.loaded = axes;
    this.d = d;
    this.k = k;
    this.kp = kp;
    this.tAt = tAt;
    this.pAt = pAt;
    this.zAt = zAt;
    this.outAt = outAt;
    this.rows = new Float64Array(buffer, zAt, KERNEL_ROWS * d);
  }

  /** The errors of the first n rows of {@link rows} (n ≤ {@link KERNEL_ROWS}), a view that the next call overwrites. */
  errors(n: number): Float64Array {
    const { d, k, kp, tAt, pAt, zAt, outAt } = this;
    this.kernel.errors(n, d, k, kp, 0, tAt, pAt, zAt, outAt);
    return new Float64Array(this.kernel.memory.buffer, outAt, n);
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

let kernel: ReconstructionKernel | undefined;

/** This thread's kernel (each thread, the daemon's main one or a report worker, instantiates its own). */
export function reconstructionKernel(): ReconstructionKernel {
  return (kernel ??= new ReconstructionKernel());
}
