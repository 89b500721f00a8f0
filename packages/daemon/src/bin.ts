#!/usr/bin/env node
// The only place that touches `process`: arguments, output streams, environment and the exit code.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { startTableReaderAhead } from '@vigil/collector/dist/files/table-reader-start';
import { errorMessage, syncWriter } from '@vigil/core';
import { catchStopSignals } from './cli/stop-signals';
import { main, takeGlobalFlags } from './main';
import { daemonHeapFlags } from './run/heap-flags';

const argv = process.argv.slice(2);
const command = takeGlobalFlags(argv).args;
// `vigil report`'s second file is read by a worker: started first, it loads the readers while this thread loads the
// command (collector/src/files/table-reader-start.ts).
if (command[0] === 'report' && availableParallelism() > 1) startTableReaderAhead();
// Before any command is loaded: the daemon's heap sizing (run/heap-flags.ts).
for (const flag of daemonHeapFlags(command, process.execArgv)) setFlagsFromString(flag);
// And its stop signals: loading `vigil run` and its configuration takes half a second and more, and a SIGTERM in that
// time ended the process at once (exit 143, no word); caught from here it is answered as a later one is.
const stopSignals = command[0] === 'run' ? catchStopSignals() : undefined;

/**
 * The exit code when a reader closed our output (`vigil dlq list | head -1`): 128 + SIGPIPE, what the shell reports
 * for git or kubectl killed by the signal. Node ignores SIGPIPE and reports the closed pipe as an EPIPE error, which
 * unhandled is a stack trace; like git, Vigil stops without a word (there is no one left to read it), and the code
 * still tells a `set -o pipefail` script the command did not run to its end (docs/cli.md, exit codes).
 */
const CLOSED_PIPE_EXIT = 141;

// stderr (the log, and the one `error [CODE]` line) is written synchronously: when it is a socket (systemd's journal,
// a parent Node process) process.stderr would queue it in memory, and a crash or the forced exit below would lose
// the queue, its last lines first. A closed stderr (`vigil … 2>&1 | head -1`) stops the command as a closed stdout does.
const stderr = syncWriter(2, () => process.exit(CLOSED_PIPE_EXIT));

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(CLOSED_PIPE_EXIT);
  stderr(`error [VIGIL_OUTPUT_UNWRITABLE]: standard output: ${errorMessage(error)}\n`);
  process.exit(2);
});

main(argv, {
  stdout: (text) => process.stdout.write(text),
  stderr,
  cwd: invocationDirectory(),
  env: process.env,
  stderrIsTTY: process.stderr.isTTY === true,
  stdoutIsTTY: process.stdout.isTTY === true,
  stdinStream: () => process.stdin,
  ...(stopSignals ? { stopSignals } : {}),
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  },
}).then(
  (code) => finish(code),
  (error: unknown) => {
    // main never throws; should it, one line still.
    stderr(`error [VIGIL_INTERNAL]: ${errorMessage(error)}\n`);
    finish(1);
  },
);

/**
 * Where the user typed the command, against which relative paths resolve. `pnpm vigil …` runs the workspace's
 * `vigil` script from the workspace root and says where it was typed in INIT_CWD; the `vigil` executable and
 * `node …/bin.js` run where they were typed, even inside some other npm script that left an INIT_CWD behind.
 */
function invocationDirectory(): string {
  const workspaceRoot = resolve(__dirname, '../../..');
  const viaWorkspaceScript =
    process.env.npm_lifecycle_event === 'vigil' &&
    process.env.INIT_CWD !== undefined &&
    process.cwd() === workspaceRoot;
  return viaWorkspaceScript ? (process.env.INIT_CWD as string) : process.cwd();
}

/**
 * Exits with `code` once the event loop is empty, or 5 s after the command returned if something it started lingers
 * (a Kafka consumer that did not stop within its close timeout keeps fetching): a daemon that finished shutting down
 * must not live on. stderr is written synchronously, and stdout to pipes and files is synchronous on Linux, so
 * nothing written to stderr is lost (stdout to a socket could lose its queue on the forced exit).
 */
function finish(code: number): void {
  process.exitCode = code;
  setTimeout(() => {
    stderr(
      `vigil: still busy 5 s after the command finished (an open connection or timer); exiting with code ${code}\n`,
    );
    process.exit(code);
  }, 5000).unref();
}
