/**
 * Reads a flat numeric Parquet column (DOUBLE, FLOAT, INT32 or INT64 with no logical type, required or optional)
 * straight into a Float64Array, page by page, with a typed decoder for v1 pages (parquet-typed-page.ts) and
 * hyparquet's page decoders for the rest: no JS array of boxed values per
 * column chunk and no Dremel list assembly, which is what hyparquet's row-oriented `parquetRead` costs on a column
 * with nulls (over half the CPU of reading a 100k × 1,000 file). Anything else — nested, repeated, converted types,
 * booleans, strings — returns false and goes through `parquetRead` as before.
 */
import type { AsyncBuffer, ColumnChunk, FileMetaData, SchemaTree } from 'hyparquet';
import { parquetPageKernel, type ParquetPageKernel } from './parquet-page-kernel';
import { decodeTypedPage, readPlainNumbers, type TypedNumber } from './parquet-typed-page';

const NUMBER_TYPES = new Set(['DOUBLE', 'FLOAT', 'INT32', 'INT64']);

type Values = ArrayLike<number | bigint>;
interface Reader {
  view: DataView;
  offset: number;
}
interface PageHeader {
  type: string;
  uncompressed_page_size: number;
  compressed_page_size: number;
  data_page_header?: { num_values: number; encoding: string };
  data_page_header_v2?: { num_values: number; encoding: string };
  dictionary_page_header?: { num_values: number };
}
/** The parts of hyparquet's page-level modules used here (hyparquet/src/*.js, exported by its package). */
interface PageModules {
  parquetHeader(reader: Reader): PageHeader;
  readDataPage(
    bytes: Uint8Array,
    header: NonNullable<PageHeader['data_page_header']>,
    decoder: unknown,
  ): { definitionLevels: number[]; dataPage: Values };
  readDataPageV2(
    bytes: Uint8Array,
    header: PageHeader,
    decoder: unknown,
  ): { definitionLevels: number[]; dataPage: Values };
  decompressPage(bytes: Uint8Array, size: number, codec: string, compressors: unknown): Uint8Array;
  getTreePath(tree: SchemaTree, name: string[]): SchemaTree[];
  getMaxDefinitionLevel(path: SchemaTree[]): number;
  getMaxRepetitionLevel(path: SchemaTree[]): number;
}

let modules: Promise<PageModules> | undefined;
let loaded: PageModules | undefined;

/** Loads hyparquet's page-level modules (ES modules, so asynchronously) once per thread. */
export function pageModules(): Promise<PageModules> {
  modules ??= Promise.all([
    import('hyparquet/src/column.js' as string),
    import('hyparquet/src/datapage.js' as string),
    import('hyparquet/src/schema.js' as string),
  ]).then(([column, datapage, schema]) => (loaded = { ...column, ...datapage, ...schema } as PageModules));
  return modules;
}

function loadedPageModules(): PageModules {
  if (loaded === undefined) throw new Error('hyparquet page modules used before pageModules() loaded them');
  return loaded;
}

const toNumber = (v: number | bigint): number => (typeof v === 'bigint' ? Number(v) : v);

interface Lookup {
  tree: SchemaTree;
  /** Per row group, each column chunk by its dotted path. */
  chunks: Map<string, ColumnChunk>[];
}
/**
 * The schema tree and the chunks by path, built once a file: hyparquet's getSchemaPath rebuilds the whole tree and
 * a `find` over a row group's chunks is linear, so per column of a 1,000-column file both were quadratic.
 */
const lookups = new WeakMap<FileMetaData, Lookup>();

function lookup(metadata: FileMetaData, tree: () => SchemaTree): Lookup {
  let found = lookups.get(metadata);
  if (found === undefined) {
    found = {
      tree: tree(),
      chunks: metadata.row_groups.map(
        (group) => new Map(group.columns.map((c: ColumnChunk) => [c.meta_data?.path_in_schema.join('.') ?? '', c])),
      ),
    };
    lookups.set(metadata, found);
  }
  return found;
}

/**
 * A file that can also read a byte range into a buffer it reuses (parquet-reader.ts gives one): the view returned
 * holds until its next call. Without it every column chunk of a 1,000-column file was a new ArrayBuffer (zeroed,
 * page-faulted in, and then garbage for the collector to find), ~0.4 GB a 100k-row file.
 */
