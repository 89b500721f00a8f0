// A report's numeric column job on a wide file pair's real columns (issue 19): `analyzeNumericColumn` (the pair sort,
// KS and Wasserstein, the reference's profile, the current side's accumulator, the summaries and the distribution) on
// the first K column pairs, CPU a pair, best of the passes. With --base DIR (a checkout of an earlier commit, built),
// that tree's job runs on the same columns, the passes alternating the two, and both trees' results are first checked
// identical (the whole result, every number to the bit).
//   node bench/column-pair.mjs [--base DIR] [reference.csv] [current.csv] [K] [passes]
// Build first (pnpm run build).
import { join } from 'node:path';
import { readTable } from '../packages/collector/dist/index.js';

const argv = process.argv.slice(2);
const at = argv.indexOf('--base');
const base = at >= 0 ? argv.splice(at, 2)[1] : undefined;
const [reference = '/tmp/wide100k/reference.csv', current = '/tmp/wide100k/current.csv', k = '200', passes = '5'] =
  argv;
const root = join(import.meta.dirname, '..');
const load = async (tree) =>
  (await import(join(tree, 'packages/analyzers/dist/report/numeric-column.js'))).analyzeNumericColumn;
const trees = [{ name: 'this tree', analyze: await load(root) }];
if (base) trees.push({ name: `base (${base})`, analyze: await load(base) });

const a = (await readTable(reference, {})).table;
const b = (await readTable(current, {})).table;
const names = [...a.columns.keys()].filter((n) => b.columns.has(n) && a.columns.get(n).values instanceof Float64Array);
const jobs = names
  .slice(0, Number(k))
  .map((name) => ({ name, reference: a.columns.get(name).values, current: b.columns.get(name).values }));
// Numbers to the bit (JSON.stringify would print -0 as 0 and every NaN alike: compared as their doubles' bytes).
const bits = (result) =>
  JSON.stringify(result, (_, v) =>
    typeof v === 'number' ? Buffer.from(new Float64Array([v]).buffer).toString('hex') : v,
  );
if (base)
  for (const job of jobs)
    if (bits(trees[0].analyze(job)) !== bits(trees[1].analyze(job)))
      throw new Error(`column ${job.name}: the two trees' results differ`);

const best = trees.map(() => Infinity);
for (let pass = 0; pass < Number(passes); pass++)
  for (const t of pass % 2 === 0 ? trees.keys() : [...trees.keys()].reverse()) {
    const start = process.cpuUsage();
    for (const job of jobs) trees[t].analyze(job);
    const used = process.cpuUsage(start);
    best[t] = Math.min(best[t], (used.user + used.system) / 1000 / jobs.length);
  }
console.log(`${jobs.length} column pairs of ${a.rowCount} and ${b.rowCount} rows, best of ${passes} passes:`);
trees.forEach((t, i) => console.log(`  ${t.name}: ${best[i].toFixed(3)} ms of CPU a pair`));
if (base) console.log(`  base ÷ this: ${(best[1] / best[0]).toFixed(2)}×`);
