/**
 * The warn line of `vigil run` about dead letters (docs/events.md, "Bad input"): without it bad input
 * is silent in the log, seen only on GET /metrics and with `vigil dlq list`. One line per topic per batch that
 * committed some, but at most one per topic every `everyMs`: what comes sooner is added up and said with the next
 * line (or at the next `flush`, which the maintenance passes and the stop call). The line holds the count, the
 * codes with their counts and the first reason (capped, a field's value told by its kind); never a message's value or key.
 */
import type { DeadLetter } from '@vigil/collector';
import type { Logger } from '@vigil/core';

/** @defaultValue 10 s: a burst of bad input costs a line every 10 s per topic, not one a batch. */
export const DEAD_LETTER_LOG_EVERY_MS = 10_000;
/** The first reason is quoted up to this many characters (a reason holds at most 500). */
const REASON_LIMIT = 200;

/**
 * A stored reason as the log shows it: capped, without the piece of the message that JSON.parse quotes (`Unexpected
 * token 'n', "{not json" is not valid JSON`), and with a field's value told by its kind (`expected a number, got
 * "41"` → `got a string`), so that no part of a raw payload (a feature's value may be personal data) reaches the log.
 * `vigil dlq list` shows the reasons whole. An unknown model's id stays: it names the producer's mistake.
 */
export function loggable(reason: string): string {
  const cleaned = reason
    .replace(/, ".*"(?:\.\.\.)? is not valid JSON/s, '')
    .replace(/\bgot "(?:[^"\\]|\\.)*"/g, 'got a string')
    .replace(/\bgot -?(?:\d|Infinity|NaN)[^\s,;)]*/g, 'got a number');
  return cleaned.length > REASON_LIMIT ? `${cleaned.slice(0, REASON_LIMIT - 1)}…` : cleaned;
}

interface Pending {
  count: number;
  batches: number;
  codes: Map<string, number>;
  first: { partition: number; offset: string; reason: string };
}

export class DeadLetterLog {
  private readonly pending = new Map<string, Pending>();
  private readonly saidAt = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly everyMs = DEAD_LETTER_LOG_EVERY_MS,
  ) {}

  /** The dead letters of one committed batch (of one topic); said now unless the topic's last line is too recent. */
  add(letters: readonly DeadLetter[]): void {
    const first = letters[0];
    if (first === undefined) return;
    const topic = first.topic;
    const p = this.pending.get(topic) ?? {
      count: 0,
      batches: 0,
      codes: new Map<string, number>(),
      first: { partition: first.partition, offset: first.offset, reason: first.reason },
    };
    p.count += letters.length;
    p.batches += 1;
    for (const d of letters) p.codes.set(d.code, (p.codes.get(d.code) ?? 0) + 1);
    this.pending.set(topic, p);
    if (this.now() - (this.saidAt.get(topic) ?? -Infinity) >= this.everyMs) this.say(topic, p);
  }

  /** Says what waits: of the topics whose last line is old enough, or all of them (`all`, at stop). */
  flush(all = false): void {
    for (const [topic, p] of [...this.pending]) {
      if (all || this.now() - (this.saidAt.get(topic) ?? -Infinity) >= this.everyMs) this.say(topic, p);
    }
  }

  private say(topic: string, p: Pending): void {
    this.pending.delete(topic);
    this.saidAt.set(topic, this.now());
    const codes = [...p.codes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const reason = loggable(p.first.reason);
    this.logger.warn(
      {
        topic,
        deadLetters: p.count,
        batches: p.batches,
        codes: Object.fromEntries(codes),
        first: { partition: p.first.partition, offset: p.first.offset, reason },
      },
      `${p.count} ${p.count === 1 ? 'message' : 'messages'} of ${topic} dead-lettered${p.batches > 1 ? ` in ${p.batches} batches` : ''} (${codes.map(([code, n]) => `${code} ×${n}`).join(', ')}); the first, partition ${p.first.partition} offset ${p.first.offset}: ${reason}; vigil dlq list shows them`,
    );
  }
}
