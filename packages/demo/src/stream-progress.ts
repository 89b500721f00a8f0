/**
 * Progress of the demo's stream on stderr: a bar redrawn in place when stderr is a terminal, else a plain line
 * every few seconds (logs and CI keep a readable record). Lines printed meanwhile (alerts) clear the bar first.
 */
export interface StreamProgressOptions {
  total: number;
  write: (text: string) => void;
  tty: boolean;
  /** Plain lines at most this often. @defaultValue 5000 */
  plainEveryMs?: number;
  /** @defaultValue `performance.now` */
  clock?: () => number;
}

export interface ProgressCounts {
  events: number;
  windows: number;
  alerts: number;
  /** Event time of the newest event, epoch ms. */
  eventTime: number;
}

const BAR = 30;

export class StreamProgress {
  private readonly started: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private barShown = false;
  private last: ProgressCounts = { events: 0, windows: 0, alerts: 0, eventTime: Number.NaN };

  constructor(private readonly options: StreamProgressOptions) {
    this.started = this.now();
  }

  update(counts: ProgressCounts): void {
    this.last = counts;
    const now = this.now();
    const every = this.options.tty ? 100 : (this.options.plainEveryMs ?? 5000);
    if (now - this.lastDraw < every) return;
    this.lastDraw = now;
    this.draw();
  }

  /** Prints a line above the bar (or between plain lines). */
  print(line: string, write: (text: string) => void): void {
    this.clear();
    write(line.endsWith('\n') ? line : `${line}\n`);
    if (this.options.tty && this.last.events > 0) this.draw();
  }

  /** The final state, then a newline: the bar stays on screen as a record. */
  finish(): void {
    this.draw();
    if (this.options.tty) this.options.write('\n');
    this.barShown = false;
  }

  /** Events per second since the start. */
  rate(): number {
    const seconds = (this.now() - this.started) / 1000;
    return seconds > 0 ? this.last.events / seconds : 0;
  }

  elapsedSeconds(): number {
    return (this.now() - this.started) / 1000;
  }

  private draw(): void {
    const { total, tty, write } = this.options;
    const { events, windows, alerts, eventTime } = this.last;
    const share = total > 0 ? events / total : 1;
    const day = Number.isFinite(eventTime) ? new Date(eventTime).toISOString().slice(0, 10) : '—';
    const text =
      `${events.toLocaleString('en-US')}/${total.toLocaleString('en-US')} events (${(share * 100).toFixed(0)}%)  ` +
      `${Math.round(this.rate()).toLocaleString('en-US')} events/s  at ${day}  windows ${windows}  alerts ${alerts}`;
    if (tty) {
      const filled = Math.round(share * BAR);
      write(`\r\u001b[K[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${text}`);
      this.barShown = true;
    } else {
      write(`streaming: ${text}\n`);
    }
  }

  private clear(): void {
    if (this.barShown) this.options.write('\r\u001b[K');
    this.barShown = false;
  }

  private now(): number {
    return (this.options.clock ?? (() => performance.now()))();
  }
}
