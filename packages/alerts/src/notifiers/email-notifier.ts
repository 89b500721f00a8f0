/**
 * E-mail over SMTP with nodemailer. The Message-ID is derived from the notification id, so a retried e-mail is
 * the same message to every mail system that de-duplicates, and `X-Vigil-Dedup-Key` carries the incident's key.
 */
import type * as Nodemailer from 'nodemailer';
import { deliveryError, type Notifier } from './notifier';
import { summary } from './payload';

export function emailNotifier(
  target: string,
  smtp: { url: string; from: string },
  to: readonly string[],
  timeoutMs: number,
): Notifier {
  // Loaded when an e-mail target is configured, not with the package: nodemailer took ~0.05 s of every `vigil run`'s
  // start-up, e-mail or not (docs/benchmarks.md, "The start-up's modules and configuration").
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createTransport } = require('nodemailer') as typeof Nodemailer;
  const transport = createTransport(smtp.url, {
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    type: 'email',
    async send(n, signal) {
      if (signal.aborted) throw deliveryError(target, 'delivery aborted (shutting down)', true);
      const p = n.payload;
      const links =
        n.kind === 'incident' ? [n.payload.links.incident, n.payload.links.dashboard] : [n.payload.links.review];
      const text = [
        summary(n),
        '',
        JSON.stringify(p, null, 2),
        '',
        ...links.filter((l): l is string => typeof l === 'string'),
      ].join('\n');
      try {
        await transport.sendMail({
          from: smtp.from,
          to: [...to],
          subject: `Vigil: ${summary(n)}`.slice(0, 250),
          text,
          messageId: `<${p.notificationId}@vigil.invalid>`,
          headers: { 'X-Vigil-Dedup-Key': p.dedupKey, 'X-Vigil-Notification-Id': p.notificationId },
        });
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        // 5xx SMTP replies are permanent refusals (unknown mailbox); connection problems and 4xx are worth retrying.
        throw deliveryError(
          target,
          `SMTP delivery failed (${(error as Error).message})`,
          code === undefined || code < 500,
          error,
        );
      }
    },
    async close() {
      transport.close();
    },
  };
}
