/** The signals that ask `vigil run` to drain and stop (docs/streaming.md, "Shutdown"). */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** The first stop signal the process receives, from the moment it is caught; `dispose` removes the handlers. */
export interface StopSignals {
  readonly received: Promise<NodeJS.Signals>;
  dispose(): void;
}

/**
 * Catches the first of `signals` (each handled once, as before). bin.ts calls it
 * for `vigil run` before the command loads: loading the daemon's modules and the configuration takes half a second
 * and more, and a signal in that time used to end the process at once, exit 143 without a word.
 */
export function catchStopSignals(signals: readonly NodeJS.Signals[] = STOP_SIGNALS): StopSignals {
  let handler: (signal: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((done) => {
    handler = done;
    for (const s of signals) process.once(s, handler);
  });
  return {
    received,
    dispose: () => {
      for (const s of signals) process.removeListener(s, handler);
    },
  };
}
