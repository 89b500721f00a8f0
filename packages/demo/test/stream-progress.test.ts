import { StreamProgress } from '../src/stream-progress';

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('StreamProgress', () => {
  it('redraws a bar in place on a terminal, with the rate, and keeps printed lines above it', () => {
    let out = '';
    let printed = '';
    const c = clock();
    const p = new StreamProgress({ total: 1000, write: (t) => void (out += t), tty: true, clock: c.now });
    c.advance(1000);
    p.update({ events: 500, windows: 2, alerts: 1, eventTime: Date.UTC(2001, 2, 1) });
    expect(out).toBe(
      '\r\u001b[K[###############...............] 500/1,000 events (50%)  500 events/s  at 2001-03-01  windows 2  alerts 1',
    );
    p.print('ALERT [firing] ...', (t) => void (printed += t));
    expect(printed).toBe('ALERT [firing] ...\n');
    // The bar was cleared before the line and drawn again after it.
    expect(
      out.endsWith(
        'alerts 1\r\u001b[K\r\u001b[K[###############...............] 500/1,000 events (50%)  500 events/s  at 2001-03-01  windows 2  alerts 1',
      ),
    ).toBe(true);
    c.advance(1000);
    p.update({ events: 1000, windows: 4, alerts: 1, eventTime: Date.UTC(2001, 5, 1) });
    p.finish();
    expect(out.endsWith('1,000/1,000 events (100%)  500 events/s  at 2001-06-01  windows 4  alerts 1\n')).toBe(true);
    expect(p.rate()).toBe(500);
  });

  it('prints plain lines no more often than asked when stderr is not a terminal', () => {
    const lines: string[] = [];
    const c = clock();
    const p = new StreamProgress({
      total: 100,
      write: (t) => void lines.push(t),
      tty: false,
      plainEveryMs: 5000,
      clock: c.now,
    });
    for (let i = 1; i <= 10; i++) {
      c.advance(1000);
      p.update({ events: i * 10, windows: 0, alerts: 0, eventTime: Number.NaN });
    }
    // At 1 s (the first update), then 6 s; never a carriage return.
    expect(lines).toEqual([
      'streaming: 10/100 events (10%)  10 events/s  at —  windows 0  alerts 0\n',
      'streaming: 60/100 events (60%)  10 events/s  at —  windows 0  alerts 0\n',
    ]);
    p.finish();
    expect(lines.at(-1)).toBe('streaming: 100/100 events (100%)  10 events/s  at —  windows 0  alerts 0\n');
  });
});
