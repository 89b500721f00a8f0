/** What a command may touch of the outside world; the entry point passes the real process, tests pass buffers. */
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads standard input to its end (`-` as an input file). @defaultValue nothing to read: an empty buffer */
  readonly stdin?: () => Promise<Buffer>;
  /** stderr is a terminal: progress may be redrawn in place (`vigil demo`). @defaultValue false */
  readonly stderrIsTTY?: boolean;
}

/** Exit codes of every `vigil` command. */
export const EXIT = {
  ok: 0,
  internal: 1,
  /** Bad usage, bad input or bad configuration: the message says what and where. */
  refused: 2,
  /** `vigil report --fail-on-drift` found drift. */
  drift: 3,
} as const;
