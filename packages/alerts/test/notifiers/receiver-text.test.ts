import fc from 'fast-check';
import { pagerdutyChangeUrl } from '../../src/notifiers/http-notifiers';
import { escapeSlack, pagerdutyDedupKey, slackText, truncateText, wellFormed } from '../../src/notifiers/receiver-text';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Any UTF-16 text, lone surrogates and astral characters included.
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.string({ unit: fc.constantFrom('😀', '&', '<', '>', 'a', 'é', '\uD800'), maxLength: 400 }),
);
const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

describe('receiver text', () => {
  it('truncateText fits max UTF-16 units, never splits a pair, and keeps a prefix', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 300 }), (t, max) => {
        const out = truncateText(t, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(LONE_SURROGATE.test(out)).toBe(false);
        if (wellFormed(t).length <= max) expect(out).toBe(wellFormed(t));
        else expect(wellFormed(t).startsWith(out.slice(0, -1)) && out.endsWith('…')).toBe(true);
      }),
    );
  });

  it('slackText fits max, leaves no raw control character, and reads back as a prefix of the text', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 6, max: 300 }), (t, max) => {
        const out = slackText(t, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(/[<>]|&(?!amp;|lt;|gt;)/.test(out)).toBe(false);
        expect(LONE_SURROGATE.test(out)).toBe(false);
        const body = out.endsWith('…') && escapeSlack(wellFormed(t)) !== out ? out.slice(0, -1) : out;
        expect(wellFormed(t).startsWith(unescape(body))).toBe(true);
      }),
    );
  });

  it("escapes exactly Slack's three control characters", () => {
    expect(escapeSlack('psi(x<y>&z) <!channel> <@U1> &amp;')).toBe(
      'psi(x&lt;y&gt;&amp;z) &lt;!channel&gt; &lt;@U1&gt; &amp;amp;',
    );
  });

  it('pagerdutyDedupKey keeps short keys, and fits long ones in 255 bytes, stable and distinct', () => {
    expect(pagerdutyDedupKey('credit-risk/7/psi/age/-')).toBe('credit-risk/7/psi/age/-');
    const long = `m/1/psi/${'f'.repeat(300)}/-`;
    expect(long.length).toBe(310);
    const key = pagerdutyDedupKey(long);
    expect(key).toMatch(/^m\/1\/psi\/f+#[0-9a-f]{32}$/);
    expect(Buffer.byteLength(key)).toBe(255);
    fc.assert(
      fc.property(text, text, (a, b) => {
        const [ka, kb] = [pagerdutyDedupKey(`p/${a}`), pagerdutyDedupKey(`p/${b}`)];
        expect(Buffer.byteLength(ka)).toBeLessThanOrEqual(255);
        expect(LONE_SURROGATE.test(ka)).toBe(false);
        expect(pagerdutyDedupKey(`p/${a}`)).toBe(ka);
        if (wellFormed(a) !== wellFormed(b)) expect(ka).not.toBe(kb);
      }),
    );
  });

  it('derives the change-events URL from the alert-events URL', () => {
    expect(pagerdutyChangeUrl('https://events.pagerduty.com/v2/enqueue')).toBe(
      'https://events.pagerduty.com/v2/change/enqueue',
    );
    expect(pagerdutyChangeUrl('https://events.eu.pagerduty.com/v2/enqueue/')).toBe(
      'https://events.eu.pagerduty.com/v2/change/enqueue',
    );
    expect(pagerdutyChangeUrl('http://proxy.internal/pagerduty')).toBe(
      'http://proxy.internal/pagerduty/change/enqueue',
    );
  });
});
