export { main } from './main';
export { EXIT } from './cli/command-io';
export type { CommandIo } from './cli/command-io';
