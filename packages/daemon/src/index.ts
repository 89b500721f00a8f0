export { main } from './main';
export { EXIT } from './cli/command-io';
export type { CommandIo, ProcessIo } from './cli/command-io';
export { vigilVersion } from './version';
// The in-process runner and reference fitting: what `vigil run` does, for a program (or a test) that embeds it.
export { StreamRunner } from './run/stream-runner';
export type { StreamRunnerOptions } from './run/stream-runner';
export { fitModelReference } from './pipeline/fit-reference';
