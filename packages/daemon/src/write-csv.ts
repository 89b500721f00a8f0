import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Table } from '@vigil/core';

const needsQuotes = /[",\r\n]|^\s|\s$/;

/** One RFC-4180 cell: quoted when it holds a comma, a quote, a line break or edge spaces. */
export const csvCell = (s: string): string => (needsQuotes.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Writes a table as RFC-4180 CSV (missing values as empty cells), streaming so large tables stay cheap. */
export async function writeCsv(path: string, table: Table): Promise<void> {
  const out = createWriteStream(path);
  const columns = [...table.columns.values()];
  const cell = csvCell;
  const lines = [columns.map((c) => cell(c.name)).join(',')];
  for (let row = 0; row < table.rowCount; row++) {
    lines.push(
      columns
        .map((c) => {
          if (c.kind === 'numeric') {
            const v = c.values[row] as number;
            return v === v ? String(v) : '';
          }
          const code = c.codes[row] as number;
          return code < 0 ? '' : cell(c.categories[code] as string);
        })
        .join(','),
    );
    if (lines.length >= 4096) {
      if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
      lines.length = 0;
    }
  }
  out.end(lines.length > 0 ? `${lines.join('\n')}\n` : '');
  await once(out, 'finish');
}
