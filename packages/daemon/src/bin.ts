#!/usr/bin/env node
// The only place that touches `process`: arguments, output streams, environment and the exit code.
import { setFlagsFromString } from 'node:v8';
import { main } from './main';
import { daemonHeapFlags, nodeFlagsOf } from './run/heap-flags';

const argv = process.argv.slice(2);
// Before any command is loaded: the daemon's heap sizing (run/heap-flags.ts).
for (const flag of daemonHeapFlags(argv, nodeFlagsOf(process.execArgv, process.env.NODE_OPTIONS))) setFlagsFromString(flag);

main(argv, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.env.INIT_CWD ?? process.cwd(),
  env: process.env,
  stderrIsTTY: process.stderr.isTTY === true,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`internal error: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
