import type { Palette } from './palette';
import type { StopSignals } from './stop-signals';

/** What the entry point (bin.ts) hands to `main`: the process's streams, directory and environment. */
export interface ProcessIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads standard input to its end (`-` as an input file). @defaultValue nothing to read: an empty buffer */
  readonly stdin?: () => Promise<Buffer>;
  /** Standard input as a stream, read as it arrives (`vigil run --source -`). */
  readonly stdinStream?: () => AsyncIterable<Buffer>;
  /**
   * `vigil run`'s stop signals, caught by bin.ts before the command loaded (stop-signals.ts). @defaultValue caught
   * by the command itself
   */
  readonly stopSignals?: StopSignals;
  /** stderr is a terminal: progress may be redrawn in place (`vigil demo`), logs are text. @defaultValue false */
  readonly stderrIsTTY?: boolean;
  /** stdout is a terminal: help and summaries may be coloured. @defaultValue false */
  readonly stdoutIsTTY?: boolean;
}

/** What a command may touch of the outside world; `main` builds it from the process, tests from buffers. */
export interface CommandIo extends ProcessIo {
  /** Colours for stdout: identity functions unless stdout is a terminal and neither NO_COLOR nor --no-color is set. */
  readonly color: Palette;
  /** Colours for stderr, by the same rules for stderr. */
  readonly stderrColor: Palette;
  /** `--quiet` / `-q`: informational lines are dropped; errors and the command's own stdout are not. */
  readonly quiet: boolean;
  /** An informational line on stderr ("Features inferred …", progress), unless quiet. */
  info(text: string): void;
}

/** Exit codes of every `vigil` command (docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** A failure that may pass on retry: a service could not be reached, or a bug (VIGIL_INTERNAL). */
  internal: 1,
  /** Bad usage, bad input or bad configuration: the message says what and where. */
  refused: 2,
  /** `vigil report --fail-on-drift` found drift: a CI gate failed. */
  drift: 3,
} as const;
