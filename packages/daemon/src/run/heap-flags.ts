/**
 * V8 flags that `vigil run` sets on itself at start (bin.ts, through `v8.setFlagsFromString`, before anything is
 * loaded) to keep its resident memory near what it really holds (docs/benchmarks.md, "Memory with 100 models").
 *
 * The daemon holds ~25–40 MiB of live JavaScript objects (reference profiles, configuration, code), yet with V8's
 * defaults it sat at 290–330 MiB with 100 models: everything else was slack, not data.
 * - The old generation was allowed to grow to about four times the live size between full collections (the
 *   growing factor V8 picks when collections are cheap), so ~100 MiB of dead batches and accumulators stayed
 *   committed, and the array buffers they held (Kafka fetches, decoded columns) were freed late, which grew the C
 *   heap too. `--heap-growing-percent=100` fixes the factor at 2.
 * - The young generation grew to two 16 MiB semi-spaces, all of it resident. `--semi-space-growth-factor=1` keeps it
 *   at its initial size (1 MiB semi-spaces): more scavenges, each small. V8 refuses a factor below 2 given on the
 *   command line (it resets it when the heap is created), but reads the flag each time the young generation
 *   would grow, so set at run time it holds; with a node that stops reading it, the young generation just grows
 *   as before. (`--max-semi-space-size` itself is fixed when the heap is created and cannot be set this way.)
 * Measured with 100 models × 30 features (bench/memory-models.mjs, 2026-11-30, load 7–10, with the columns of
 * stream-runner.ts sized to the batch): without these flags 232–262 MiB at rest, 293 MiB at the busiest moment,
 * daemon CPU 38 s for the 1M events; with the growing factor only 239–247 / 268 MiB, 43 s; with both 134–171 /
 * 189 MiB, 48 s. The events/s of the phases did not change beyond the run-to-run spread (the daemon mostly waits
 * for Postgres), but a quarter more CPU is spent collecting garbage.
 *
 * A flag the operator passed on node's command line wins over ours:
 * `node --heap-growing-percent=0 --semi-space-growth-factor=2 …/bin.js run …` restores V8's own sizing (NODE_OPTIONS
 * does not accept these two flags: node refuses to start).
 */

/** The daemon's flags, by name. */
export const RUN_HEAP_FLAGS: Readonly<Record<string, string>> = {
  '--heap-growing-percent': '100',
  '--semi-space-growth-factor': '1',
};

/** The V8 flags to set for `argv` (the CLI arguments), given node's own flags (`process.execArgv`); none for other commands. */
export function daemonHeapFlags(argv: readonly string[], nodeFlags: readonly string[]): string[] {
  if (argv[0] !== 'run') return [];
  // V8 reads `-` and `_` alike in flag names (`--heap_growing_percent`).
  const given = new Set(nodeFlags.map((f) => f.split('=')[0]!.replace(/_/g, '-')));
  return Object.entries(RUN_HEAP_FLAGS)
    .filter(([name]) => !given.has(name))
    .map(([name, value]) => `${name}=${value}`);
}
