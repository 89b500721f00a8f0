/** Replies and refusals shared by the HTTP routes. */

/** A refusal with a status and a reason the client can act on (never internals). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Reply {
  status: number;
  type: string;
  body: string;
}

export function json(status: number, body: unknown): Reply {
  return { status, type: 'application/json; charset=utf-8', body: `${JSON.stringify(body)}\n` };
}
