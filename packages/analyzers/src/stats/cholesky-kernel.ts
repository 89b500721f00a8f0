/**
 * The surrogate's Cholesky factorisation in WebAssembly (wasm/cholesky.wat, docs/decisions/0050): the matrix is copied
 * into the kernel's memory, factorised there with f64x2 sums that subtract the same terms in the same order as
 * `choleskySolveInJs`, and L is read back row-major (row i's entries 0 … i at i·k …) from over the matrix's copy. One
 * instance a thread, made on first use and grown to the widest matrix.
 */
import { growMemory, instantiateKernel, type WasmMemory } from '@vigil/core';
import { CHOLESKY_WASM_BASE64 } from './cholesky-wasm';

interface CholeskyExports {
  readonly memory: WasmMemory;
  factor(k: number, a: number, li: number, lambda: number): number;
}

/** Above this the kernel is not used (the TypeScript is): its addresses stay well inside an i32. */
const MAX_BYTES = 2 ** 31;

let kernel: CholeskyExports | undefined;

/**
 * L of A + λI (A k × k row-major) as `choleskySolveInJs` factorises it, in a view of the kernel's memory valid until
 * its next use; null when a pivot is not above the collinearity bound, undefined when k is too large for the kernel.
 */
export function choleskyFactor(a: Float64Array, k: number, lambda: number): Float64Array | null | undefined {
  const matrixBytes = 8 * k * k;
  const pairsBytes = 16 * Math.ceil(k / 2) * k;
  if (matrixBytes + pairsBytes > MAX_BYTES) return undefined;
  kernel ??= instantiateKernel<CholeskyExports>(CHOLESKY_WASM_BASE64, 0);
  growMemory(kernel.memory, matrixBytes + pairsBytes);
  const l = new Float64Array(kernel.memory.buffer, 0, k * k);
  l.set(a.subarray(0, k * k));
  return kernel.factor(k, 0, matrixBytes, lambda) === 1 ? l : null;
}
