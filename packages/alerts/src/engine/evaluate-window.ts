/**
 * Rules → incidents for one analysed window, inside the transaction that writes the window's metric rows
 * (docs/alerts.md, "Incidents"). Idempotent: the window's outcomes are upserted by window key, decisions are recomputed from
 * the stored last-M outcomes, and incidents are found by key, so analysing the same window again revises state
 * instead of counting it twice or opening a second incident.
 *
 * Rules of one subject (model, version, metric, feature, group) but different severities share one incident,
 * whose severity is the highest firing rule's; it resolves when none of them fires any more.
 */
import { compositeKey, type ModelConfig, type RuleConfig } from '@vigil/core';
import {
  ruleKeyId,
  silenceMatches,
  type Incident,
  type IncidentResolution,
  type MetricRow,
  type RuleState,
  type RuleWindow,
  type Tx,
} from '@vigil/store';
import { matchRules } from '../rules/match-rules';
import { decideRule, type RuleStateName } from '../rules/rule-evaluation';
import type { AlertingContext } from './alerting-context';
import { stepRows } from './escalation';
import { openIncidentIn, resolveIncidentIn, unsilenceIncidentIn } from './incident-transitions';
import { groupSeverityRaisedIn } from './notification-groups';
import { formatNumber } from '../notifiers/payload';

/** One analysed window of one model version, as the streaming daemon hands it over. */
export interface AnalysedWindow {
  model: string;
  version: string;
  windowStart: number;
  windowEnd: number;
  rows: number;
  labelledRows: number;
  metricRows: readonly MetricRow[];
}

/** What an evaluation changed (for logs and tests). */
export interface EvaluationSummary {
  evaluated: number;
  opened: string[];
  resolved: string[];
  updated: string[];
  /** Subjects that would have opened an incident but a model-level incident inhibits them. */
  inhibited: number;
  /**
   * The model version's rules by state once this window is judged (each rule, feature, group and severity once,
   * those this window did not judge at their stored state); absent when no rule judged the window.
   */
  ruleStates?: Record<RuleStateName, number>;
}

const SEVERITY_RANK = { warning: 1, critical: 2 } as const;

interface Subject {
  metric: string;
  feature: string;
  group: string;
  /**
   * Firing rules with their newest breaching window among the last M (what the incident reports: a window that is
   * only elevated keeps the incident firing but breaches nothing), else their newest window.
   */
  firing: Array<{ rule: RuleConfig; window: RuleWindow | undefined; breached: boolean }>;
  /** Every severity of the subject that is known to be firing, including rules this window did not judge. */
  anyFiring: boolean;
  /** The rules of the subject this window judged, with their latest window (what a clear is reported with). */
  judged: Array<{ rule: RuleConfig; latest: RuleWindow }>;
}

