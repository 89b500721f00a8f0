/**
 * A word as a POSIX shell reads it back: bare when it holds only plain characters, else single-quoted (`$score`,
 * a path with spaces). For the commands Vigil prints for people to copy.
 */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
