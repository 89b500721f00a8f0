import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headerLocation } from '../../src/cli/header-location';

const dir = mkdtempSync(join(tmpdir(), 'vigil-header-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('headerLocation', () => {
  it("a CSV or TSV file's header line, after a BOM and the blank lines the reader skips", async () => {
    expect(await headerLocation(file('a.csv', 'x,y\n1,2\n'), 'a.csv')).toBe('a.csv:1');
    expect(await headerLocation(file('b.csv', '\uFEFF\n\r\n\rx,y\n1,2\n'), 'b.csv')).toBe('b.csv:4');
    expect(await headerLocation(file('c.tsv', 'x\ty\n'), 'c.tsv')).toBe('c.tsv:1');
  });

  it('NDJSON, Parquet, an empty file, a pipe and a missing file: the name alone', async () => {
    expect(await headerLocation(file('e.ndjson', '\n  {"x": 1}\n'), 'e.ndjson')).toBe('e.ndjson');
    expect(await headerLocation(file('p.parquet', Buffer.from('PAR1\u0000\u0000')), 'p.parquet')).toBe('p.parquet');
    expect(await headerLocation(file('empty.csv', '\n\n'), 'empty.csv')).toBe('empty.csv');
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(await headerLocation(fifo, '-')).toBe('-');
    expect(await headerLocation(join(dir, 'missing.csv'))).toBe(join(dir, 'missing.csv'));
  });
});
