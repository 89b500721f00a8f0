#!/usr/bin/env node
// The only place that touches `process`: arguments, output streams, environment and the exit code.
import { setFlagsFromString } from 'node:v8';
import { main } from './main';
import { daemonHeapFlags } from './run/heap-flags';

const argv = process.argv.slice(2);
// Before any command is loaded: the daemon's heap sizing (run/heap-flags.ts).
for (const flag of daemonHeapFlags(argv, process.execArgv)) setFlagsFromString(flag);

main(argv, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.env.INIT_CWD ?? process.cwd(),
  env: process.env,
  stderrIsTTY: process.stderr.isTTY === true,
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  },
}).then(
  (code) => finish(code),
  (error: unknown) => {
    process.stderr.write(`internal error: ${String(error)}\n`);
    finish(1);
  },
);

/**
 * Exits with `code` once the event loop is empty, or 5 s after the command returned if something it started lingers
 * (a Kafka consumer that did not stop within its close timeout keeps fetching): a daemon that finished shutting down
 * must not live on. Output to pipes and files is synchronous on Linux, so nothing written is lost.
 */
function finish(code: number): void {
  process.exitCode = code;
  setTimeout(() => {
    process.stderr.write(`vigil: still busy 5 s after the command finished (an open connection or timer); exiting with code ${code}\n`);
    process.exit(code);
  }, 5000).unref();
}
