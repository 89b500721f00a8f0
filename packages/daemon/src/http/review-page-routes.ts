/**
 * `/review`, the reviewer's web page (docs/review.md, "The /review page"), served by `vigil run` beside the API.
 * Sign-in takes a `reviewer` or `admin` token once and gives a session cookie (HttpOnly, SameSite=Strict, path
 * /review; sessions live in this process, 12 hours). Every state-changing form carries the session's CSRF token, and
 * a POST whose Origin or Sec-Fetch-Site says it came from another site is refused before anything is read.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isVigilError, type HttpConfig } from '@vigil/core';
import type { Route } from './alert-routes';
import { HttpProblem, matchToken, type Reply } from './http-reply';
import { MAX_BODY_BYTES } from './request-body';
import { idlePage, itemPage, messagePage, REVIEW_PAGE_CSP, signInPage, type PageContext } from '../review/review-page';
import type { ReviewQueueService } from '../review/review-queue-service';

const COOKIE = 'vigil_review';
const SESSION_MS = 12 * 3_600_000;
const PAGE_ROLES = ['reviewer', 'admin'];

interface Session {
  reviewer: string;
  csrf: string;
  expiresAt: number;
}

/** The page routes, their own sessions with them. */
export function reviewPageRoutes(
  queue: ReviewQueueService | undefined,
  http: Pick<HttpConfig, 'tokens'>,
  now: () => number = Date.now,
): Route[] {
  const sessions = new Map<string, Session>();

  const sessionOf = (req: IncomingMessage): (Session & { id: string }) | undefined => {
    const id = cookies(req).get(COOKIE);
    if (id === undefined) return undefined;
    const session = sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= now()) {
      sessions.delete(id);
      return undefined;
    }
    // A token removed from the configuration ends its sessions.
    if (!http.tokens.some((t) => t.name === session.reviewer && PAGE_ROLES.includes(t.role))) return undefined;
    return { ...session, id };
  };

  const contextOf = async (session: Session): Promise<PageContext> => ({
    reviewer: session.reviewer,
    csrf: session.csrf,
    decidedToday: await need(queue).decidedToday(session.reviewer),
  });

  /** A state-changing request of a signed-in reviewer: same origin, the session's CSRF token. */
  const guarded = async (
    req: IncomingMessage,
  ): Promise<{ session: Session & { id: string }; form: URLSearchParams }> => {
    refuseCrossSite(req);
    const session = sessionOf(req);
    if (!session) throw new PageProblem(401, signInPage('Your session has ended: sign in again.'));
    const form = await readForm(req);
    const given = Buffer.from(form.get('csrf') ?? '');
    const want = Buffer.from(session.csrf);
    if (given.length !== want.length || !timingSafeEqual(given, want))
      throw new PageProblem(
        403,
        messagePage(
          await contextOf(session),
          'Refused',
          'The form is not from this page (its CSRF token is missing or wrong). Reload the page and try again.',
        ),
      );
    return { session, form };
  };

  const handle =
    (fn: (req: IncomingMessage, url: URL, match: RegExpExecArray) => Promise<Reply>): Route['handle'] =>
    async ({ req, url, match }) => {
      try {
        return await fn(req, url, match);
      } catch (error) {
        if (error instanceof PageProblem) return htmlReply(error.status, error.page);
        if (error instanceof HttpProblem) return htmlReply(error.status, signInPage(error.message));
        throw error;
      }
    };

  return [
    {
      pattern: /^\/review$/,
      method: 'GET',
      access: 'open',
      handle: handle(async (req, url) => {
        const session = sessionOf(req);
        if (!session) return htmlReply(200, signInPage());
        const q = need(queue);
        const context = await contextOf(session);
        const decided = url.searchParams.get('decided');
        const notice =
          decided !== null && /^\d{1,18}$/.test(decided)
            ? `Decided item ${decided}.`
            : url.searchParams.get('empty') === '1'
              ? 'Nothing waits for review.'
              : undefined;
        const item = await q.currentClaim(session.reviewer);
        if (!item) return htmlReply(200, idlePage(context, await q.waiting(), notice));
        return htmlReply(
          200,
          itemPage(
            context,
            { item, model: q.modelConfig(item.model), profile: await q.referenceProfile(item.model, item.version) },
            notice,
          ),
        );
      }),
    },
    {
      pattern: /^\/review\/sign-in$/,
      method: 'POST',
      access: 'open',
      handle: handle(async (req) => {
        refuseCrossSite(req);
        const form = await readForm(req);
        const token = matchToken(form.get('token') ?? '', http.tokens);
        if (!token) return htmlReply(401, signInPage('That token is not valid.'));
        if (!PAGE_ROLES.includes(token.role))
          return htmlReply(
            403,
            signInPage(
              `The token "${token.name}" has the role ${token.role}; the review page needs reviewer or admin.`,
            ),
          );
        const id = randomBytes(32).toString('base64url');
        sessions.set(id, {
          reviewer: token.name,
          csrf: randomBytes(32).toString('base64url'),
          expiresAt: now() + SESSION_MS,
        });
        for (const [key, s] of sessions) if (s.expiresAt <= now()) sessions.delete(key);
        return redirect(
          '/review',
          `${COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/review; Max-Age=${SESSION_MS / 1000}`,
        );
      }),
    },
    {
      pattern: /^\/review\/sign-out$/,
      method: 'POST',
      access: 'open',
      handle: handle(async (req) => {
        const { session } = await guarded(req);
        sessions.delete(session.id);
        return redirect('/review', `${COOKIE}=; HttpOnly; SameSite=Strict; Path=/review; Max-Age=0`);
      }),
    },
    {
      pattern: /^\/review\/next$/,
      method: 'POST',
      access: 'open',
      handle: handle(async (req) => {
        const { session } = await guarded(req);
        const item = await need(queue).claimNext(session.reviewer);
        return redirect(item ? '/review' : '/review?empty=1');
      }),
    },
    {
      pattern: /^\/review\/items\/(\d{1,18})\/verdict$/,
      method: 'POST',
      access: 'open',
      handle: handle(async (req, _url, match) => {
        const { session, form } = await guarded(req);
        const q = need(queue);
        const id = match[1] as string;
        const verdict = form.get('verdict');
        const labelText = (form.get('label') ?? '').trim();
        const label = labelText === '' ? undefined : Number(labelText);
        try {
          if (verdict !== 'agree' && verdict !== 'override') throw new HttpProblem(400, 'Choose agree or override.');
          if (label !== undefined && !Number.isFinite(label)) throw new HttpProblem(400, 'The label must be a number.');
          await q.decide(id, session.reviewer, {
            verdict,
            reason: form.get('reason') ?? '',
            ...(label !== undefined ? { label } : {}),
          });
        } catch (error) {
          const status =
            error instanceof HttpProblem
              ? error.status
              : isVigilError(error, 'VIGIL_USAGE')
                ? 400
                : isVigilError(error, 'VIGIL_CONFLICT')
                  ? 409
                  : isVigilError(error, 'VIGIL_NOT_FOUND')
                    ? 404
                    : undefined;
          if (status === undefined) throw error;
          return htmlReply(status, messagePage(await contextOf(session), 'Not decided', (error as Error).message));
        }
        await q.claimNext(session.reviewer);
        return redirect(`/review?decided=${id}`);
      }),
    },
  ];
}

