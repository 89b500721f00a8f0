/**
 * Text as the receivers count and parse it. Model ids, feature names, reasons and actors are data: they are cut by
 * code points (a cut in UTF-16 units can leave a lone surrogate, which some receivers refuse), and escaped where the
 * receiver gives characters a meaning (Slack's `&`, `<`, `>`).
 */
import { createHash } from 'node:crypto';

const ELLIPSIS = '…';

/** Lone surrogates (text that is not valid UTF-16) as U+FFFD, as `String.prototype.toWellFormed` does. */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/**
 * `text` cut between code points to at most `max` UTF-16 units, ending in `…` when cut; lone surrogates become
 * U+FFFD first. UTF-16 units are never fewer than code points, so the text fits a limit of `max` "characters"
 * however the receiver counts them, and a cut never leaves half a surrogate pair.
 */
export function truncateText(text: string, max: number): string {
  const whole = wellFormed(text);
  if (whole.length <= max) return whole;
  let out = '';
  for (const point of whole) {
    if (out.length + point.length + ELLIPSIS.length > max) break;
    out += point;
  }
  return `${out}${ELLIPSIS}`;
}

/**
 * Slack's control characters as entities (docs.slack.dev/messaging/formatting-message-text#escaping): `&`, `<`
 * and `>` must be escaped unless they are used for their control purpose (links Vigil builds itself), so a
 * feature named `psi(x<y>&z)` prints as typed and a reason saying `<!channel>` pings nobody.
 */
export function escapeSlack(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/**
 * `escapeSlack(text)` cut at a code point to at most `max` UTF-16 units of escaped text, without splitting an
 * entity: Slack's limits count the text as sent, and UTF-16 units are never fewer than the characters it counts.
 */
export function slackText(text: string, max: number): string {
  const whole = wellFormed(text);
  const escaped = escapeSlack(whole);
  if (escaped.length <= max) return escaped;
  let out = '';
  for (const point of whole) {
    const e = escapeSlack(point);
    if (out.length + e.length + ELLIPSIS.length > max) break;
    out += e;
  }
  return `${out}${ELLIPSIS}`;
}

/** PagerDuty's limit on `dedup_key` (developer.pagerduty.com, Events API v2, "Send an Alert Event"). */
export const PAGERDUTY_DEDUP_KEY_MAX = 255;

/**
 * The PagerDuty `dedup_key` of a Vigil dedup key: the key itself when it fits in 255 characters, else a readable
 * prefix, `#` and 32 hex digits of its SHA-256 — the same for every event of the subject, so trigger, acknowledge
 * and resolve still meet. Measured in UTF-8 bytes, which is never less than code points or UTF-16 units, so the key
 * fits however PagerDuty counts.
 */
export function pagerdutyDedupKey(key: string): string {
  const whole = wellFormed(key);
  if (Buffer.byteLength(whole) <= PAGERDUTY_DEDUP_KEY_MAX) return whole;
  const suffix = `#${createHash('sha256').update(whole).digest('hex').slice(0, 32)}`;
  let prefix = '';
  let bytes = 0;
  for (const point of whole) {
    const size = Buffer.byteLength(point);
    if (bytes + size + suffix.length > PAGERDUTY_DEDUP_KEY_MAX) break;
    prefix += point;
    bytes += size;
  }
  return `${prefix}${suffix}`;
}
