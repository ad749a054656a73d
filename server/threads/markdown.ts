import MarkdownIt from "markdown-it";

/**
 * Messages are written in a small, safe Markdown subset: bold, italics, lists, links and code.
 * Everything else (raw HTML, images, headings, tables...) stays literal text. The HTML is
 * rendered here, once, when a message is written; browsers only ever get this output.
 */

/** `@[Shown name](user-uuid)`: how a mention is written in a message body (the composer inserts it). */
export const MENTION_PATTERN = /@\[([^\]\n]{1,200})\]\(([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)/gi;

const SAFE_PROTOCOL = /^(https?:|mailto:)/i;
export const LINK_REL = "noopener noreferrer nofollow";

export interface RenderEnv {
  /** Mentioned users who may see the thread, by id → their current name. Others render as plain text. */
  mentions?: ReadonlyMap<string, string>;
}

function createRenderer(): MarkdownIt {
  const md = new MarkdownIt("zero", { html: false, linkify: true, breaks: true });
  md.enable(["emphasis", "list", "link", "linkify", "autolink", "backticks", "fence", "code", "newline", "escape", "entity"]);
  // Only web and mail links; everything else (javascript:, data:, relative paths) stays text.
  md.validateLink = (url: string) => SAFE_PROTOCOL.test(url.trim());

  md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
    const token = tokens[idx]!;
    token.attrSet("rel", LINK_REL);
    token.attrSet("target", "_blank");
    return self.renderToken(tokens, idx, options);
  };

  md.inline.ruler.before("link", "mention", (state, silent) => {
    if (state.src.charCodeAt(state.pos) !== 0x40 /* @ */) return false;
    const pattern = new RegExp(MENTION_PATTERN.source, "iy");
    pattern.lastIndex = state.pos;
    const match = pattern.exec(state.src);
    if (!match) return false;
    if (!silent) {
      const token = state.push("mention", "", 0);
      token.meta = { name: match[1], userId: match[2]!.toLowerCase() };
    }
    state.pos += match[0].length;
    return true;
  });
  md.renderer.rules.mention = (tokens, idx, _options, env: RenderEnv) => {
    const { name, userId } = tokens[idx]!.meta as { name: string; userId: string };
    const known = env?.mentions?.get(userId);
    const escape = md.utils.escapeHtml;
    if (!known) return `@${escape(name)}`;
    return `<span class="mention" data-user-id="${escape(userId)}">@${escape(known)}</span>`;
  };
  return md;
}

const renderer = createRenderer();

/** Safe HTML for a message body. */
export function renderMessage(body: string, env: RenderEnv = {}): string {
  return renderer.render(body, env);
}

/** The user ids a body mentions, in order, without repeats. */
export function mentionedUserIds(body: string): string[] {
  const ids = new Set<string>();
  for (const match of body.matchAll(MENTION_PATTERN)) ids.add(match[2]!.toLowerCase());
  return [...ids];
}

/**
 * A body as text for everything that is not the message's HTML (e-mails, notification and record
 * excerpts, exports): each mention becomes "@Name", as the HTML shows it — the person's name from
 * `mentions` (the message's resolved mentions, views.ts mentionNamesOf) when given, else the name
 * written in the mention. Never the raw `@[Name](id)` code.
 */
export function plainText(body: string, mentions?: ReadonlyMap<string, string>): string {
  return body.replace(MENTION_PATTERN, (_all, name: string, userId: string) => `@${mentions?.get(userId.toLowerCase()) ?? name}`);
}
