import { byteaArrayParam, float8ArrayParam, int8ArrayParam, textArrayParam } from '../../src/batch/array-params';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

describe.each(BACKENDS)('binary array parameters on %s', (kind) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await openBackend(kind, 'arrayparams');
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it('arrive as the arrays they encode, element for element', async () => {
    const client = await backend.newClient();
    const texts = [
      'plain',
      '',
      'a"b',
      'back\\slash',
      'comma,{brace}',
      'NULL',
      null,
      'ünï ✓ 😀',
      "x'); DROP TABLE t; --",
    ];
    const ints = [
      0,
      1,
      -1,
      1_764_000_000_123,
      -62_135_596_800_000,
      2 ** 53 - 1,
      -(2 ** 53) + 1,
      4_294_967_296,
      -4_294_967_297,
    ];
    const floats = [
      0.1,
      -0,
      1e-310,
      Number.MAX_VALUE,
      Infinity,
      -Infinity,
      Number.NaN,
      null,
      undefined,
      0.30000000000000004,
    ];
    const result = await client.query<{ t: string | null; i: string; f: number | string | null }>(
      `SELECT t, i::text AS i, f FROM unnest($1::text[], $2::int8[], $3::float8[]) AS u(t, i, f)`,
      [textArrayParam(texts), int8ArrayParam(ints), float8ArrayParam(floats)],
    );
    const rows = result.rows;
    expect(rows.map((r) => r.t)).toEqual([...texts, null]);
    expect(rows.slice(0, ints.length).map((r) => r.i)).toEqual(ints.map((v) => String(v)));
    const f = rows.map((r) => (r.f === null ? null : Number(r.f)));
    expect(f).toEqual([0.1, -0, 1e-310, Number.MAX_VALUE, Infinity, -Infinity, null, null, null, 0.30000000000000004]);
  });

  it('sends NaN in an int8 array as NULL, and the integers beside it as they are', async () => {
    const client = await backend.newClient();
    const ints = [Number.NaN, 5, -(2 ** 53) + 1, Number.NaN, 0];
    const result = await client.query<{ i: string | null }>('SELECT i::text AS i FROM unnest($1::int8[]) AS u(i)', [
      int8ArrayParam(ints),
    ]);
    expect(result.rows.map((r) => r.i)).toEqual([null, '5', String(-(2 ** 53) + 1), null, '0']);
    // An array of NULLs only, as a batch of slim index rows among others sends its buckets.
    const nulls = await client.query<{ n: string; c: string }>(
      'SELECT cardinality($1::int8[])::text AS n, count(x)::text AS c FROM unnest($1::int8[]) AS u(x)',
      [int8ArrayParam([Number.NaN, Number.NaN, Number.NaN])],
    );
    expect(nulls.rows).toEqual([{ n: '3', c: '0' }]);
  });

  it('sends bytea byte for byte', async () => {
    const client = await backend.newClient();
    const values = [Buffer.from([0, 1, 2, 255, 0x5c, 0x27]), Buffer.alloc(0), Buffer.from('ünï ✓ 😀', 'utf8')];
    // A view into a larger buffer as well: only its own bytes are sent.
    const inner = Buffer.from([9, 9, 7, 0, 7, 9]).subarray(2, 5);
    const result = await client.query<{ hex: string; n: number }>(
      "SELECT encode(b, 'hex') AS hex, octet_length(b)::int AS n FROM unnest($1::bytea[]) AS u(b)",
      [byteaArrayParam([...values, inner])],
    );
    expect(result.rows.map((r) => r.hex)).toEqual([...values.map((v) => v.toString('hex')), '070007']);
    expect(result.rows.map((r) => r.n)).toEqual([6, 0, values[2]!.length, 3]);
  });
});
