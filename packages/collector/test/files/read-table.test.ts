import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CategoricalColumn, Column, NumericColumn, Table } from '@vigil/core';
import { categoryAt, isVigilError } from '@vigil/core';
import { readTable } from '@vigil/collector';
import { writeSyntheticCsv } from '../helpers/make-csv';

const FIXTURES = join(__dirname, '..', 'fixtures');
// The UCI Adult copy committed with the demo (packages/demo/data/adult/README.md names its source and licence).
const ADULT = join(__dirname, '../../../demo/data/adult/adult.data');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-read-table-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

function column(table: Table, name: string): Column {
  const found = table.columns.get(name);
  if (found === undefined) throw new Error(`no column ${name}`);
  return found;
}

function numbers(table: Table, name: string): number[] {
  const found = column(table, name);
  if (found.kind !== 'numeric') throw new Error(`${name} is ${found.kind}`);
  return Array.from(found.values);
}

function texts(table: Table, name: string): (string | null)[] {
  const found = column(table, name);
  if (found.kind !== 'categorical') throw new Error(`${name} is ${found.kind}`);
  return Array.from(found.codes, (_code, row) => categoryAt(found, row));
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isVigilError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a failure');
}

describe('readTable: CSV', () => {
  it('reads RFC 4180 quoting, CRLF, spaces after delimiters and missing tokens', async () => {
    const path = join(FIXTURES, 'quoting.csv');
    const { table, inferred } = await readTable(path);
    expect(table.source).toBe(path);
    expect(table.rowCount).toBe(5);
    expect([...table.columns.keys()]).toEqual(['id', 'comment', 'amount', 'flag']);
    expect(inferred).toEqual({ id: 'numeric', comment: 'categorical', amount: 'numeric', flag: 'numeric' });
    expect(numbers(table, 'id')).toEqual([1, 2, 3, 4, 5]);
    expect(texts(table, 'comment')).toEqual(['hello, world', 'she said "hi"', 'two\r\nlines', 'plain ', null]);
    expect(numbers(table, 'amount')).toEqual([1.5, Number.NaN, -2000, Number.NaN, 0.5]);
    expect(numbers(table, 'flag')).toEqual([1, 0, 1, Number.NaN, 0]);
  });

  it('reads the UCI Adult file, comma-plus-space separated with ? for missing', async () => {
    const { table, inferred } = await readTable(ADULT);
    expect(table.rowCount).toBe(32561);
    expect(table.columns.size).toBe(15);
    const sex = column(table, 'sex') as CategoricalColumn;
    expect([...sex.categories].sort()).toEqual(['Female', 'Male']);
    const race = column(table, 'race') as CategoricalColumn;
    expect([...race.categories].sort()).toEqual([
      'Amer-Indian-Eskimo',
      'Asian-Pac-Islander',
      'Black',
      'Other',
      'White',
    ]);
    expect(inferred.age).toBe('numeric');
    expect(inferred.workclass).toBe('categorical');
    const age = column(table, 'age') as NumericColumn;
    expect([age.values[0], age.values[1], age.values[32560]]).toEqual([39, 50, 52]);
    expect(texts(table, 'Salary').slice(0, 1)).toEqual(['<=50K']);
    // "?" is missing, never a category.
    const workclass = column(table, 'workclass') as CategoricalColumn;
    expect(workclass.categories).not.toContain('?');
    expect(Array.from(workclass.codes).filter((code) => code === -1)).toHaveLength(1836);
  });

  it('keeps only the requested columns, in the requested order, with the given types', async () => {
    const { table, inferred } = await readTable(ADULT, {
      columns: ['sex', 'age', 'education-num'],
      types: { 'education-num': 'categorical', sex: 'categorical' },
    });
    expect([...table.columns.keys()]).toEqual(['sex', 'age', 'education-num']);
    expect(inferred).toEqual({ age: 'numeric' });
    expect(texts(table, 'education-num')[0]).toBe('13');
  });

  it('infers numeric only when every non-missing value is a number, keeping the original text otherwise', async () => {
    const path = await file('mixed.csv', 'zip,n,b\n02134,1,true\n,2e0,\n10001,3,FALSE\nN/A,NaN,null\n');
    const { table, inferred } = await readTable(path);
    expect(inferred).toEqual({ zip: 'categorical', n: 'numeric', b: 'numeric' });
    // Rows read before the column turned categorical keep their exact text ("02134", not "2134").
    expect(texts(table, 'zip')).toEqual(['02134', null, '10001', 'N/A']);
    expect(numbers(table, 'n')).toEqual([1, 2, 3, Number.NaN]);
    expect(numbers(table, 'b')).toEqual([1, Number.NaN, 0, Number.NaN]);
  });

  it('reads TSV, with quotes', async () => {
    const { table } = await readTable(join(FIXTURES, 'small.tsv'));
    expect(numbers(table, 'a')).toEqual([1, 2]);
    expect(texts(table, 'b')).toEqual(['x y', 'q\tr']);
    expect(numbers(table, 'c')).toEqual([2.5, Number.NaN]);
  });

  it('handles a BOM, blank lines, a missing final newline, lone CR line ends and unnamed columns', async () => {
    const path = await file('odd.csv', '\uFEFF,x\r1,a\r\r\n\n2,"b\nc"');
    const { table } = await readTable(path);
    expect([...table.columns.keys()]).toEqual(['column_1', 'x']);
    expect(numbers(table, 'column_1')).toEqual([1, 2]);
    expect(texts(table, 'x')).toEqual(['a', 'b\nc']);
  });

  it('reports a value that is not a number in a numeric column with file, line and column', async () => {
    // Line 4 follows a field that spans lines 2 and 3.
    const path = await file('bad.csv', 'note,age\n"multi\nline",30\nx,forty\n');
    const error = await failure(readTable(path, { types: { age: 'numeric' } }));
    expect(error).toEqual({ code: 'VIGIL_BAD_VALUE', message: `${path}:4: column "age": "forty" is not a number` });
  });

  it('reports ragged rows with their line', async () => {
    const short = await file('short.csv', 'a,b,c\n1,2,3\n4,5\n');
    expect(await failure(readTable(short))).toEqual({
      code: 'VIGIL_FILE_FORMAT',
      message: `${short}:3: expected 3 fields as in the header, found 2`,
    });
    const long = await file('long.csv', 'a,b\n1,2\n3,4\n5,6,7,8\n');
    expect((await failure(readTable(long))).message).toBe(`${long}:4: expected 2 fields as in the header, found 4`);
  });

  it('reports broken quoting and duplicate header names', async () => {
    const open = await file('open.csv', 'a,b\n1,"never closed\n2,3\n');
    expect(await failure(readTable(open))).toEqual({
      code: 'VIGIL_FILE_FORMAT',
      message: `${open}:2: a quoted field is never closed`,
    });
    const after = await file('after.csv', 'a,b\n1,"x"y\n');
    expect((await failure(readTable(after))).message).toContain(`${after}:2: unexpected text after the closing quote`);
    const twice = await file('twice.csv', 'a,b,a\n1,2,3\n');
    expect(await failure(readTable(twice))).toEqual({
      code: 'VIGIL_FILE_FORMAT',
      message: `${twice}:1: the header names column "a" twice`,
    });
  });

  it('reports empty files and files without data rows', async () => {
    const empty = await file('empty.csv', '');
    expect(await failure(readTable(empty))).toEqual({
      code: 'VIGIL_FILE_EMPTY',
      message: `${empty}: the file is empty`,
    });
    const blank = await file('blank.csv', '\n\r\n');
    expect((await failure(readTable(blank))).code).toBe('VIGIL_FILE_EMPTY');
    const header = await file('header.csv', 'a,b\n\n');
    expect(await failure(readTable(header))).toEqual({
      code: 'VIGIL_FILE_EMPTY',
      message: `${header}: the file has a header but no data rows`,
    });
  });

  it('names the file and its columns when a requested column is missing', async () => {
    const path = join(FIXTURES, 'quoting.csv');
    expect(await failure(readTable(path, { columns: ['id', 'age', 'sex'] }))).toEqual({
      code: 'VIGIL_UNKNOWN_COLUMN',
      message: `${path}:1: no column "age", "sex"; the file has "id", "comment", "amount", "flag"`,
    });
    // The header's own line, after the blank lines the reader skips.
    const late = await file('late-header.csv', '\n\r\nid,amount\n1,2\n');
    expect(await failure(readTable(late, { columns: ['age'] }))).toEqual({
      code: 'VIGIL_UNKNOWN_COLUMN',
      message: `${late}:3: no column "age"; the file has "id", "amount"`,
    });
  });

  it('reads a generated file exactly as a naive parser does', async () => {
    const path = join(dir, 'synthetic.csv');
    await writeSyntheticCsv(path, { rows: 3000, seed: 7 });
    const { table, inferred } = await readTable(path);
    const lines = (await import('node:fs')).readFileSync(path, 'utf8').trimEnd().split('\n');
    const header = lines[0]!.split(',');
    expect(table.rowCount).toBe(lines.length - 1);
    expect(inferred.sex).toBe('categorical');
    header.forEach((name, k) => {
      const expected = lines.slice(1).map((line) => line.split(',')[k]!);
      if (inferred[name] === 'numeric') {
        expect(numbers(table, name)).toEqual(expected.map((cell) => (cell === '' ? Number.NaN : Number(cell))));
      } else {
        expect(texts(table, name)).toEqual(expected);
      }
    });
  });
});

