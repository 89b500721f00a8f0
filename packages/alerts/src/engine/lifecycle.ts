/**
 * The lifecycle operations people run from the CLI and the HTTP API: list, acknowledge, resolve, silence, open a
 * review, pause and resume a model. Each runs in its own transaction, checks before it changes anything (an
 * unknown id or a wrong state changes nothing), and records actor and reason in the audit log.
 */
import { randomUUID } from 'node:crypto';
import { didYouMean, VigilError, type ModelConfig } from '@vigil/core';
import {
  REVIEW_OUTCOMES,
  silenceMatches,
  type AuditEntry,
  type AuditQuery,
  type Incident,
  type IncidentQuery,
  type ModelControl,
  type NewOutboxRow,
  type OutboxRow,
  type Review,
  type ReviewFinding,
  type ReviewOutcome,
  type ReviewQuery,
  type ReviewSummary,
  type Silence,
} from '@vigil/store';
import { expandReviewers, expandTargets } from '../notifiers/targets';
import type { AlertingContext } from './alerting-context';
import { jobId, policyOf } from './escalation';
import { acknowledgeIncidentIn, resolveIncidentIn, silenceIncidentIn } from './incident-transitions';

/** Who asks, and why. Both are recorded in the audit log. */
export interface Actor {
  /** A token name (`grafana`), `cli:<user>`, ... */
  actor: string;
  reason: string;
}

export interface SilenceInput extends Actor {
  model: string;
  /** '' or absent: any. */
  version?: string;
  metric?: string;
  feature?: string;
  group?: string;
  /** Silence exactly the subject of this incident (model, version, metric, feature, group). */
  incidentId?: string;
  /** Epoch ms. One of `expiresAt` and `durationMs` is required: silences always expire. */
  expiresAt?: number;
  durationMs?: number;
}

export interface ReviewInput extends Actor {
  model: string;
  version?: string;
  /** The period of evidence to freeze (epoch ms). @defaultValue the last 7 days */
  from?: number;
  to?: number;
}

export interface FindingInput {
  /** A token name (`grafana`), `cli:<user>`, ...: the finding's author. */
  actor: string;
  text: string;
}

export interface CloseReviewInput extends Actor {
  outcome: ReviewOutcome;
}

/** A review with its findings, oldest first. */
export interface ReviewDetail extends Review {
  findings: ReviewFinding[];
}

export interface ControlEvent {
  model: string;
  action: 'pause' | 'resume';
  reason: string;
  by: string;
  ts: string;
}

export interface IncidentDetail extends Incident {
  history: AuditEntry[];
  notifications: Array<
    Pick<
      OutboxRow,
      'kind' | 'step' | 'round' | 'target' | 'state' | 'deliverAt' | 'settledAt' | 'lastError' | 'attempts'
    >
  >;
}

/** Silences longer than this are refused: a silence is a snooze, not a way to switch alerting off. */
export const MAX_SILENCE_MS = 90 * 86_400_000;
const WEEK_MS = 7 * 86_400_000;
/** A finding is a note (as long as any text field of the HTTP API), not a document: link long reports. */
export const MAX_FINDING_CHARS = 2000;

export class Lifecycle {
  constructor(private readonly ctx: AlertingContext) {}

  listIncidents(query: IncidentQuery = {}): Promise<Incident[]> {
    return this.ctx.store.transaction((tx) => tx.incidents.list(query));
  }

  async getIncident(id: string): Promise<IncidentDetail> {
    return this.ctx.store.transaction(async (tx) => {
      const incident = await mustFind(await tx.incidents.get(id), id);
      const history = await tx.audit.log({ incidentId: id });
      const notifications = (await tx.outbox.ofIncident(id)).map(
        ({ kind, step, round, target, state, deliverAt, settledAt, lastError, attempts }) => ({
          kind,
          step,
          round,
          target,
          state,
          deliverAt,
          settledAt,
          lastError,
          attempts,
        }),
      );
      return { ...incident, history, notifications };
    });
  }