export async function evaluateWindowIn(tx: Tx, ctx: AlertingContext, a: AnalysedWindow): Promise<EvaluationSummary> {
  const summary: EvaluationSummary = { evaluated: 0, opened: [], resolved: [], updated: [], inhibited: 0 };
  const model = ctx.models.get(a.model);
  if (model === undefined || model.rules.length === 0) return summary;
  const now = ctx.now();
  const evaluations = matchRules(model, a.metricRows);
  if (evaluations.length === 0) return summary;
  summary.evaluated = evaluations.length;

  const windows: RuleWindow[] = evaluations.map((e) => ({
    metric: e.metric,
    feature: e.feature,
    group: e.group,
    severity: e.rule.severity,
    windowStart: a.windowStart,
    windowEnd: a.windowEnd,
    outcome: e.outcome,
    value: e.value,
    samples: e.samples,
  }));
  await tx.ruleWindows.upsert(a.model, a.version, windows, now);
  const rules = new Map<string, RuleConfig>();
  const keys: Array<{ metric: string; feature: string; group: string; severity: RuleConfig['severity']; m: number }> =
    [];
  for (const e of evaluations) {
    const key = {
      metric: e.metric,
      feature: e.feature,
      group: e.group,
      severity: e.rule.severity,
      m: e.rule.breachesOfWindows.m,
    };
    const id = ruleKeyId(key);
    if (rules.has(id)) continue;
    rules.set(id, e.rule);
    keys.push(key);
  }
  const recent = await tx.ruleWindows.recent(a.model, a.version, keys);
  await tx.ruleWindows.prune(a.model, a.version, keys);
  const previous = await tx.ruleWindows.states(a.model, a.version);

  const states: RuleState[] = [];
  const subjects = new Map<string, Subject>();
  for (const key of keys) {
    const id = ruleKeyId(key);
    const rule = rules.get(id)!;
    const history = recent.get(id);
    const latest = history?.latest;
    if (latest === undefined) continue;
    const wasFiring = previous.get(id)?.firing ?? false;
    const decision = decideRule(
      rule.breachesOfWindows,
      wasFiring,
      history!.recent.map((w) => w.outcome),
      latest.outcome,
    );
    states.push({
      ...key,
      firing: decision.firing,
      state: decision.state,
      value: latest.value,
      windowStart: latest.windowStart,
      windowEnd: latest.windowEnd,
    });
    const subjectId = compositeKey(key.metric, key.feature, key.group);
    const subject = subjects.get(subjectId) ?? {
      metric: key.metric,
      feature: key.feature,
      group: key.group,
      firing: [],
      anyFiring: false,
      judged: [],
    };
    subject.judged.push({ rule, latest: history!.recent[0] ?? latest });
    if (decision.firing) {
      const breach = history!.recent.find((w) => w.outcome === 'breach');
      subject.firing.push({ rule, window: breach ?? history!.recent[0], breached: breach !== undefined });
    }
    subjects.set(subjectId, subject);
  }
  await tx.ruleWindows.upsertStates(a.model, a.version, states, now);
  // Rules of a subject that this window did not judge keep their stored state.
  const judged = new Set(states.map((s) => ruleKeyId(s)));
  const ruleStates: Record<RuleStateName, number> = { ok: 0, firing: 0, insufficient_data: 0 };
  for (const s of states) ruleStates[s.state] += 1;
  for (const [id, s] of previous) if (!judged.has(id)) ruleStates[s.state] += 1;
  summary.ruleStates = ruleStates;
  for (const s of previous.values()) {
    if (judged.has(ruleKeyId(s)) || !s.firing) continue;
    const subject = subjects.get(compositeKey(s.metric, s.feature, s.group));
    if (subject) subject.anyFiring = true;
  }

  const open = await tx.incidents.open(a.model, a.version);
  const openByKey = new Map(open.map((i) => [compositeKey(i.metric, i.feature, i.group), i]));
  const inhibited = open.some((i) => i.kind === 'condition' && i.status !== 'resolved');
  const silences = await tx.silences.active(a.model, now);

  for (const [subjectId, subject] of subjects) {
    const existing = openByKey.get(subjectId);
    if (subject.firing.length > 0) {
      const top = subject.firing.reduce((best, f) =>
        SEVERITY_RANK[f.rule.severity] > SEVERITY_RANK[best.rule.severity] ? f : best,
      );
      const value = top.window?.value ?? null;
      const windowStart = top.window?.windowStart ?? a.windowStart;
      const windowEnd = top.window?.windowEnd ?? a.windowEnd;
      if (existing === undefined) {
        if (inhibited) {
          summary.inhibited += 1;
          continue;
        }
        const key = {
          model: a.model,
          version: a.version,
          metric: subject.metric,
          feature: subject.feature,
          group: subject.group,
        };
        const silence = silences.find((s) => silenceMatches(s, key));
        const opened = await openIncidentIn(
          tx,
          ctx,
          model,
          {
            ...key,
            kind: 'rule',
            severity: top.rule.severity,
            value,
            threshold: top.rule.threshold,
            comparison: top.rule.comparison,
            windowStart,
            windowEnd,
            windowRows: windowEnd === a.windowEnd && windowStart === a.windowStart ? a.rows : null,
            detail: nOfMDetail(top.rule),
            silencedUntil: silence?.expiresAt ?? null,
          },
          ruleReason(subject, top.rule),
        );
        if (opened) summary.opened.push(opened.id);
        continue;
      }
      // The incident shows its last breach. While it lingers between the clear threshold and the threshold (or an
      // N-of-M rule still counts older breaches) and no breach is among the last M windows, it keeps the breach it
      // has: an elevated value printed as "0.15 > 0.2" would be false.
      const sameWindow = windowStart === existing.windowStart && windowEnd === existing.windowEnd;
      const rows =
        windowStart === a.windowStart && windowEnd === a.windowEnd ? a.rows : sameWindow ? existing.windowRows : null;
      // (A raised severity takes the new rule's window with its threshold, so value and threshold belong together.)
      const raised = SEVERITY_RANK[top.rule.severity] > SEVERITY_RANK[existing.severity];
      const breach = top.breached || raised || existing.value === null ? { value, windowStart, windowEnd, rows } : null;
      summary.updated.push(await reviseIn(tx, ctx, model, existing, top.rule, breach));
    } else if (existing !== undefined && existing.kind === 'rule' && !subject.anyFiring) {
      await resolveIncidentIn(
        tx,
        ctx,
        existing,
        'vigil',
        `${subject.metric} cleared (no longer beyond the clear threshold in enough windows)`,
        resolutionOf(subject, existing, a),
      );
      summary.resolved.push(existing.id);
    }
  }
  return summary;
}

