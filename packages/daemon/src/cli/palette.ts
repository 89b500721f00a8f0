/** ANSI colours for one output stream: each function wraps its text, or returns it unchanged when colour is off. */
export interface Palette {
  readonly enabled: boolean;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

const identity = (text: string): string => text;
export const NO_COLOR: Palette = {
  enabled: false,
  red: identity,
  green: identity,
  yellow: identity,
  bold: identity,
  dim: identity,
};

const sgr = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
export const ANSI_COLOR: Palette = {
  enabled: true,
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  bold: sgr(1, 22),
  dim: sgr(2, 22),
};

/**
 * Whether to colour a stream: only a terminal (other than TERM=dumb), and neither the `--no-color` flag nor a
 * non-empty NO_COLOR (https://no-color.org) says no. FORCE_COLOR is not honoured: jest's workers set it whenever
 * the developer's terminal has colour, and every test that runs the built CLI and reads its output would then
 * read escape codes.
 */
export function useColor(
  isTTY: boolean,
  env: Readonly<Record<string, string | undefined>>,
  noColorFlag = false,
): boolean {
  if (noColorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY && env.TERM !== 'dumb';
}

export function palette(enabled: boolean): Palette {
  return enabled ? ANSI_COLOR : NO_COLOR;
}
