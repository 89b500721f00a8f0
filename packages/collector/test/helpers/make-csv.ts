import { createWriteStream } from 'node:fs';

/**
 * Writes a synthetic CSV shaped like a `vigil report` input: `numeric` float features (some missing), a score,
 * a 0/1 label and two string group columns. Deterministic for a seed, so tests and benchmarks can compare runs.
 */
export interface SyntheticCsvOptions {
  rows: number;
  /** @defaultValue 20 */
  numeric?: number;
  /** @defaultValue 1 */
  seed?: number;
}

export const GROUP_VALUES = { sex: ['female', 'male'], region: ['north', 'south', 'east', 'west', 'centre'] } as const;

export async function writeSyntheticCsv(path: string, options: SyntheticCsvOptions): Promise<void> {
  const numeric = options.numeric ?? 20;
  let state = options.seed ?? 1;
  // xorshift32: fast and reproducible; quality does not matter for a parser benchmark.
  const random = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const out = createWriteStream(path);
  const write = (text: string): Promise<void> =>
    out.write(text) ? Promise.resolve() : new Promise((resolve) => out.once('drain', () => resolve()));
  const header = [...Array.from({ length: numeric }, (_, i) => `f${i}`), 'score', 'label', 'sex', 'region'];
  await write(`${header.join(',')}\n`);
  let chunk = '';
  for (let row = 0; row < options.rows; row++) {
    const cells: string[] = [];
    for (let i = 0; i < numeric; i++) {
      const r = random();
      if (r < 0.01) cells.push('');
      else if (i % 4 === 0) cells.push(String(Math.floor(r * 100)));
      // Full-precision doubles, as pandas writes them, exercise the parser's slow path.
      else if (i % 4 === 1) cells.push(String((r - 0.5) * 10 ** (i % 5)));
      else cells.push(((r - 0.5) * 10 ** (i % 6)).toFixed(i % 7));
    }
    const score = random();
    cells.push(score.toFixed(6), random() < score ? '1' : '0');
    cells.push(GROUP_VALUES.sex[Math.floor(random() * 2)]!, GROUP_VALUES.region[Math.floor(random() * 5)]!);
    chunk += `${cells.join(',')}\n`;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}