describe('readTable: NDJSON', () => {
  it('reads prediction events, flattening features and groups', async () => {
    const path = join(FIXTURES, 'events.ndjson');
    const { table, inferred } = await readTable(path);
    expect(table.rowCount).toBe(3);
    expect([...table.columns.keys()]).toEqual([
      'model',
      'version',
      'id',
      'ts',
      'age',
      'income',
      'region',
      'score',
      'prediction',
      'label',
      'sex',
      'age_band',
      'meta.source.host',
    ]);
    expect(numbers(table, 'age')).toEqual([41, Number.NaN, 29]);
    // A string makes an inferred column categorical; the number read before it keeps its JSON spelling.
    expect(texts(table, 'income')).toEqual(['52000.5', '1e3', '7']);
    expect(inferred.income).toBe('categorical');
    expect(texts(table, 'region')).toEqual(['north', 'south', null]);
    expect(numbers(table, 'label')).toEqual([Number.NaN, 1, 0]);
    expect(texts(table, 'sex')).toEqual(['female', 'male', null]);
    expect(texts(table, 'age_band')).toEqual(['40-49', '20-29', null]);
    expect(texts(table, 'meta.source.host')).toEqual([null, 'a', null]);
    expect(texts(table, 'ts')).toEqual(['2026-11-22T10:00:00.000Z', '2026-11-22T10:01:00.000Z', '1795341720000']);
    expect(texts(table, 'version')).toEqual(['7', '7', '7']);
  });

  it('parses strings in a column given as numeric, and selects columns', async () => {
    const path = join(FIXTURES, 'events.ndjson');
    const { table, inferred } = await readTable(path, {
      columns: ['income', 'sex', 'label'],
      types: { income: 'numeric', label: 'categorical' },
    });
    expect([...table.columns.keys()]).toEqual(['income', 'sex', 'label']);
    expect(numbers(table, 'income')).toEqual([52000.5, 1000, 7]);
    expect(texts(table, 'label')).toEqual([null, 'true', 'false']);
    expect(inferred).toEqual({ sex: 'categorical' });
  });

  it('reports invalid JSON, non-objects, key conflicts, arrays and bad numbers with the line', async () => {
    const invalid = await file('invalid.ndjson', '{"a":1}\n\n{"a":\n');
    const error = await failure(readTable(invalid));
    expect(error.code).toBe('VIGIL_FILE_FORMAT');
    expect(error.message).toMatch(new RegExp(`^${escape(invalid)}:3: not valid JSON`));
    const scalar = await file('scalar.jsonl', '{"a":1}\n42\n');
    expect((await failure(readTable(scalar))).message).toBe(`${scalar}:2: each line must be one JSON object`);
    const conflict = await file('conflict.ndjson', '{"age":1,"features":{"age":2}}\n');
    expect(await failure(readTable(conflict))).toEqual({
      code: 'VIGIL_FILE_FORMAT',
      message: `${conflict}:1: "features.age" and another key both give column "age"`,
    });
    // A feature that is also a group attribute comes in `features` and in `groups`: one column when they agree.
    const both = await file(
      'both.ndjson',
      '{"features":{"sex":"F","age":30},"groups":{"sex":"F"}}\n{"features":{"sex":"M","age":40},"groups":{"sex":"M"}}\n',
    );
    const read = await readTable(both);
    expect([...read.table.columns.keys()].sort()).toEqual(['age', 'sex']);
    expect(read.table.rowCount).toBe(2);
    const disagree = await file('disagree.ndjson', '{"features":{"sex":"F"},"groups":{"sex":"M"}}\n');
    expect(await failure(readTable(disagree))).toEqual({
      code: 'VIGIL_FILE_FORMAT',
      message: `${disagree}:1: "groups.sex" and another key both give column "sex", with different values ("F" and "M")`,
    });
    const list = await file('list.ndjson', '{"a":1,"tags":[1,2]}\n');
    expect((await failure(readTable(list))).message).toBe(`${list}:1: "tags" is an array, which cannot be a column`);
    expect((await readTable(list, { columns: ['a'] })).table.rowCount).toBe(1);
    const bad = await file('bad.json-lines', '{"age":1}\n{"age":"NA"}\n{"age":"forty"}\n');
    expect(await failure(readTable(bad, { types: { age: 'numeric' } }))).toEqual({
      code: 'VIGIL_BAD_VALUE',
      message: `${bad}:3: column "age": "forty" is not a number`,
    });
    const empty = await file('empty.ndjson', '\n  \n');
    expect((await failure(readTable(empty))).code).toBe('VIGIL_FILE_EMPTY');
    expect((await failure(readTable(join(FIXTURES, 'events.ndjson'), { columns: ['features'] }))).code).toBe(
      'VIGIL_UNKNOWN_COLUMN',
    );
  });
});

