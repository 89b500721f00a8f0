import { didYouMean } from './config/config-problems';
import { VigilError } from './errors';

/** Names listed before the rest are counted: a 1,000-column file would otherwise fill the screen with its header. */
const MAX_LISTED = 30;

/**
 * The one `VIGIL_UNKNOWN_COLUMN` for a column a file lacks, wherever it is found (a file reader, the report's
 * checks, a fit): `cur.csv:1: no column "age", "sex"; the file has "id", "amount"`. Names are quoted, so one holding
 * a comma or a space reads as one name, and a near miss is suggested (`no column "regoin" (did you mean "region"?)`);
 * `where` is `file`, or `file:line` when the header has a line.
 * `details` holds `missing`, `available` and whatever the caller adds (file, line); `hint`, a way out, ends the line.
 */
export function unknownColumnError(
  where: string,
  missing: readonly string[],
  available: readonly string[],
  options: { details?: Readonly<Record<string, unknown>>; hint?: string } = {},
): VigilError {
  const quote = (names: readonly string[]): string => names.map((name) => JSON.stringify(name)).join(', ');
  // A near miss among the file's names (a typo, another case) is named beside the one asked for.
  const asked = missing
    .map((name) => {
      const near = didYouMean(name, available);
      return `${JSON.stringify(name)}${near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`}`;
    })
    .join(', ');
  const listed = available.slice(0, MAX_LISTED);
  const more = available.length - listed.length;
  const has =
    available.length === 0
      ? 'no columns'
      : `${quote(listed)}${more > 0 ? ` and ${more.toLocaleString('en-US')} more` : ''}`;
  const hint = options.hint === undefined ? '' : `; ${options.hint}`;
  return new VigilError('VIGIL_UNKNOWN_COLUMN', `${where}: no column ${asked}; the file has ${has}${hint}`, {
    details: { ...options.details, missing: [...missing], available: [...available] },
  });
}
