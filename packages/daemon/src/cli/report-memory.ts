import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { constants, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/**
 * Reading files in memory takes at most about four times their size at the peak: their float64 columns (8 bytes a
 * value, which a CSV may write in 2 bytes), their sorted copies and the analysis's samples. Measured on 100,000 ×
 * 1,000 CSVs of 4-decimal values: 6.1 GB for 1.5 GB of files when the CSV's bytes were held whole, 2.0 GB since
 * they are read in chunks (docs/decisions/0046).
 */
export const IN_MEMORY_FACTOR = 4;

/** The default `--memory-budget`: a quarter of the machine's memory. */
export function defaultMemoryBudget(): number {
  return Math.floor(totalmem() / 4);
}

/**
 * `--memory-budget`: a number of bytes with an optional unit, decimal (`kB`, `MB`, `GB`, `TB`) or binary
 * (`KiB`, `MiB`, `GiB`, `TiB`, and `K`, `M`, `G`, `T`), any case; e.g. `2GB`, `512MiB`, `1.5G`. Undefined when
 * unparseable or below one mebibyte.
 */
export function parseMemoryBudget(raw: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(raw);
  if (!match) return undefined;
  const unit = UNITS[match[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.floor(Number(match[1]) * unit);
  return Number.isFinite(bytes) && bytes >= 1024 ** 2 ? bytes : undefined;
}

const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * A private temporary directory for spill files, and its removal. Until it is removed, SIGINT (Ctrl-C) and SIGTERM
 * (a CI job's timeout, `kill`) remove it and end the process with the code a shell gives a process that signal
 * ends (128 + its number: 130, 143): without this, a killed report left its spill — up to 8 bytes per numeric value
 * of both files — in $TMPDIR. (SIGKILL cannot be caught; the directory is named `vigil-report-*` to find it.)
 */
export async function spillDirectory(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'vigil-report-'));
  const onSignal = (signal: NodeJS.Signals): void => {
    // Synchronously, then exit at once: nothing runs after it that could write to the directory again.
    rmSync(path, { recursive: true, force: true });
    process.exit(128 + constants.signals[signal as (typeof CLEANUP_SIGNALS)[number]]);
  };
  for (const s of CLEANUP_SIGNALS) process.once(s, onSignal);
  return {
    path,
    remove: async () => {
      for (const s of CLEANUP_SIGNALS) process.off(s, onSignal);
      await rm(path, { recursive: true, force: true });
    },
  };
}