  async acknowledge(id: string, who: Actor): Promise<Incident> {
    checkActor(who);
    return this.ctx.store.transaction(async (tx) => {
      const incident = await mustFind(await tx.incidents.get(id, true), id);
      if (incident.status !== 'firing' && incident.status !== 'silenced') throw conflict(incident, 'acknowledge');
      return acknowledgeIncidentIn(tx, this.ctx, incident, who.actor, who.reason);
    });
  }

  async resolve(id: string, who: Actor): Promise<Incident> {
    checkActor(who);
    return this.ctx.store.transaction(async (tx) => {
      const incident = await mustFind(await tx.incidents.get(id, true), id);
      if (incident.status === 'resolved') throw conflict(incident, 'resolve');
      const resolved = await resolveIncidentIn(tx, this.ctx, incident, who.actor, who.reason);
      // Resolved by hand: the rules of the subject start over, so it re-opens only on a fresh breach (not on a
      // value that is merely still above the clear threshold).
      const states = [...(await tx.ruleWindows.states(incident.model, incident.version)).values()].filter(
        (s) => s.metric === incident.metric && s.feature === incident.feature && s.group === incident.group && s.firing,
      );
      await tx.ruleWindows.upsertStates(
        incident.model,
        incident.version,
        states.map((s) => ({ ...s, firing: false, state: 'ok' })),
        this.ctx.now(),
      );
      return resolved;
    });
  }

  /** Creates a silence and applies it to the open incidents it covers. */
  async silence(input: SilenceInput): Promise<{ silence: Silence; silenced: Incident[] }> {
    checkActor(input);
    const now = this.ctx.now();
    const hasExpiry = input.expiresAt !== undefined || input.durationMs !== undefined;
    if (!hasExpiry)
      throw new VigilError('VIGIL_USAGE', 'a silence needs an expiry (expiresAt or a duration): silences always end');
    if (input.expiresAt !== undefined && input.durationMs !== undefined)
      throw new VigilError('VIGIL_USAGE', 'give either an expiry time or a duration, not both');
    const expiresAt = input.expiresAt ?? now + (input.durationMs as number);
    if (!Number.isFinite(expiresAt) || expiresAt <= now)
      throw new VigilError(
        'VIGIL_USAGE',
        `the silence must expire in the future (got ${Number.isFinite(expiresAt) ? new Date(expiresAt).toISOString() : String(expiresAt)})`,
      );
    if (expiresAt - now > MAX_SILENCE_MS)
      throw new VigilError(
        'VIGIL_USAGE',
        'a silence may last at most 90 days; to stop alerting for a model, change its rules',
      );
    return this.ctx.store.transaction(async (tx) => {
      let matcher = {
        model: input.model,
        version: input.version ?? '',
        metric: input.metric ?? '',
        feature: input.feature ?? '',
        group: input.group ?? '',
      };
      if (input.incidentId !== undefined) {
        const incident = await mustFind(await tx.incidents.get(input.incidentId), input.incidentId);
        if (incident.status === 'resolved') throw conflict(incident, 'silence');
        matcher = {
          model: incident.model,
          version: incident.version,
          metric: incident.metric,
          feature: incident.feature,
          group: incident.group,
        };
      } else this.model(input.model);
      const silence: Silence = {
        id: `sil_${randomUUID()}`,
        ...matcher,
        startsAt: now,
        expiresAt,
        reason: input.reason,
        createdBy: input.actor,
        createdAt: now,
      };
      await tx.silences.insert(silence);
      await tx.audit.append([
        {
          at: now,
          actor: input.actor,
          action: 'silence.created',
          reason: input.reason,
          model: silence.model,
          incidentId: input.incidentId ?? null,
          details: { ...matcher, id: silence.id, expiresAt: new Date(expiresAt).toISOString() },
        },
      ]);
      const silenced: Incident[] = [];
      for (const incident of await tx.incidents.open(silence.model)) {
        if (incident.status !== 'firing' || !silenceMatches(silence, incident)) continue;
        silenced.push(
          await silenceIncidentIn(tx, this.ctx, incident, expiresAt, input.actor, input.reason, silence.id),
        );
      }
      return { silence, silenced };
    });
  }

