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
 * - The young generation is left to V8 (it grows to two 16 MiB semi-spaces under ingest). It was held at 1 MiB
 *   semi-spaces (`--semi-space-growth-factor=1`) until a fleet of 100 models showed what that costs: a batch
 *   allocates tens of KB per (model, bucket) accumulator, so a 1 MiB semi-space was collected several times a batch,
 *   each time copying and promoting what the batches in flight hold; the garbage collector took 35–42 % of the
 *   daemon's profile and the daemon 72–82 µs of CPU an event, against 15 % and 58 µs with the young generation left
 *   to grow, for +50 MiB of peak RSS (bench/ingest.mjs --models 100, 2026-12-06; docs/benchmarks.md, "A fleet").
 *   Serialising each accumulator as soon as it is built had freed about as much; since, a batch's deltas are
 *   counted only when the store reads them (pipeline/batch-buckets.ts), so no accumulator lives through a batch.
 *   An operator short of memory bounds it on node's command line, where V8 reads it when the heap is created:
 *   `node --max-semi-space-size=1 …/bin.js run …` holds it at 1 MiB semi-spaces as before (NODE_OPTIONS takes it too).
 *   With a backlog of windows analysed beside ingest, the 16 MiB semi-spaces took the peak with 100 models to
 *   289–307 MiB; `--max-semi-space-size=8` held it at 268–284 MiB for 0–7 % more of the daemon's CPU
 *   (bench/fleet.mjs --models 100 --hours 6, 2026-12-06), so the `vigil` executable (bin/vigil, a shell script; also
 *   `pnpm vigil`) and docker-compose.yml start `vigil run` with it. It cannot
 *   be set from here: V8 reads it only when the heap is created, and changing the growth factor as the program runs
 *   (to 1 once the semi-spaces reached 8 MiB, from a `gc` PerformanceObserver) did not hold them: they grew past it
 *   between two reports (fleet: 295–301 MiB).
 * Measured with 100 models × 30 features (bench/memory-models.mjs, 2026-11-30, load 7–10): without these flags
 * 232–262 MiB at rest, 293 MiB at the busiest moment; with the growing factor only 239–247 / 268 MiB; with it and
 * the young generation held 134–171 / 189 MiB.
 *
 * A flag the operator passed on node's command line wins over ours:
 * `node --heap-growing-percent=0 …/bin.js run …` restores V8's own sizing (NODE_OPTIONS does not accept these
 * flags: node refuses to start).
 */

/** The daemon's flags, by name. */
export const RUN_HEAP_FLAGS: Readonly<Record<string, string>> = {
  '--heap-growing-percent': '100',
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
