/**
 * The hand-written WebAssembly kernels (the surrogate's XᵀX, docs/decisions/0027; the CSV row parser, 0045; the
 * decimal pair sort's counting and walk, 0047): each is compiled once per thread from its committed base64,
 * instantiated with no imports, and lays out its data in its own memory, which is grown to what the caller needs.
 */

// What the kernels use of the WebAssembly global, which Node has but @types/node 20 does not declare (it comes with
// TypeScript's DOM library, which the project leaves out).
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
};

const PAGE_BYTES = 65_536;

/** Modules by their base64, compiled once per thread (a kernel is ~1 KB: synchronous compilation is fine). */
const compiled = new Map<string, object>();

/** A new instance of the kernel in `base64`, its memory at least `bytes` long. */
export function instantiateKernel<T extends { readonly memory: WasmMemory }>(base64: string, bytes: number): T {
  let module = compiled.get(base64);
  if (module === undefined) {
    module = new WebAssembly.Module(Buffer.from(base64, 'base64'));
    compiled.set(base64, module);
  }
  const exports = new WebAssembly.Instance(module, {}).exports as T;
  growMemory(exports.memory, bytes);
  return exports;
}

/** Grows `memory` to at least `bytes` bytes (whole pages); views of its old buffer are then detached. */
export function growMemory(memory: WasmMemory, bytes: number): void {
  const need = Math.ceil(bytes / PAGE_BYTES);
  const have = memory.buffer.byteLength / PAGE_BYTES;
  if (need > have) memory.grow(need - have);
}