  activeSilences(model: string): Promise<Silence[]> {
    return this.ctx.store.transaction((tx) => tx.silences.active(model, this.ctx.now()));
  }

  /**
   * Freezes the evidence of a model into a review and notifies the model's reviewers (the first escalation step's
   * targets when it has none).
   */
  async openReview(input: ReviewInput): Promise<Review> {
    checkActor(input);
    const model = this.model(input.model);
    const now = this.ctx.now();
    const to = input.to ?? now;
    const from = input.from ?? to - WEEK_MS;
    if (!(from < to))
      throw new VigilError(
        'VIGIL_USAGE',
        `the review period must start before it ends (from ${new Date(from).toISOString()}, to ${new Date(to).toISOString()})`,
      );
    return this.ctx.store.transaction(async (tx) => {
      const evidence = await tx.reviews.collectEvidence(model.id, input.version ?? '', from, to);
      const review: Review = {
        id: `rev_${randomUUID()}`,
        model: model.id,
        version: input.version ?? '',
        reason: input.reason,
        openedBy: input.actor,
        openedAt: now,
        status: 'open',
        evidence,
      };
      await tx.reviews.insert(review);
      const payload = {
        type: 'review',
        dedupKey: `review/${review.id}`,
        reviewId: review.id,
        model: model.id,
        version: input.version ?? null,
        reason: input.reason,
        openedBy: input.actor,
        openedAt: new Date(now).toISOString(),
        evidence: {
          metricRows: evidence.metricRows.length,
          windows: evidence.windows.length,
          incidents: evidence.incidents.length,
          referenceProfiles: evidence.referenceProfiles.map((p) => p.id),
        },
        owner: model.owner.name,
      };
      const first = policyOf(this.ctx, { escalationPolicy: model.escalation }).steps[0];
      const targets =
        model.reviewers !== undefined && model.reviewers.length > 0
          ? expandReviewers(model, this.ctx.config)
          : expandTargets(first?.notify ?? ['owner'], model, this.ctx.config);
      const rows: NewOutboxRow[] = targets.map((target) => ({
        jobId: jobId({ kind: 'review', subject: review.id, step: 0, round: 0, target }),
        kind: 'review',
        incidentId: null,
        reviewId: review.id,
        model: model.id,
        step: 0,
        round: 0,
        target,
        payload: {
          ...payload,
          notificationId: jobId({ kind: 'review', subject: review.id, step: 0, round: 0, target }),
        },
        deliverAt: now,
      }));
      if (await tx.outbox.insert(rows, now)) this.ctx.kick();
      await tx.audit.append([
        {
          at: now,
          actor: input.actor,
          action: 'review.opened',
          reason: input.reason,
          model: model.id,
          details: {
            reviewId: review.id,
            from: new Date(from).toISOString(),
            to: new Date(to).toISOString(),
            metricRows: evidence.metricRows.length,
            incidents: evidence.incidents.length,
          },
        },
      ]);
      return review;
    });
  }

  async getReview(id: string): Promise<ReviewDetail> {
    return this.ctx.store.transaction(async (tx) => {
      const review = mustFindReview(await tx.reviews.get(id), id);
      return { ...review, findings: await tx.reviews.findings(id) };
    });
  }

  listReviews(query: ReviewQuery = {}): Promise<ReviewSummary[]> {
    return this.ctx.store.transaction((tx) => tx.reviews.list(query));
  }

