// The CSV row parsers on the first ~200 MB of a wide file (issue 19, docs/decisions/0045): CsvFastRows (JavaScript,
// one call a row) or CsvWasmRows (WebAssembly, up to a block of 64 rows a call), into a column-major block of 64 rows,
// with the handed-back fields read by readRanges (no builders: the numbers stay in the block). Prints ns a field.
//   node bench/csv-rows.mjs js|wasm [file] [MB] [passes]
// Build first (pnpm run build). "wasm" also times copying the bytes from a JavaScript buffer into the module's memory
// (what readCsv does, a window at a time) and reading them from the file straight into it.
import { closeSync, openSync, readSync } from 'node:fs';
import { CsvFastRows } from '../packages/collector/dist/files/csv-fast-rows.js';
import { CsvWasmRows } from '../packages/collector/dist/files/csv-wasm-rows.js';

const [which = 'js', file = '/tmp/wide100k/reference.csv', mb = '200', passes = '5'] = process.argv.slice(2);
const STRIDE = 64;

// The first ~MB megabytes of the file, cut after a line end.
const fd = openSync(file, 'r');
let bytes = Buffer.allocUnsafe(Number(mb) * 1024 * 1024);
bytes = bytes.subarray(0, readSync(fd, bytes, 0, bytes.length, 0));
bytes = bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1);
const headerEnd = bytes.indexOf(0x0a) + 1;
const fields = bytes.subarray(0, headerEnd).toString().split(',').length;
// The numeric fields are those the first data row holds a number in.
const first = bytes.subarray(headerEnd, bytes.indexOf(0x0a, headerEnd)).toString().split(',');
const targets = Int32Array.from(first, (text, k) => (Number.isNaN(Number(text)) ? -1 : k));
const builders = new Array(fields).fill(null);
let rowCount = 0;
for (let i = headerEnd; i < bytes.length; i++) if (bytes[i] === 0x0a) rowCount++;

function runJs() {
  const fast = new CsvFastRows(targets, 0x2c);
  const block = new Float64Array(fields * STRIDE);
  let pos = headerEnd;
  let r = 0;
  let rows = 0;
  while (pos < bytes.length) {
    const next = fast.row(bytes, pos, block, STRIDE, r);
    if (next === -1 || !fast.readRanges(bytes, builders, block, STRIDE, r)) throw new Error(`refused at ${pos}`);
    pos = next;
    rows++;
    if (++r === STRIDE) r = 0;
  }
  return rows;
}

const wasm = which === 'wasm' ? new CsvWasmRows(fields, fields, STRIDE, 0x2c) : undefined;
if (wasm) {
  wasm.reserve(bytes.length);
  wasm.targets.set(targets);
}

function runWasm() {
  const end = bytes.length;
  let pos = headerEnd;
  let r = 0;
  let rows = 0;
  while (pos < end) {
    const n = wasm.rows(pos, end, r, STRIDE - r);
    if (n === 0) throw new Error(`refused at ${pos}`);
    for (let j = 0; j < n; j++) if (!wasm.readRanges(j, builders, r + j)) throw new Error(`refused at row ${rows + j}`);
    pos = wasm.rowEnd(n - 1);
    rows += n;
    r += n;
    if (r === STRIDE) r = 0;
  }
  return rows;
}

const cells = rowCount * fields;
const out = [];
for (let p = 0; p < Number(passes); p++) {
  let copy = 0;
  if (wasm) {
    const t = process.hrtime.bigint();
    wasm.input.set(bytes);
    copy = Number(process.hrtime.bigint() - t);
  }
  const t0 = process.hrtime.bigint();
  const rows = wasm ? runWasm() : runJs();
  const ns = Number(process.hrtime.bigint() - t0);
  if (rows !== rowCount) throw new Error(`read ${rows} rows of ${rowCount}`);
  out.push({ parse: ns / cells, copy: copy / cells });
}
let direct = 0;
if (wasm) {
  // Straight from the file (page cache) into the module's memory, as a reader given a file could do.
  const t = process.hrtime.bigint();
  readSync(fd, wasm.input, 0, bytes.length, 0);
  direct = Number(process.hrtime.bigint() - t) / cells;
}
closeSync(fd);
const f = (x) => x.toFixed(2);
console.log(
  `${which}: ${rowCount} rows x ${fields} fields (${(bytes.length / 1e6).toFixed(0)} MB), ns a field by pass: ` +
    out.map((o) => f(o.parse)).join(' ') +
    (wasm
      ? `; copy into wasm memory ${out.map((o) => f(o.copy)).join(' ')}; read from the file into it ${f(direct)}`
      : ''),
);
