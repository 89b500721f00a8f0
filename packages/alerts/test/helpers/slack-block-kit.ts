/**
 * A checker of Slack messages by Slack's documented Block Kit rules. Slack publishes no JSON schema of Block Kit
 * (slackapi/slack-api-specs#18: "We want to offer full JSON schema ... but aren't yet ready to do so"), and its
 * validator is an online method (`blocks.validate`), which tests here cannot reach; so each rule below is one of
 * Slack's documented limits, cited. It covers the blocks Vigil sends (section, context) and the others a message
 * of this kind would use (header, divider); anything else is refused. Returns the problems (empty: valid).
 */

const DOCS = 'https://docs.slack.dev';
const RULES = {
  // docs.slack.dev/reference/block-kit/blocks: "You can include up to 50 blocks in each message".
  blocksPerMessage: 50,
  // docs.slack.dev/reference/methods/chat.postMessage, `text`: long messages are truncated at 40,000 characters.
  messageText: 40_000,
  // docs.slack.dev/reference/block-kit/composition-objects/text-object: "The minimum length is 1 and maximum
  // length is 3000 characters."
  textObject: 3000,
  // docs.slack.dev/reference/block-kit/blocks/section-block: `text` at most 3000 characters; `fields` at most 10
  // items of at most 2000 characters each; `block_id` at most 255 characters.
  sectionText: 3000,
  sectionFields: 10,
  sectionField: 2000,
  blockId: 255,
  // docs.slack.dev/reference/block-kit/blocks/header-block: `text` is plain_text, at most 150 characters.
  headerText: 150,
  // docs.slack.dev/reference/block-kit/blocks/context-block: `elements`, at most 10 items.
  contextElements: 10,
} as const;

const BLOCK_KEYS: Record<string, readonly string[]> = {
  section: ['type', 'block_id', 'text', 'fields', 'accessory', 'expand'],
  context: ['type', 'block_id', 'elements'],
  header: ['type', 'block_id', 'text'],
  divider: ['type', 'block_id'],
};

/**
 * docs.slack.dev/messaging/formatting-message-text#escaping: "Slack uses &, <, and > as control characters for
 * special parsing in text objects, so they must be converted to HTML entities if they're not going to be used for
 * their parsing purpose." The only control sequences Vigil may send are links it builds (`<https://…|label>`);
 * mentions (`<!channel>`, `<@U…>`, `<#C…>`, `<!subteam^…>`) never.
 */
export function escapingProblems(text: string, where: string): string[] {
  const problems: string[] = [];
  const withoutLinks = text.replace(/<https?:\/\/[^\s<>|]+\|[^<>|]+>/g, (link) => {
    const label = link.slice(link.indexOf('|') + 1, -1);
    if (/&(?!amp;|lt;|gt;)/.test(label)) problems.push(`${where}: a link label has an unescaped "&"`);
    return '';
  });
  if (/[<>]/.test(withoutLinks))
    problems.push(`${where}: "<" or ">" outside a link Vigil built: ${JSON.stringify(text.slice(0, 120))}`);
  if (/&(?!amp;|lt;|gt;)/.test(withoutLinks)) problems.push(`${where}: an "&" that is not &amp;, &lt; or &gt;`);
  return problems;
}

function textObject(o: unknown, where: string, max: number, only?: 'plain_text'): string[] {
  if (typeof o !== 'object' || o === null) return [`${where}: not a text object`];
  const t = o as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(t))
    if (!['type', 'text', 'emoji', 'verbatim'].includes(key)) problems.push(`${where}: unknown key "${key}"`);
  if (t.type !== 'plain_text' && t.type !== 'mrkdwn') problems.push(`${where}.type must be plain_text or mrkdwn`);
  if (only && t.type !== only) problems.push(`${where}.type must be ${only}`);
  if ('emoji' in t && t.type !== 'plain_text') problems.push(`${where}.emoji is only usable with plain_text`);
  if ('verbatim' in t && t.type !== 'mrkdwn') problems.push(`${where}.verbatim is only usable with mrkdwn`);
  if (typeof t.text !== 'string') return [...problems, `${where}.text must be a string`];
  if (t.text.length < 1) problems.push(`${where}.text is empty (minimum length 1)`);
  if (t.text.length > Math.min(max, RULES.textObject))
    problems.push(`${where}.text has ${t.text.length} characters (at most ${Math.min(max, RULES.textObject)})`);
  problems.push(...escapingProblems(t.text, `${where}.text`));
  return problems;
}

export function blockKitProblems(message: unknown): string[] {
  if (typeof message !== 'object' || message === null) return ['the message is not an object'];
  const m = message as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof m.text !== 'string' || m.text.length === 0)
    problems.push('text: a message with blocks needs the fallback `text`');
  else {
    if (m.text.length > RULES.messageText)
      problems.push(`text has ${m.text.length} characters (at most ${RULES.messageText})`);
    problems.push(...escapingProblems(m.text, 'text'));
  }
  if (!Array.isArray(m.blocks)) return [...problems, 'blocks must be an array'];
  if (m.blocks.length > RULES.blocksPerMessage)
    problems.push(`${m.blocks.length} blocks (at most ${RULES.blocksPerMessage})`);
  m.blocks.forEach((block: unknown, i) => {
    const where = `blocks[${i}]`;
    if (typeof block !== 'object' || block === null) return problems.push(`${where}: not an object`);
    const b = block as Record<string, unknown>;
    const keys = BLOCK_KEYS[String(b.type)];
    if (keys === undefined)
      return problems.push(
        `${where}: block type ${JSON.stringify(b.type)} is not one this checker knows (${DOCS}/reference/block-kit/blocks)`,
      );
    for (const key of Object.keys(b))
      if (!keys.includes(key)) problems.push(`${where}: unknown key "${key}" for a ${String(b.type)} block`);
    if (b.block_id !== undefined && (typeof b.block_id !== 'string' || b.block_id.length > RULES.blockId))
      problems.push(`${where}.block_id must be a string of at most ${RULES.blockId} characters`);
    if (b.type === 'section') {
      if (b.text === undefined && b.fields === undefined) problems.push(`${where}: a section needs text or fields`);
      if (b.text !== undefined) problems.push(...textObject(b.text, `${where}.text`, RULES.sectionText));
      if (b.fields !== undefined) {
        if (!Array.isArray(b.fields) || b.fields.length === 0 || b.fields.length > RULES.sectionFields)
          problems.push(`${where}.fields must have 1 to ${RULES.sectionFields} items`);
        else
          b.fields.forEach((f: unknown, j) =>
            problems.push(...textObject(f, `${where}.fields[${j}]`, RULES.sectionField)),
          );
      }
    }
    if (b.type === 'header') problems.push(...textObject(b.text, `${where}.text`, RULES.headerText, 'plain_text'));
    if (b.type === 'context') {
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > RULES.contextElements)
        problems.push(`${where}.elements must have 1 to ${RULES.contextElements} items`);
      else
        b.elements.forEach((e: unknown, j) =>
          problems.push(...textObject(e, `${where}.elements[${j}]`, RULES.textObject)),
        );
    }
    return undefined;
  });
  return problems;
}