  /** Appends a finding to an open review (409 VIGIL_CONFLICT once it is closed). */
  async addFinding(id: string, input: FindingInput): Promise<ReviewFinding> {
    if (typeof input.actor !== 'string' || input.actor.trim() === '')
      throw new VigilError('VIGIL_USAGE', 'an actor is required (who does this)');
    if (typeof input.text !== 'string' || input.text.trim() === '')
      throw new VigilError('VIGIL_USAGE', 'a finding needs a text');
    if (input.text.length > MAX_FINDING_CHARS)
      throw new VigilError(
        'VIGIL_USAGE',
        `a finding may have at most ${MAX_FINDING_CHARS} characters (this one has ${input.text.length})`,
      );
    const now = this.ctx.now();
    return this.ctx.store.transaction(async (tx) => {
      const review = mustFindReview(await tx.reviews.get(id, true), id);
      if (review.status !== 'open') throw reviewConflict(review, 'add a finding to');
      const finding = await tx.reviews.addFinding(id, { at: now, author: input.actor, text: input.text });
      if (finding === null) throw reviewConflict(review, 'add a finding to');
      await tx.audit.append([
        {
          at: now,
          actor: input.actor,
          action: 'review.finding_added',
          reason: null,
          model: review.model,
          details: { reviewId: id, findingId: finding.id, text: input.text },
        },
      ]);
      return finding;
    });
  }

  /** Closes an open review with an outcome and a reason; a closed review never changes again. */
  async closeReview(id: string, input: CloseReviewInput): Promise<ReviewDetail> {
    checkActor(input);
    if (!(REVIEW_OUTCOMES as readonly string[]).includes(input.outcome))
      throw new VigilError(
        'VIGIL_USAGE',
        `the outcome "${String(input.outcome)}" is not one of ${REVIEW_OUTCOMES.join(', ')}`,
      );
    const now = this.ctx.now();
    return this.ctx.store.transaction(async (tx) => {
      const review = mustFindReview(await tx.reviews.get(id, true), id);
      if (
        review.status !== 'open' ||
        !(await tx.reviews.close(id, { at: now, by: input.actor, outcome: input.outcome, reason: input.reason }))
      )
        throw reviewConflict(review, 'close');
      await tx.audit.append([
        {
          at: now,
          actor: input.actor,
          action: 'review.closed',
          reason: input.reason,
          model: review.model,
          details: { reviewId: id, outcome: input.outcome },
        },
      ]);
      const closed = mustFindReview(await tx.reviews.get(id), id);
      return { ...closed, findings: await tx.reviews.findings(id) };
    });
  }

  /** The audit log, oldest first, paged by id (`afterId`). */
  auditLog(query: AuditQuery = {}): Promise<AuditEntry[]> {
    return this.ctx.store.transaction((tx) => tx.audit.log(query));
  }

  pauseModel(model: string, who: Actor): Promise<ModelControl> {
    return this.control(model, 'pause', who);
  }

  resumeModel(model: string, who: Actor): Promise<ModelControl> {
    return this.control(model, 'resume', who);
  }

  modelControls(): Promise<ModelControl[]> {
    return this.ctx.store.transaction((tx) => tx.modelControls.list());
  }

