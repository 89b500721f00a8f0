/**
 * A clone is all a user has: nothing committed may read a sibling folder of the checkout or cite documents that are
 * not in the repository. (The Adult demo once read a sibling folder's datasets; the README cited two such documents.)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');

it('no committed file reads the sibling shared folder or cites the internal brief', () => {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f.length > 0);
  expect(files.length).toBeGreaterThan(100);
  const offending: string[] = [];
  const banned = [['..', 'shared'].join('/'), ['PRODUCT', 'md'].join('.'), ['DESIGN', 'md'].join('.')];
  for (const file of files) {
    if (!/\.(ts|mts|cts|js|mjs|cjs|json|md|py|sh|ya?ml|txt)$|(^|\/)run$/.test(file)) continue;
    const text = readFileSync(join(ROOT, file), 'utf8');
    text.split('\n').forEach((line, i) => {
      if (banned.some((b) => line.includes(b))) offending.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
    });
  }
  expect(offending).toEqual([]);
});
