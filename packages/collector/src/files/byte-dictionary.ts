/**
 * Dictionary encoding of category values keyed by their UTF-8 bytes, so a CSV reader can encode a million cells
 * without creating a million strings: only the first occurrence of each category is decoded. An open-addressing
 * hash table over a byte arena; strings (from NDJSON, Parquet or an escaped CSV cell) go through a small cache.
 */
export class ByteDictionary {
  readonly categories: string[] = [];
  private arena = new Uint8Array(1024);
  private arenaLength = 0;
  private starts = new Int32Array(64);
  private hashes = new Int32Array(64);
  /** Slot → code + 1; 0 is an empty slot. */
  private slots = new Int32Array(128);
  private readonly byString = new Map<string, number>();

  get size(): number {
    return this.categories.length;
  }

  /** The code of `bytes[start, end)`, adding it as a new category when unseen. */
  codeOfBytes(bytes: Uint8Array, start: number, end: number): number {
    let hash = 0x811c9dc5 | 0;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    const length = end - start;
    for (;;) {
      const entry = this.slots[slot]!;
      if (entry === 0) break;
      const code = entry - 1;
      if (this.hashes[code] === hash && this.equals(code, bytes, start, length)) return code;
      slot = (slot + 1) & mask;
    }
    return this.add(bytes, start, end, hash, slot);
  }

  codeOfString(value: string): number {
    const known = this.byString.get(value);
    if (known !== undefined) return known;
    const bytes = Buffer.from(value, 'utf8');
    const code = this.codeOfBytes(bytes, 0, bytes.length);
    // Bounded so a column of unique strings (ids, timestamps) does not keep a second copy of each.
    if (this.byString.size < 65536) this.byString.set(value, code);
    return code;
  }

  private equals(code: number, bytes: Uint8Array, start: number, length: number): boolean {
    const from = this.starts[code]!;
    const to = code + 1 < this.categories.length ? this.starts[code + 1]! : this.arenaLength;
    if (to - from !== length) return false;
    const arena = this.arena;
    for (let i = 0; i < length; i++) if (arena[from + i] !== bytes[start + i]) return false;
    return true;
  }

  private add(bytes: Uint8Array, start: number, end: number, hash: number, slot: number): number {
    const code = this.categories.length;
    const length = end - start;
    if (this.arenaLength + length > this.arena.length) {
      const grown = new Uint8Array(Math.max(this.arena.length * 2, this.arenaLength + length));
      grown.set(this.arena.subarray(0, this.arenaLength));
      this.arena = grown;
    }
    this.arena.set(bytes.subarray(start, end), this.arenaLength);
    if (code === this.starts.length) {
      this.starts = grow(this.starts);
      this.hashes = grow(this.hashes);
    }
    this.starts[code] = this.arenaLength;
    this.hashes[code] = hash;
    this.arenaLength += length;
    this.categories.push(Buffer.from(bytes.buffer, bytes.byteOffset + start, length).toString('utf8'));
    this.slots[slot] = code + 1;
    // Keep the load factor at most 1/2 so probe sequences stay short.
    if (this.categories.length * 2 > this.slots.length) this.rehash();
    return code;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let code = 0; code < this.categories.length; code++) {
      let slot = this.hashes[code]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = code + 1;
    }
    this.slots = slots;
  }
}

function grow(array: Int32Array): Int32Array {
  const grown = new Int32Array(array.length * 2);
  grown.set(array);
  return grown;
}
