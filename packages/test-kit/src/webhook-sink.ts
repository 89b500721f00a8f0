import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * A real HTTP server on loopback that records every JSON request. `respond` decides the answer per request
 * (status code, or 'hang' to never answer).
 */
export class WebhookSink {
  readonly received: Received[] = [];
  respond: (r: Received, index: number) => number | 'hang' = () => 200;
  /** The body of the answer (a JSON text); undefined: `{"ok":true}`, or a scripted error for failures. */
  answer: (r: Received) => string | undefined = () => undefined;
  private server: Server | undefined;
  private readonly hanging = new Set<ServerResponse>();
  private waiters: Array<() => void> = [];
  base = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const r: Received = { path: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : null };
        const index = this.received.length;
        this.received.push(r);
        for (const w of this.waiters.splice(0)) w();
        const answer = this.respond(r, index);
        if (answer === 'hang') {
          this.hanging.add(res);
          return;
        }
        res.writeHead(answer, { 'content-type': 'application/json' });
        res.end(this.answer(r) ?? (answer < 300 ? '{"ok":true}' : '{"error":"scripted failure"}'));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Resolves once `predicate` holds for the received requests (no time limit of its own: jest's applies). */
  async until(predicate: (received: Received[]) => boolean): Promise<void> {
    while (!predicate(this.received)) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Requests to one path, in order. */
  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
