export { readTable } from './files/read-table';
export type { ReadTableOptions, ReadTableResult } from './files/read-table-options';
