/**
 * A notification target. Delivery errors say whether trying again may help: timeouts, network errors, 429 and
 * 5xx answers are retriable; any other refusal is permanent (a wrong URL or key will not fix itself).
 */
import { VigilError } from '@vigil/core';
import type { Notification } from './payload';

export interface Notifier {
  readonly type: 'webhook' | 'slack' | 'pagerduty' | 'email' | 'alertmanager' | 'control';
  send(notification: Notification, signal: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

export function deliveryError(target: string, message: string, retriable: boolean, cause?: unknown): VigilError {
  return new VigilError('VIGIL_NOTIFY_FAILED', `${target}: ${message}`, {
    retriable,
    ...(cause === undefined ? {} : { cause }),
    details: { target },
  });
}

/**
 * `user:password@` of a URL as a Basic authorization header: fetch refuses URLs with credentials, and its error
 * would quote the URL, password included (an Alertmanager behind basic auth: `https://vigil:pw@am.example`).
 */
function splitCredentials(url: string): { url: string; headers: Record<string, string> } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url, headers: {} };
  }
  if (u.username === '' && u.password === '') return { url, headers: {} };
  const basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
  u.username = '';
  u.password = '';
  return { url: u.toString(), headers: { authorization: `Basic ${basic}` } };
}

/** Any URL quoted in an error message, which may be a capability or carry a password. */
const withoutUrls = (message: string): string => message.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '[url]');

export interface PostOptions {
  /** The receiver's reason for a refusal, from its answer's body (else the body's start is quoted). */
  describe?: (body: string) => string | undefined;
}

/**
 * POSTs JSON and checks the answer. The URL never appears in errors (webhook URLs are capabilities); the target
 * name does.
 */
export async function postJson(
  target: string,
  targetUrl: string,
  body: unknown,
  signal: AbortSignal,
  timeoutMs: number,
  options: PostOptions = {},
): Promise<void> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const { url, headers } = splitCredentials(targetUrl);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'vigil-alerts', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.any([signal, timeout]),
    });
  } catch (error) {
    if (signal.aborted) throw deliveryError(target, 'delivery aborted (shutting down)', true, error);
    if (timeout.aborted) throw deliveryError(target, `no answer within ${timeoutMs} ms`, true, error);
    throw deliveryError(
      target,
      `request failed (${withoutUrls((error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message)})`,
      true,
      error,
    );
  }
  // Drain the body so the connection can be reused; a slow body is bounded by the same timeout.
  const text = await res.text().catch(() => '');
  if (res.ok) return;
  const retriable = res.status === 429 || res.status >= 500 || res.status === 408;
  const reason = (text && options.describe?.(text)) || text.slice(0, 200);
  throw deliveryError(
    target,
    `answered ${res.status}${reason ? `: ${withoutUrls(reason.slice(0, 500))}` : ''}`,
    retriable,
  );
}
