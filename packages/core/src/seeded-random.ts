/**
 * A seeded generator of uniform numbers in [0, 1) that can also shuffle (see {@link seededRandom}).
 */
export interface SeededRandom {
  (): number;
  /**
   * Sets `order[0, length)` to 0, 1, …, length − 1 and shuffles it by Fisher–Yates from the end: for r = length − 1
   * down to 1, j = ⌊u·(r + 1)⌋ with u the generator's next number, then order[r] and order[j] are swapped. The same
   * permutation as that loop written with calls to the generator, to the bit, and the generator is left where those
   * calls leave it. Why: mulberry32's step is written inline, and a call a draw was half the CPU of the surrogate's
   * permutation importance (25,000 shuffles of ~7,400 rows in a 1,000-column report; decision 0042).
   */
  shuffle(order: Int32Array, length: number): void;
  /**
   * mulberry32's state (an unsigned 32-bit counter that each draw advances by 0x6d2b79f5), and setting it: for a
   * kernel that draws the same numbers outside this closure (the surrogate's permutation in WebAssembly, decision
   * 0050) and hands the generator back where its draws left it.
   */
  getState(): number;
  setState(state: number): void;
}

/**
 * mulberry32: a small seeded generator of uniform numbers in [0, 1), so a demo's split, a test's events or a fuzz
 * run's mutations are the same on every machine and every run.
 */
export function seededRandom(seed: number): SeededRandom {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const shuffle = (order: Int32Array, length: number): void => {
    let s = a;
    for (let r = 0; r < length; r++) order[r] = r;
    for (let r = length - 1; r > 0; r--) {
      // `next` inline, on a local copy of its state.
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const j = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (r + 1));
      const kept = order[r] as number;
      order[r] = order[j] as number;
      order[j] = kept;
    }
    a = s;
  };
  const getState = (): number => a;
  const setState = (state: number): void => {
    a = state >>> 0;
  };
  return Object.assign(next, { shuffle, getState, setState });
}

/**
 * `order[0, length)` set to 0 … length − 1 and shuffled by Fisher–Yates from the end with one draw of `random` a
 * step: what a {@link SeededRandom}'s `shuffle` does inline, for any generator.
 */
export function fisherYates(order: Int32Array, length: number, random: () => number): void {
  for (let r = 0; r < length; r++) order[r] = r;
  for (let r = length - 1; r > 0; r--) {
    const j = Math.floor(random() * (r + 1));
    const t = order[r] as number;
    order[r] = order[j] as number;
    order[j] = t;
  }
}