describe('readTable: Parquet', () => {
  const expectTyped = (table: Table): void => {
    expect(table.rowCount).toBe(5);
    expect(numbers(table, 'age')).toEqual([41, Number.NaN, 29, 9007199254740992, -5]);
    expect(numbers(table, 'income')).toEqual([52000.5, 0.1, Number.NaN, -1e300, 3]);
    expect(numbers(table, 'score')).toEqual([0.25, 0.5, 0.75, Number.NaN, 1]);
    expect(numbers(table, 'small')).toEqual([1, 2, Number.NaN, 4, 5]);
    expect(texts(table, 'region')).toEqual(['north', null, 'south', 'north', 'é']);
    expect(numbers(table, 'approved')).toEqual([1, 0, Number.NaN, 1, 0]);
    expect(numbers(table, 'ts')).toEqual([
      Date.UTC(2026, 10, 22, 10),
      1,
      Number.NaN,
      -1000,
      Date.UTC(2000, 1, 29, 12, 30, 0, 500),
    ]);
    expect(numbers(table, 'ts_ms')).toEqual([0, 1000, Number.NaN, -1000, 1_700_000_000_123]);
    expect(numbers(table, 'day')).toEqual([
      86_400_000,
      Number.NaN,
      Date.UTC(2026, 10, 22),
      -86_400_000,
      Date.UTC(2000, 0, 1),
    ]);
  };

  it('reads ZSTD-compressed pages across row groups', async () => {
    const { table, inferred } = await readTable(join(FIXTURES, 'typed-zstd.parquet'));
    expectTyped(table);
    expect(inferred).toEqual({
      age: 'numeric',
      income: 'numeric',
      score: 'numeric',
      small: 'numeric',
      region: 'categorical',
      approved: 'numeric',
      ts: 'numeric',
      ts_ms: 'numeric',
      day: 'numeric',
    });
  });

  it('reads Snappy-compressed pages', async () => {
    expectTyped((await readTable(join(FIXTURES, 'typed-snappy.parquet'))).table);
  });

  it('selects columns and applies given types', async () => {
    const { table, inferred } = await readTable(join(FIXTURES, 'typed-zstd.parquet'), {
      columns: ['region', 'age'],
      types: { age: 'categorical' },
    });
    expect([...table.columns.keys()]).toEqual(['region', 'age']);
    expect(texts(table, 'age')).toEqual(['41', null, '29', '9007199254740993', '-5']);
    expect(inferred).toEqual({ region: 'categorical' });
    const bad = await failure(readTable(join(FIXTURES, 'typed-zstd.parquet'), { types: { region: 'numeric' } }));
    expect(bad.code).toBe('VIGIL_BAD_VALUE');
    expect(bad.message).toContain('typed-zstd.parquet: row 1: column "region": "north" is not a number');
    const unknown = await failure(readTable(join(FIXTURES, 'typed-zstd.parquet'), { columns: ['nope'] }));
    expect(unknown.code).toBe('VIGIL_UNKNOWN_COLUMN');
    expect(unknown.message).toContain('the file has "age", "income", "score"');
  });

  it('flattens the features and groups structs of an event log', async () => {
    const { table } = await readTable(join(FIXTURES, 'events.parquet'));
    expect([...table.columns.keys()]).toEqual(['id', 'age', 'region', 'score', 'sex']);
    expect(numbers(table, 'age')).toEqual([41, Number.NaN, 30]);
    expect(texts(table, 'region')).toEqual(['north', 'south', null]);
    expect(texts(table, 'sex')).toEqual(['female', 'male', null]);
  });
});