  /**
   * Marks the model paused (resumed) and writes the control event to the outbox in the same transaction; the
   * relay hands it to `publishControl` (Kafka topic vigil.control), retrying until it is published. Pausing a
   * paused model (resuming one that is not paused) is a VIGIL_CONFLICT that changes nothing, as a second
   * acknowledgement is: the first pause's reason and actor stay, and the audit log has no second entry.
   */
  private async control(modelId: string, action: 'pause' | 'resume', who: Actor): Promise<ModelControl> {
    checkActor(who);
    const model = this.model(modelId);
    const now = this.ctx.now();
    return this.ctx.store.transaction(async (tx) => {
      const before = await tx.modelControls.get(model.id, true);
      if ((before?.paused ?? false) === (action === 'pause')) throw controlConflict(model.id, action, before);
      const control: ModelControl = {
        model: model.id,
        paused: action === 'pause',
        reason: who.reason,
        changedBy: who.actor,
        changedAt: now,
      };
      // A first pause another session committed since the read above: the write changes nothing.
      if (!(await tx.modelControls.set(control)))
        throw controlConflict(model.id, action, await tx.modelControls.get(model.id));
      const event: ControlEvent = {
        model: model.id,
        action,
        reason: who.reason,
        by: who.actor,
        ts: new Date(now).toISOString(),
      };
      const id = jobId({ kind: 'control', subject: model.id, step: 0, round: now, target: action });
      await tx.outbox.insert(
        [
          {
            jobId: id,
            kind: 'control',
            incidentId: null,
            reviewId: null,
            model: model.id,
            step: 0,
            round: 0,
            target: 'control',
            payload: event,
            deliverAt: now,
          },
        ],
        now,
      );
      await tx.audit.append([
        {
          at: now,
          actor: who.actor,
          action: action === 'pause' ? 'model.paused' : 'model.resumed',
          reason: who.reason,
          model: model.id,
          details: { event },
        },
      ]);
      this.ctx.kick();
      return control;
    });
  }

  private model(id: string): ModelConfig {
    const model = this.ctx.models.get(id);
    if (model === undefined) {
      // The nearest configured id, as the API's other 404s for a model name it.
      const guess = didYouMean(id, [...this.ctx.models.keys()]);
      throw new VigilError(
        'VIGIL_NOT_FOUND',
        `no model "${id}" in the configuration${guess === undefined ? '' : `; did you mean "${guess}"?`}`,
      );
    }
    return model;
  }
}

function checkActor(who: Actor): void {
  if (typeof who.actor !== 'string' || who.actor.trim() === '')
    throw new VigilError('VIGIL_USAGE', 'an actor is required (who does this)');
  if (typeof who.reason !== 'string' || who.reason.trim() === '')
    throw new VigilError('VIGIL_USAGE', 'a reason is required: it goes to the audit log');
}

async function mustFind(incident: Incident | null, id: string): Promise<Incident> {
  if (incident === null) throw new VigilError('VIGIL_NOT_FOUND', `no incident "${id}"`);
  return incident;
}

function mustFindReview(review: Review | null, id: string): Review {
  if (review === null) throw new VigilError('VIGIL_NOT_FOUND', `no review "${id}"`);
  return review;
}

function reviewConflict(review: Review, what: string): VigilError {
  return new VigilError(
    'VIGIL_CONFLICT',
    `cannot ${what} review ${review.id}: it was closed${review.closedBy ? ` by ${review.closedBy}` : ''} (${review.outcome ?? 'closed'}); a closed review does not change`,
    {
      details: { status: review.status },
    },
  );
}

function conflict(incident: Incident, what: string): VigilError {
  const by =
    incident.status === 'acknowledged'
      ? ` by ${incident.acknowledgedBy}`
      : incident.status === 'resolved'
        ? ` by ${incident.resolvedBy}`
        : '';
  return new VigilError('VIGIL_CONFLICT', `cannot ${what} incident ${incident.id}: it is ${incident.status}${by}`, {
    details: { status: incident.status },
  });
}

function controlConflict(model: string, action: 'pause' | 'resume', current: ModelControl | null): VigilError {
  const when = (c: ModelControl, word: string) =>
    `by ${c.changedBy} ${word} ${new Date(c.changedAt).toISOString()}: ${c.reason}`;
  const state =
    action === 'pause'
      ? `it is already paused${current ? ` (${when(current, 'since')})` : ''}`
      : `it is not paused${current ? ` (resumed ${when(current, 'at')})` : ''}`;
  return new VigilError('VIGIL_CONFLICT', `cannot ${action} model ${model}: ${state}`, {
    details: { paused: current?.paused ?? false },
  });
}
