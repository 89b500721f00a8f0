// Assembles every hand-written WebAssembly kernel in wasm/ with wabt and writes each module's bytes, base64, to its
// TypeScript file, which is committed: the build (tsc) needs no assembler, and the kernels' tests check that the
// committed bytes are what this script makes of the .wat (`--check`).
//   node packages/analyzers/scripts/build-wasm.mjs [--check]
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KERNELS, wasmSource } from './wasm-source.mjs';

const root = join(import.meta.dirname, '..');
const check = process.argv.includes('--check');
let failed = false;
for (const file of readdirSync(join(root, 'wasm'))
  .filter((f) => f.endsWith('.wat'))
  .sort()) {
  const kernel = KERNELS[file];
  if (kernel === undefined) {
    console.error(`wasm/${file} has no entry in scripts/wasm-source.mjs's KERNELS (its target file and constant)`);
    failed = true;
    continue;
  }
  const target = join(root, kernel.target);
  const source = await wasmSource(file, readFileSync(join(root, 'wasm', file), 'utf8'));
  if (!check) writeFileSync(target, source);
  else if (readFileSync(target, 'utf8') !== source) {
    console.error(`${target} is not what wasm/${file} assembles to: run this script without --check`);
    failed = true;
  }
}
if (failed) process.exit(1);