export interface ChunkedFile extends AsyncBuffer {
  readChunk?(start: number, end: number): Promise<Uint8Array>;
}

/**
 * Per thread: the last dictionary's values, reused by the next chunk's. A chunk's pages are decoded with no await
 * between them, so two files read at once on one thread (bytes in hand) cannot interleave their dictionaries.
 */
let dictionaryScratch = new Float64Array(0);

/** Pages decoded by the typed decoder (parquet-typed-page.ts) and by hyparquet's, counted for tests. */
export interface LeafPageCounts {
  /** Typed, by encoding (PLAIN, RLE_DICTIONARY, PLAIN_DICTIONARY). */
  typed: Record<string, number>;
  general: number;
}

/** What decoding a flat number column needs, found once per column ({@link numericLeafPlan}). */
export interface NumericLeafPlan {
  path: string[];
  type: TypedNumber;
  maxDefinition: number;
  /** hyparquet's column decoder, for the pages the typed decoder does not take. */
  decoder: { columnName: string; type: string; element: unknown; schemaPath: SchemaTree[]; parsers: object };
  /** Per row group: its column chunk's metadata (undefined when the group lacks the column) and its rows. */
  groups: { chunk: ColumnChunk['meta_data']; rows: number }[];
}

/** The plan to decode the column at `path`, or undefined when it is not a flat plain number column. */
export async function numericLeafPlan(metadata: FileMetaData, path: string[]): Promise<NumericLeafPlan | undefined> {
  await pageModules();
  const { parquetSchema } = await import('hyparquet');
  return numericLeafPlanSync(metadata, path, parquetSchema);
}

/** {@link numericLeafPlan} once hyparquet's modules are loaded ({@link pageModules}). */
export function numericLeafPlanSync(
  metadata: FileMetaData,
  path: string[],
  parquetSchema: (metadata: FileMetaData) => SchemaTree,
): NumericLeafPlan | undefined {
  const m = loadedPageModules();
  const { tree, chunks } = lookup(metadata, () => parquetSchema(metadata));
  const schemaPath = m.getTreePath(tree, path);
  const element = schemaPath[schemaPath.length - 1]?.element;
  if (element === undefined || element.type === undefined || !NUMBER_TYPES.has(element.type)) return undefined;
  if (element.converted_type !== undefined || element.logical_type !== undefined) return undefined;
  if (m.getMaxRepetitionLevel(schemaPath) !== 0 || schemaPath.length !== 2) return undefined;
  const dotted = path.join('.');
  return {
    path,
    type: element.type as TypedNumber,
    maxDefinition: m.getMaxDefinitionLevel(schemaPath),
    decoder: { columnName: dotted, type: element.type, element, schemaPath, parsers: {} },
    groups: metadata.row_groups.map((group, g) => ({
      chunk: chunks[g]!.get(dotted)?.meta_data,
      rows: Number(group.num_rows),
    })),
  };
}

/** The byte range [start, end) of row group `g`'s column chunk in the file. */
export function chunkRange(plan: NumericLeafPlan, g: number): [number, number] {
  const chunk = plan.groups[g]!.chunk!;
  const start = Number(chunk.dictionary_page_offset ?? chunk.data_page_offset);
  return [start, start + Number(chunk.total_compressed_size)];
}

/**
 * Fills `out` (one value per row, NaN for null) with the column at `path`; false when the column is not a flat
 * plain number column and nothing was read. v1 data pages, PLAIN or dictionary-coded, take the typed decoder;
 * other pages (v2, delta or byte-stream-split encodings) hyparquet's.
 */
export async function readNumericLeaf(
  file: ChunkedFile,
  metadata: FileMetaData,
  path: string[],
  out: Float64Array,
  compressors: unknown,
  counts?: LeafPageCounts,
): Promise<boolean> {
  const plan = await numericLeafPlan(metadata, path);
  if (plan === undefined || plan.groups.some((group) => group.chunk === undefined)) return false;
  let rowStart = 0;
  for (let g = 0; g < plan.groups.length; g++) {
    const [start, stop] = chunkRange(plan, g);
    const bytes = file.readChunk ? await file.readChunk(start, stop) : new Uint8Array(await file.slice(start, stop));
    if (!decodeLeafGroup(plan, g, bytes, out, rowStart, compressors, counts)) return false;
    rowStart += plan.groups[g]!.rows;
  }
  return true;
}

