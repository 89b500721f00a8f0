import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFileFormat } from '../../src/cli/table-file-format';

const dir = mkdtempSync(join(tmpdir(), 'vigil-table-format-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('tableFileFormat', () => {
  it('CSV, TSV and Parquet by extension, any case, and Parquet by its magic bytes', async () => {
    expect(await tableFileFormat(file('a.csv', 'x\n1\n'))).toBe('CSV');
    expect(await tableFileFormat(file('b.TSV', 'x\ty\n'))).toBe('TSV');
    expect(await tableFileFormat(file('c.pq', ''))).toBe('Parquet');
    expect(await tableFileFormat(file('d.bin', Buffer.from('PAR1xxxx')))).toBe('Parquet');
  });

  it('NDJSON, other names, a FIFO and a missing file are not tables', async () => {
    expect(await tableFileFormat(file('e.ndjson', '{"model": "m"}\n'))).toBeUndefined();
    expect(await tableFileFormat(file('f.txt', 'a,b\n'))).toBeUndefined();
    const fifo = join(dir, 'fifo.csv');
    execFileSync('mkfifo', [fifo]);
    expect(await tableFileFormat(fifo)).toBeUndefined();
    expect(await tableFileFormat(join(dir, 'missing.csv'))).toBeUndefined();
  });
});