describe('readTable: files and formats', () => {
  it('reports a missing file with its path', async () => {
    const path = join(dir, 'nope.csv');
    expect(await failure(readTable(path))).toEqual({
      code: 'VIGIL_FILE_NOT_FOUND',
      message: `${path}: cannot be read (no such file)`,
    });
    expect((await failure(readTable(dir))).code).toBe('VIGIL_FILE_NOT_FOUND');
  });

  it('refuses unknown extensions and content that contradicts the extension', async () => {
    const xlsx = await file('book.xlsx', 'a,b\n1,2\n');
    expect((await failure(readTable(xlsx))).code).toBe('VIGIL_FILE_FORMAT');
    const fake = await file('fake.parquet', 'a,b\n1,2\n');
    expect((await failure(readTable(fake))).message).toContain('does not start with the Parquet magic');
    const hidden = await file('hidden.csv', Buffer.from('PAR1\0\0\0\0PAR1'));
    expect((await failure(readTable(hidden))).message).toContain('the file is Parquet but named .csv');
    const broken = await file('broken.parquet', Buffer.from('PAR1 not really'));
    expect((await failure(readTable(broken))).code).toBe('VIGIL_FILE_FORMAT');
    // A Parquet file cut short (a copy stopped midway): said as such, not as hyparquet's "footer != PAR1".
    const whole = await readFile(join(FIXTURES, 'typed-snappy.parquet'));
    const cut = await file('cut.parquet', whole.subarray(0, Math.floor(whole.length / 2)));
    expect(await failure(readTable(cut))).toEqual({
      code: 'VIGIL_FILE_FORMAT',
      message: `${cut}: not a whole Parquet file: it does not end with the Parquet footer (was it cut short?)`,
    });
    const gzip = await file('data.csv', Buffer.from([0x1f, 0x8b, 8, 0, 0]));
    expect((await failure(readTable(gzip))).message).toContain('gzip-compressed');
  });

  it('recognises text formats by content when the extension says nothing', async () => {
    expect((await readTable(await file('events.txt', '{"a":1}\n{"a":2}\n'))).table.rowCount).toBe(2);
    expect(numbers((await readTable(await file('plain', 'a\tb\n1\t2\n'))).table, 'b')).toEqual([2]);
    const unknown = await file('words.txt', 'hello\nworld\n');
    expect((await failure(readTable(unknown))).code).toBe('VIGIL_FILE_FORMAT');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