class PageProblem extends Error {
  constructor(
    readonly status: number,
    readonly page: string,
  ) {
    super(`page ${status}`);
  }
}

function need(queue: ReviewQueueService | undefined): ReviewQueueService {
  if (!queue) throw new HttpProblem(503, 'The review queue is not served by this process.');
  return queue;
}

const SECURITY_HEADERS = {
  'content-security-policy': REVIEW_PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Not no-referrer: under it a browser sends `Origin: null` with its form posts, which the CSRF check refuses.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

function htmlReply(status: number, body: string): Reply {
  return { status, type: 'text/html; charset=utf-8', body, headers: SECURITY_HEADERS };
}

function redirect(location: string, cookie?: string): Reply {
  return {
    status: 303,
    type: 'text/plain; charset=utf-8',
    body: '',
    headers: { ...SECURITY_HEADERS, location, ...(cookie ? { 'set-cookie': cookie } : {}) },
  };
}

/** A form post from another site (a CSRF attempt) is refused on its headers. */
function refuseCrossSite(req: IncomingMessage): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    throw new PageProblem(403, signInPage('Refused: the request came from another site.'));
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== req.headers.host)
      throw new PageProblem(403, signInPage('Refused: the request came from another site.'));
  } else if (origin === 'null') throw new PageProblem(403, signInPage('Refused: the request came from another site.'));
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(type))
    throw new PageProblem(415, signInPage('The request is not a form.'));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      throw new PageProblem(413, signInPage('The form is too large.'));
    }
    chunks.push(chunk);
  }
  const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  for (const [, value] of form)
    if (value.includes('\u0000')) throw new PageProblem(400, signInPage('The form holds a NUL character.'));
  return form;
}

function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) out.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return out;
}
