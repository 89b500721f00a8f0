// Assembles wasm/gram.wat (the surrogate's XᵀX kernel, docs/decisions/0027) with wabt and writes the module's bytes
// to src/stats/gram-wasm.ts, which is committed: the build (tsc) needs no assembler, and
// test/stats/gram-kernel.test.ts checks that the committed bytes are what this script makes of the .wat.
//   node packages/analyzers/scripts/build-gram-wasm.mjs [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gramWasmSource } from './gram-wasm-source.mjs';

const root = join(import.meta.dirname, '..');
const target = join(root, 'src/stats/gram-wasm.ts');
const source = await gramWasmSource(readFileSync(join(root, 'wasm/gram.wat'), 'utf8'));
if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== source) {
    console.error(`${target} is not what wasm/gram.wat assembles to: run this script without --check`);
    process.exit(1);
  }
} else writeFileSync(target, source);