/**
 * Decodes row group `g` of the column from its chunk's `bytes` into `out[rowStart, rowStart + rows)`; false when a
 * page does not fit the group or a dictionary-coded page comes without a dictionary (the caller then reads the
 * column another way). Synchronous, so that a column decoded from its Parquet file by a column job
 * (parquet-column-source.ts) needs no event loop between its sorts.
 */
export function decodeLeafGroup(
  plan: NumericLeafPlan,
  g: number,
  bytes: Uint8Array,
  out: Float64Array,
  rowStart: number,
  compressors: unknown,
  counts?: LeafPageCounts,
): boolean {
  const m = loadedPageModules();
  const { type, maxDefinition } = plan;
  const chunk = plan.groups[g]!.chunk!;
  const decoder = { ...plan.decoder, codec: chunk.codec, compressors };
  const reader: Reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  let dictionary: Values | undefined;
  let typedDictionary: Float64Array | undefined;
  // A Snappy chunk's dictionary and pages go to the WebAssembly kernel (decision 0053) once its memory is laid out
  // for the chunk, at the dictionary page; a page the kernel does not take is decoded as before.
  const snappy = chunk.codec === 'SNAPPY' ? parquetPageKernel() : undefined;
  let kernel: ParquetPageKernel | undefined;
  let row = rowStart;
  const end = rowStart + plan.groups[g]!.rows;
  while (row < end && reader.offset < bytes.length) {
    const header = m.parquetHeader(reader);
    const body = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    let page: { definitionLevels: number[]; dataPage: Values };
    let count: number;
    let encoding: string;
    if (header.type === 'DICTIONARY_PAGE') {
      const size = header.dictionary_page_header!.num_values;
      kernel = snappy?.layout(
        size,
        Number(chunk.total_compressed_size),
        Number(chunk.total_uncompressed_size),
        plan.groups[g]!.rows,
      )
        ? snappy
        : undefined;
      // DOUBLEs are decompressed straight into the kernel's dictionary (their bytes are the values).
      typedDictionary =
        type === 'DOUBLE' && header.uncompressed_page_size === 8 * size
          ? kernel?.decompressDictionary(body, size)
          : undefined;
      if (typedDictionary === undefined) {
        const plain =
          kernel?.decompress(body, header.uncompressed_page_size) ??
          m.decompressPage(body, header.uncompressed_page_size, chunk.codec, compressors);
        if (kernel === undefined && dictionaryScratch.length < size)
          dictionaryScratch = new Float64Array(Math.max(size, dictionaryScratch.length * 2));
        typedDictionary = readPlainNumbers(plain, 0, type, size, kernel?.dictionary(size) ?? dictionaryScratch);
      }
      dictionary = typedDictionary;
      continue;
    } else if (header.type === 'DATA_PAGE') {
      const daph = header.data_page_header!;
      if (row + daph.num_values > end) return false;
      const bytes =
        kernel?.decompress(body, header.uncompressed_page_size) ??
        m.decompressPage(body, header.uncompressed_page_size, chunk.codec, compressors);
      const typed = decodeTypedPage(
        bytes,
        daph.encoding,
        type,
        maxDefinition,
        daph.num_values,
        typedDictionary,
        out,
        row,
        kernel,
      );
      if (typed) {
        row += daph.num_values;
        if (counts) counts.typed[daph.encoding] = (counts.typed[daph.encoding] ?? 0) + 1;
        continue;
      }
      page = m.readDataPage(bytes, daph, decoder);
      count = daph.num_values;
      encoding = daph.encoding;
    } else if (header.type === 'DATA_PAGE_V2') {
      page = m.readDataPageV2(body, header, decoder);
      count = header.data_page_header_v2!.num_values;
      encoding = header.data_page_header_v2!.encoding;
    } else {
      continue;
    }
    if (counts) counts.general++;
    const coded = encoding.endsWith('DICTIONARY') || encoding === 'RLE';
    if (coded && dictionary === undefined) return false;
    const levels = page.definitionLevels;
    const values = page.dataPage;
    const all = levels.length === 0 || maxDefinition === 0;
    let k = 0;
    for (let i = 0; i < count; i++, row++) {
      if (!all && levels[i]! < maxDefinition) {
        out[row] = Number.NaN;
        continue;
      }
      const v = values[k++]!;
      out[row] = toNumber(coded ? dictionary![v as number]! : v);
    }
  }
  return row === end;
}
