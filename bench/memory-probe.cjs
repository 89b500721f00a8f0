/**
 * Preloaded into `vigil run` by bench/memory-models.mjs --probe (node --require): every 500 ms, appends the
 * process's memory split to the file named by VIGIL_MEMORY_PROBE as one JSON line (MiB): rss, heapTotal, heapUsed,
 * external, arrayBuffers, and V8's per-space sizes, and the resident anonymous and file-backed parts of the RSS. A benchmark tool only; nothing of the daemon reads it.
 */
'use strict';
const { appendFileSync, readFileSync } = require('node:fs');
const v8 = require('node:v8');

const file = process.env.VIGIL_MEMORY_PROBE;
if (file) {
  const mib = (n) => Math.round((n / 2 ** 20) * 10) / 10;
  let readings = 0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, mib(s.space_size)]));
    // Resident anonymous memory (V8 heap, malloc) and resident file pages (the node binary, ICU data) of the process.
    const status = readFileSync('/proc/self/status', 'utf8');
    const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    const h = v8.getHeapStatistics();
    const line = {
      t: Date.now(),
      malloced: mib(h.malloced_memory),
      peakMalloced: mib(h.peak_malloced_memory),
      ...(++readings % 20 === 1 ? { smaps: smaps() } : {}),
      rss: mib(m.rss),
      rssAnon: mib(kib('RssAnon')),
      rssFile: mib(kib('RssFile')),
      heapTotal: mib(m.heapTotal),
      heapUsed: mib(m.heapUsed),
      external: mib(m.external),
      arrayBuffers: mib(m.arrayBuffers),
      spaces,
    };
    try {
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    } catch {
      clearInterval(timer);
    }
  }, 500);
  timer.unref();
}

/** Resident MiB of /proc/self/smaps by kind of mapping: [heap] (glibc's main arena), other anonymous mappings by size class, files. */
function smaps() {
  const out = { brkHeap: 0, anonSmall: 0, anon64MiB: 0, anonOther: 0, file: 0, stack: 0 };
  let kind = '';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const size = (parseInt(head[2], 16) - parseInt(head[1], 16)) / 2 ** 20;
      const name = head[3];
      kind =
        name === '[heap]'
          ? 'brkHeap'
          : name.startsWith('[stack')
            ? 'stack'
            : name.startsWith('/')
              ? 'file'
              : name === ''
                ? size < 1
                  ? 'anonSmall'
                  : size === 64
                    ? 'anon64MiB'
                    : 'anonOther'
                : 'anonOther';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] += Number(rss[1]) / 1024;
  }
  for (const k of Object.keys(out)) out[k] = Math.round(out[k] * 10) / 10;
  return out;
}
