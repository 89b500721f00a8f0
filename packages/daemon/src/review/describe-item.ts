/**
 * `vigil queue show ID` in text (docs/review.md, "vigil queue"): one item described for a reviewer at a terminal, like
 * `kubectl describe`: the prediction, why it was flagged, its feature and group values, the model when it was
 * flagged (or as its window was analysed later), and who holds or decided it. Feature values, reasons and names are
 * user data: control characters (an escape sequence that would repaint the terminal, a newline that would fake a
 * line) are printed escaped.
 */
import type { ModelConfig } from '@vigil/core';
import type { ReviewItem } from '@vigil/store';
import { describeReason } from './review-page';

interface ItemContext {
  window?: { start: number; end: number; version: string; rows: number; labelledRows?: number };
  metrics?: Array<{ metric: string; feature: string; value: number | null }>;
  openIncidents?: Array<{
    id: string;
    metric: string;
    feature: string;
    group: string;
    severity: string;
    status: string;
    value: number | null;
    threshold: number | null;
    openedAt: number;
  }>;
  /** Set when the window was filled in after flagging (docs/review.md, "The queue"). */
  windowFilledAt?: number;
}

/** The text of `item`, one field a line; `model` (its configuration, when configured) gives the threshold. */
export function describeItem(item: ReviewItem, model?: Pick<ModelConfig, 'task' | 'threshold'>): string {
  const lines: string[] = [];
  const field = (name: string, value: string) => lines.push(`${`${name}:`.padEnd(13)}${value}`);
  field('Item', item.id);
  field('Status', statusText(item));
  field('Model', `${item.model}, version ${item.version === '' ? '(none)' : item.version}`);
  field('Prediction', `${item.predictionId} at ${iso(item.eventTs)}`);
  const threshold = model?.task === 'regression' ? undefined : model?.threshold;
  if (item.score !== null)
    field(
      'Score',
      `${num(item.score)}${threshold === undefined ? '' : ` (threshold ${num(threshold)}, distance ${num(Math.abs(item.score - threshold))})`}`,
    );
  if (item.prediction !== null) field('Predicted', num(item.prediction));
  field('Flagged', `${iso(item.flaggedAt)} by ${item.policies.join(', ')} (priority ${num(item.priority)})`);

  lines.push('Reasons:');
  for (const reason of item.reasons) lines.push(`  - ${describeReason(reason)}`);

  const unusual = new Set(item.reasons.filter((r) => r.policy === 'unusual').map((r) => String(r.feature)));
  const features = Object.entries(item.features);
  if (features.length === 0) lines.push('Features:    (erased by retention)');
  else {
    lines.push('Features:');
    const width = Math.max(...features.map(([name]) => name.length));
    for (const [name, value] of features)
      lines.push(
        `  ${name.padEnd(width)}  ${value === null ? '(missing)' : typeof value === 'number' ? num(value) : value}${unusual.has(name) ? '  (unusual)' : ''}`,
      );
  }
  // Logged attributions (docs/explanations.md), largest |attribution| first: what drove this score, by the model's
  // own account.
  const attributions = Object.entries(item.attributions).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  if (attributions.length > 0) {
    lines.push('Attributions:');
    const width = Math.max(...attributions.map(([name]) => name.length));
    for (const [name, value] of attributions) lines.push(`  ${name.padEnd(width)}  ${num(value)}`);
  }
  const groups = Object.entries(item.groups);
  if (groups.length > 0) {
    lines.push('Groups:');
    const width = Math.max(...groups.map(([name]) => name.length));
    for (const [name, value] of groups) lines.push(`  ${name.padEnd(width)}  ${value ?? '(missing)'}`);
  }

  const ctx = item.context as ItemContext;
  lines.push(
    ctx.windowFilledAt === undefined
      ? 'Model when flagged:'
      : `Model (window analysed after flagging, filled in ${iso(ctx.windowFilledAt)}):`,
  );
  if (!ctx.window) lines.push('  no analysed window yet');
  else {
    const w = ctx.window;
    lines.push(
      `  window ${iso(w.start)} – ${iso(w.end)}, version ${w.version === '' ? '(none)' : w.version}, ${w.rows} rows${w.labelledRows === undefined ? '' : `, ${w.labelledRows} labelled`}`,
    );
    const metrics = ctx.metrics ?? [];
    const names = metrics.map((m) => `${m.metric}${m.feature ? ` ${m.feature}` : ''}`);
    const width = Math.max(0, ...names.map((n) => n.length));
    metrics.forEach((m, i) => lines.push(`  ${names[i]!.padEnd(width)}  ${m.value === null ? '—' : num(m.value)}`));
  }
  const incidents = ctx.openIncidents ?? [];
  lines.push(`Open incidents:${incidents.length === 0 ? ' none' : ''}`);
  for (const i of incidents) {
    const what = [i.metric, i.feature, i.group].filter((x) => x).join(' ');
    lines.push(
      `  #${i.id} ${i.severity} ${i.status}: ${what}${i.value === null ? '' : ` = ${num(i.value)}`}${i.threshold === null ? '' : ` (threshold ${num(i.threshold)})`}, opened ${iso(i.openedAt)}`,
    );
  }
  if (item.status === 'decided') {
    field(
      'Verdict',
      `${item.verdict ?? '?'} by ${item.decidedBy ?? '?'} at ${iso(item.decidedAt)}${item.label === null ? '' : `, label ${num(item.label)}`}`,
    );
    field('Reason', item.verdictReason ?? '');
  }
  return `${lines.map(printable).join('\n')}\n`;
}

function statusText(item: ReviewItem): string {
  switch (item.status) {
    case 'pending':
      return `pending, expires ${iso(item.expiresAt)}`;
    case 'claimed':
      return `claimed by ${item.claimedBy ?? '?'} until ${iso(item.claimExpiresAt)}`;
    case 'decided':
      return 'decided';
    case 'not_queued':
      return "not_queued (flagged beyond the hour's capacity)";
    default:
      return item.status;
  }
}

/**
 * `text` with every control character escaped (C0, DEL, C1, the line and paragraph separators, the bidirectional
 * overrides that reorder what a terminal shows): `\n`, `\t`, `\r`, else `\u{…}`.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return `\\u{${c.codePointAt(0)!.toString(16)}}`;
  });
}

const iso = (ms: number | null): string => (ms === null ? '—' : new Date(ms).toISOString().replace('.000Z', 'Z'));

function num(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e9 || abs < 1e-4)) return value.toExponential(3);
  return String(Number(value.toFixed(6)));
}
