/**
 * The demo model owner's webhook: a loopback HTTP endpoint that receives the notifications the alerting service
 * delivers (the generic webhook payload of docs/alerts.md) and hands each to a callback. The alerts therefore
 * travel the real way — rule, incident, outbox, relay, queue, notifier, HTTP — and only then reach the terminal.
 */
import { createServer, type Server } from 'node:http';
import { breaches, comparisonText, formatNumber } from '@vigil/alerts';
import type { IncidentPayload } from '@vigil/alerts';

/**
 * What the receiver reads of a notification: the alerts' webhook payload (docs/alerts.md), of which it prints the
 * subject, the value and the windows; the other fields may be absent (a notice from an older Vigil, the tests).
 */
export type ReceivedAlert = Pick<
  IncidentPayload,
  'incidentId' | 'status' | 'severity' | 'model' | 'version' | 'metric' | 'feature' | 'group' | 'value' | 'threshold'
> &
  Partial<Pick<IncidentPayload, 'comparison' | 'window' | 'resolution' | 'lastBreach' | 'resolvedBy'>> & {
    /** A notification group's notice: every subject it tells of (docs/alerts.md, "Notification groups"). */
    subjects?: ReadonlyArray<Omit<ReceivedAlert, 'subjects'>> | null;
  };

export interface AlertReceiver {
  readonly url: string;
  readonly received: ReceivedAlert[];
  close(): Promise<void>;
}

const MAX_BODY = 1_000_000;

export async function startAlertReceiver(onAlert: (alert: ReceivedAlert) => void): Promise<AlertReceiver> {
  const received: ReceivedAlert[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    request.on('end', () => {
      let alert: ReceivedAlert | undefined;
      try {
        alert = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedAlert;
      } catch {
        response.writeHead(400).end();
        return;
      }
      received.push(alert);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      onAlert(alert);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/vigil-demo/alerts`,
    received,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

/**
 * The lines a notification adds to the terminal: one per subject whose state it changes. A group's notice lists
 * every subject of the group; `printed` (incident id → status printed last) keeps the subjects already shown in
 * that state from being printed again, so each incident prints once firing and once resolved.
 */
export function alertLines(alert: ReceivedAlert, printed: Map<string, string>): string[] {
  const subjects =
    alert.subjects && alert.subjects.length > 0
      ? alert.subjects.map((s) => ({ ...alert, ...s, subjects: null }))
      : [alert];
  const out: string[] = [];
  for (const s of subjects) {
    // A subject of an acknowledgement or resolve notice is in that state whatever it was listed as.
    const status = alert.status === 'firing' ? s.status : alert.status;
    if (printed.get(s.incidentId) === status) continue;
    printed.set(s.incidentId, status);
    out.push(formatAlert({ ...s, status, resolvedBy: alert.resolvedBy ?? null }));
  }
  return out;
}

/**
 * One line per notification: `[firing] warning  psi(origin) = 0.213 > 0.2  window 2001-03-01 – 2001-03-08 (12,345 rows)`.
 * Values are rounded as the notices round them, and a comparison is printed only when it holds.
 */
export function formatAlert(alert: ReceivedAlert): string {
  const subject = alert.feature
    ? `${alert.metric}(${alert.feature})`
    : alert.group
      ? `${alert.metric}[${alert.group}]`
      : alert.metric;
  const value =
    alert.value === null || alert.value === undefined
      ? 'n/a'
      : comparisonText(alert.value, alert.comparison ?? null, alert.threshold);
  const window = alert.window ? dates(alert.window) : '';
  const head = `ALERT [${alert.status}] ${alert.severity.padEnd(8)} ${alert.model}/${alert.version} ${subject}`;
  // A resolve notice says what cleared it, then the last breach: "resolved" never stands next to a breaching value alone.
  if (alert.status === 'resolved') return `${head}${resolvedText(alert)}`;
  // An acknowledgement notice carries the incident's last breach and its window.
  if (alert.status !== 'firing')
    return `${head}  (${breaches(alert.value, alert.comparison ?? null, alert.threshold) ? 'last breach' : 'last value'} ${value}${window ? `, ${window}` : ''})`;
  return `${head} = ${value}${window ? `  ${window} (${(alert.window?.rows ?? 0).toLocaleString('en-US')} rows)` : ''}`;
}

const dates = (w: { start: string | null; end: string | null }): string =>
  `window ${w.start?.slice(0, 10) ?? '?'} – ${w.end?.slice(0, 10) ?? '?'}`;

function resolvedText(alert: ReceivedAlert): string {
  const b = alert.lastBreach;
  const last =
    b && b.value !== null
      ? `${breaches(b.value, b.comparison ?? '>', b.threshold) ? 'last breach' : 'last value'} ${comparisonText(b.value, b.comparison ?? '>', b.threshold)}, ${dates(b.window)}`
      : '';
  const r = alert.resolution;
  if (!r) return `  (resolved by ${alert.resolvedBy ?? 'hand'}${last ? `; ${last}` : ''})`;
  return ` = ${r.value === null ? 'n/a' : formatNumber(r.value)}, within the clear threshold ${formatNumber(r.clearThreshold)}  ${dates(r.window)}${last ? `  (${last})` : ''}`;
}
