/**
 * V8 flags that `vigil run` sets on itself at start (bin.ts, through `v8.setFlagsFromString`, before anything is
 * loaded) to keep its resident memory near what it really holds (docs/benchmarks.md, "Memory with 100 models").
 *
 * The daemon holds ~25–40 MiB of live JavaScript objects, but with V8's defaults the old generation is allowed to
 * grow to about four times the live size between full collections (the growing factor V8 picks when collections
 * are cheap), so ~100–150 MiB of dead batches and accumulators sat committed, and the array buffers they held
 * (Kafka fetches, decoded columns) were freed late, which also grew the C heap. A fixed growing factor of 2 keeps
 * the old generation within about twice the live size: more full collections (each a few ms with this live size),
 * far less resident memory. Measured with 100 models × 30 features (bench/memory-models.mjs): at rest 290–330 →
 * 226–235 MiB, peak 362 → 260 MiB, daemon CPU unchanged (40 s); a factor of 1.5 gave 190–195 MiB and a 218 MiB
 * peak but cost a quarter more CPU (49 s), so it is not the default. Only flags that V8 reads while running can be
 * set this way (the young generation's size, `--max-semi-space-size`, is fixed when the heap is created).
 *
 * A flag the operator passed to node (on the command line or in NODE_OPTIONS) wins over ours:
 * `NODE_OPTIONS=--heap-growing-percent=50` trades CPU for less memory, `=0` restores V8's own factor.
 */

/** The heap growing factor of `vigil run`: the old generation may grow to (1 + 100%) × its live size. */
export const RUN_HEAP_GROWING_PERCENT = 100;

/** The V8 flags to set for `argv` (the CLI arguments), given node's own flags; none for other commands. */
export function daemonHeapFlags(argv: readonly string[], nodeFlags: readonly string[]): string[] {
  if (argv[0] !== 'run') return [];
  // V8 reads `-` and `_` alike in flag names (`--heap_growing_percent`).
  const names = new Set(nodeFlags.map((f) => f.split('=')[0]!.replace(/_/g, '-')));
  return names.has('--heap-growing-percent') ? [] : [`--heap-growing-percent=${RUN_HEAP_GROWING_PERCENT}`];
}

/** node's flags from its command line and NODE_OPTIONS (split on spaces, as node does for unquoted options). */
export function nodeFlagsOf(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  return [...execArgv, ...(nodeOptions ?? '').split(/\s+/).filter(Boolean)];
}