/**
 * A further firing window of an open incident: the new breach's value and window (`w`; null when the window only
 * kept it firing), maybe a higher severity; never a second incident.
 */
async function reviseIn(
  tx: Tx,
  ctx: AlertingContext,
  model: ModelConfig,
  incident: Incident,
  top: RuleConfig,
  w: { value: number | null; windowStart: number; windowEnd: number; rows: number | null } | null,
): Promise<string> {
  const now = ctx.now();
  const raised = SEVERITY_RANK[top.severity] > SEVERITY_RANK[incident.severity];
  let current = (await tx.incidents.update(incident.id, {
    ...(w === null ? {} : { value: w.value, windowStart: w.windowStart, windowEnd: w.windowEnd, windowRows: w.rows }),
    updatedAt: now,
    ...(raised
      ? { severity: top.severity, threshold: top.threshold, comparison: top.comparison, detail: nOfMDetail(top) }
      : {}),
  }))!;
  if (raised) {
    await tx.audit.append([
      {
        at: now,
        actor: 'vigil',
        action: 'incident.severity_raised',
        reason: ruleReason(incident, top),
        model: incident.model,
        incidentId: incident.id,
        details: { from: incident.severity, to: top.severity },
      },
    ]);
    if (current.status === 'firing' && current.notificationGroup !== null) {
      await groupSeverityRaisedIn(tx, ctx, model, current.notificationGroup, top.severity);
    } else if (current.status === 'firing') {
      // Tell the targets of the step reached so far, once, that it got worse.
      const step = Math.max(0, current.escalationStep);
      const rows = stepRows(ctx, model, current, {
        chain: `sev-${top.severity}`,
        step,
        round: 0,
        deliverAt: now,
        upgrade: true,
      });
      if (await tx.outbox.insert(rows, now)) ctx.kick();
    }
  }
  if (current.status === 'silenced' && current.silencedUntil !== null && current.silencedUntil <= now)
    current = await unsilenceIncidentIn(tx, ctx, model, current);
  return current.id;
}

/**
 * What cleared a subject: the latest window of the rule whose severity the incident has (else of the first rule
 * judged), its value and that rule's clear threshold. The incident keeps the last firing window's value, so the
 * resolve notice can tell the clearing window from the last breach.
 */
function resolutionOf(subject: Subject, incident: Incident, a: AnalysedWindow): IncidentResolution | null {
  const judged = subject.judged.find((j) => j.rule.severity === incident.severity) ?? subject.judged[0];
  if (judged === undefined) return null;
  const w = judged.latest;
  return {
    windowStart: w.windowStart,
    windowEnd: w.windowEnd,
    rows: w.windowStart === a.windowStart && w.windowEnd === a.windowEnd ? a.rows : null,
    value: w.value,
    clearThreshold: judged.rule.clearThreshold,
    comparison: judged.rule.comparison,
  };
}

/**
 * Why an incident opened or its severity rose, for the audit log: `psi(age) > 0.2 in 2 of the last 3 windows`, the
 * subject written as notifications write it and the threshold as they print numbers (a threshold derived from the
 * reference, such as an estimated accuracy's, has 16 digits).
 */
function ruleReason(subject: { metric: string; feature: string; group: string }, rule: RuleConfig): string {
  const name = `${subject.metric}${subject.feature ? `(${subject.feature})` : ''}${subject.group ? `[${subject.group}]` : ''}`;
  const detail = nOfMDetail(rule);
  return `${name} ${rule.comparison} ${formatNumber(rule.threshold)}${detail ? ` in ${detail}` : ''}`;
}

function nOfMDetail(rule: RuleConfig): string | null {
  const { n, m } = rule.breachesOfWindows;
  return m === 1 ? null : `${n} of the last ${m} windows`;
}
