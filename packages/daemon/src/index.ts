export { main } from './main';
export { EXIT } from './cli/command-io';
export type { CommandIo, ProcessIo } from './cli/command-io';
export { vigilVersion } from './cli/version';
