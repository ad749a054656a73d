import type { JSONContent } from "@tiptap/core";
import MarkdownIt from "markdown-it";
import type StateInline from "markdown-it/lib/rules_inline/state_inline.mjs";
import type Token from "markdown-it/lib/token.mjs";
import { cardFileId, FILE_CARD, fileCardMarkdown } from "../../app/editor/file-card.ts";
import { BOUNDS, DocumentOutOfBounds } from "./bounds.ts";

/**
 * Markdown → page JSON with markdown-it, whose inline and block parsers stay linear on
 * pathological input (emphasis delimiter runs, unclosed brackets, deep quotes). TipTap's own
 * MarkdownManager tokenizes with marked, whose emphasis tokenizer is quadratic in the number of
 * unmatched `*`/`_` delimiters (marked issue #4099): a 30 KB body held the server for 21.7 s.
 * docs/decisions/013-document-bounds.md. The output is what TipTap's serializer writes back
 * (markdown.ts): headings, emphasis, strike, `++underline++`, code, links, lists, task lists,
 * code blocks, quotes, rules, tables, hard breaks and `[[file:<uuid>]]` card lines.
 * Raw HTML stays literal text (`html: false`).
 */

function createParser(): MarkdownIt {
  // markdown-it cuts nesting past this off silently; any cut leaves blocks deeper than BOUNDS.maxDepth, which parseMarkdown refuses.
  const md = new MarkdownIt("default", { html: false, linkify: true, typographer: false });
  (md.options as { maxNesting?: number }).maxNesting = BOUNDS.maxDepth + 8;
  // Every link is kept here; unsafe ones lose their link (keeping their text) in markdown.ts.
  md.validateLink = () => true;
  md.inline.ruler.before("emphasis", "underline", underlineTokenize);
  md.inline.ruler2.before("emphasis", "underline", underlinePostProcess);
  return md;
}

const PLUS = 0x2b;

/** `++underline++`, as TipTap's underline extension writes it: markdown-it's strikethrough rule with `+`. */
function underlineTokenize(state: StateInline, silent: boolean): boolean {
  if (silent || state.src.charCodeAt(state.pos) !== PLUS) return false;
  const scanned = state.scanDelims(state.pos, true);
  let len = scanned.length;
  if (len < 2) return false;
  if (len % 2) {
    state.push("text", "", 0).content = "+";
    len--;
  }
  for (let i = 0; i < len; i += 2) {
    state.push("text", "", 0).content = "++";
    state.delimiters.push({ marker: PLUS, length: 0, token: state.tokens.length - 1, end: -1, open: scanned.can_open, close: scanned.can_close });
  }
  state.pos += scanned.length;
  return true;
}

function underlinePostProcess(state: StateInline): boolean {
  const lists = [state.delimiters, ...state.tokens_meta.map((m) => m?.delimiters ?? [])];
  for (const delimiters of lists) {
    for (const start of delimiters) {
      if (start.marker !== PLUS || start.end === -1) continue;
      const end = delimiters[start.end]!;
      Object.assign(state.tokens[start.token]!, { type: "u_open", tag: "u", nesting: 1, markup: "++", content: "" });
      Object.assign(state.tokens[end.token]!, { type: "u_close", tag: "u", nesting: -1, markup: "++", content: "" });
    }
  }
  return true;
}

let parser: MarkdownIt | undefined;

const CARD_LINE = /^\[\[file:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\]\][ \t]*$/i;
const TASK = /^\[([ xX])\](?: |$)/;

interface Open {
  node: JSONContent;
  content: JSONContent[];
}

const MARKS: Record<string, string> = { em: "italic", strong: "bold", s: "strike", u: "underline" };

/** Inline tokens → text nodes with marks, hard breaks as nodes, soft breaks as "\n" (what TipTap keeps). */
function inlineContent(children: Token[]): JSONContent[] {
  const out: JSONContent[] = [];
  const marks: NonNullable<JSONContent["marks"]> = [];
  const text = (value: string, extra: JSONContent["marks"] = []) => {
    if (!value) return;
    const all = [...marks, ...extra];
    out.push({ type: "text", text: value, ...(all.length ? { marks: all } : {}) });
  };
  for (const token of children) {
    const base = token.type.replace(/_(open|close)$/, "");
    if (MARKS[base] && token.nesting === 1) marks.push({ type: MARKS[base] });
    else if (MARKS[base] && token.nesting === -1) removeLast(marks, MARKS[base]);
    else if (token.type === "link_open") {
      const title = token.attrGet("title");
      marks.push({ type: "link", attrs: { href: token.attrGet("href") ?? "", ...(title ? { title } : {}) } });
    } else if (token.type === "link_close") removeLast(marks, "link");
    else if (token.type === "text") text(token.content);
    else if (token.type === "code_inline") text(token.content, [{ type: "code" }]);
    else if (token.type === "softbreak") text("\n");
    else if (token.type === "hardbreak") out.push({ type: "hardBreak" });
    // No image node: an image keeps its alt text.
    else if (token.type === "image") text(token.content);
    else if (token.content) text(token.content);
  }
  return out;
}

function removeLast(marks: NonNullable<JSONContent["marks"]>, type: string) {
  for (let i = marks.length - 1; i >= 0; i--) if (marks[i]!.type === type) return void marks.splice(i, 1);
}

/** A paragraph's lines: a line that is only a card link becomes a card, the rest stay paragraphs. */
function paragraphBlocks(children: Token[]): JSONContent[] {
  const lines: Token[][] = [[]];
  for (const token of children) {
    if (token.type === "softbreak") lines.push([]);
    else lines.at(-1)!.push(token);
  }
  const blocks: JSONContent[] = [];
  let pending: Token[] = [];
  const flush = () => {
    if (pending.length) blocks.push({ type: "paragraph", content: inlineContent(pending) });
    pending = [];
  };
  for (const line of lines) {
    const plain = line.every((t) => t.type === "text") ? line.map((t) => t.content).join("") : null;
    const fileId = plain === null ? null : cardFileId(CARD_LINE.exec(plain)?.[1]);
    if (fileId) {
      flush();
      blocks.push({ type: FILE_CARD, attrs: { fileId } });
      continue;
    }
    if (pending.length) pending.push({ type: "softbreak", content: "" } as Token);
    pending.push(...line);
  }
  flush();
  if (!blocks.length) blocks.push({ type: "paragraph" });
  return blocks;
}

const cellAlign = (token: Token) => /text-align:\s*(left|center|right)/.exec(token.attrGet("style") ?? "")?.[1] ?? null;

/** A bullet list whose every item starts with `[ ]` or `[x]` is a task list. */
function taskListOrNot(list: JSONContent): JSONContent {
  const items = list.content ?? [];
  const firstText = (item: JSONContent) => {
    const paragraph = item.content?.[0];
    return paragraph?.type === "paragraph" ? paragraph.content?.[0] : undefined;
  };
  const isTask = (item: JSONContent) => {
    const first = firstText(item);
    return first?.type === "text" && !first.marks && TASK.test(first.text ?? "");
  };
  if (!items.length || !items.every(isTask)) return list;
  return {
    type: "taskList",
    content: items.map((item) => {
      const paragraph = item.content![0]!;
      const first = paragraph.content![0]!;
      const checked = TASK.exec(first.text!)![1] !== " ";
      const rest = first.text!.replace(TASK, "");
      const inline = [...(rest ? [{ ...first, text: rest }] : []), ...paragraph.content!.slice(1)];
      return {
        type: "taskItem",
        attrs: { checked },
        content: [{ type: "paragraph", ...(inline.length ? { content: inline } : {}) }, ...item.content!.slice(1)],
      };
    }),
  };
}

/**
 * Parses markdown into the page's JSON. Throws DocumentOutOfBounds when blocks nest deeper than
 * BOUNDS.maxDepth or there are more than BOUNDS.maxNodes of them.
 */
export function parseMarkdown(markdown: string): JSONContent {
  parser ??= createParser();
  const tokens = parser.parse(markdown, {});
  const root: Open = { node: { type: "doc" }, content: [] };
  const stack: Open[] = [root];
  let nodes = 0;
  const push = (node: JSONContent) => {
    if (++nodes > BOUNDS.maxNodes) throw new DocumentOutOfBounds("nodes", `The page has more than ${BOUNDS.maxNodes} blocks.`);
    if (stack.length > BOUNDS.maxDepth) throw new DocumentOutOfBounds("depth", `Blocks are nested deeper than ${BOUNDS.maxDepth} levels.`);
    stack.push({ node, content: [] });
  };
  const pop = () => {
    const open = stack.pop()!;
    // A list item starts with a paragraph (a card line there stays text) and a quote holds a block.
    const first = open.content[0];
    if (open.node.type === "listItem" && first?.type === FILE_CARD) {
      open.content[0] = { type: "paragraph", content: [{ type: "text", text: fileCardMarkdown(first.attrs!.fileId as string) }] };
    }
    if ((open.node.type === "listItem" && open.content[0]?.type !== "paragraph") || (open.node.type === "blockquote" && !open.content.length)) {
      open.content.unshift({ type: "paragraph" });
    }
    const node = { ...open.node, ...(open.content.length ? { content: open.content } : {}) };
    stack.at(-1)!.content.push(node.type === "bulletList" ? taskListOrNot(node) : node);
  };
  const leaf = (node: JSONContent) => {
    push(node);
    stack.pop();
    stack.at(-1)!.content.push(node);
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    switch (token.type) {
      case "paragraph_open": {
        // The paragraph's inline token follows; its lines may hold card lines.
        const inline = tokens[i + 1]?.type === "inline" ? tokens[i + 1]!.children ?? [] : [];
        for (const block of paragraphBlocks(inline)) leaf(block);
        i += tokens[i + 1]?.type === "inline" ? 2 : 1; // skip inline and paragraph_close
        break;
      }
      case "heading_open":
        push({ type: "heading", attrs: { level: Number(token.tag.slice(1)) } });
        break;
      case "blockquote_open":
        push({ type: "blockquote" });
        break;
      case "bullet_list_open":
        push({ type: "bulletList" });
        break;
      case "ordered_list_open":
        push({ type: "orderedList", attrs: { start: Math.min(Number(token.attrGet("start") ?? 1), 1_000_000), type: null } });
        break;
      case "list_item_open":
        push({ type: "listItem" });
        break;
      case "table_open":
        push({ type: "table" });
        break;
      case "tr_open":
        push({ type: "tableRow" });
        break;
      case "th_open":
      case "td_open":
        push({ type: token.type === "th_open" ? "tableHeader" : "tableCell", attrs: { colspan: 1, rowspan: 1, colwidth: null, align: cellAlign(token) } });
        push({ type: "paragraph" });
        break;
      case "th_close":
      case "td_close":
        pop();
        pop();
        break;
      case "heading_close":
      case "blockquote_close":
      case "bullet_list_close":
      case "ordered_list_close":
      case "list_item_close":
      case "table_close":
      case "tr_close":
        pop();
        break;
      case "inline":
        stack.at(-1)!.content.push(...inlineContent(token.children ?? []));
        break;
      case "fence":
      case "code_block": {
        const language = token.type === "fence" ? token.info.trim().split(/\s+/)[0] || null : null;
        const code = token.content.replace(/\n$/, "");
        leaf({ type: "codeBlock", attrs: { language }, ...(code ? { content: [{ type: "text", text: code }] } : {}) });
        break;
      }
      case "hr":
        leaf({ type: "horizontalRule" });
        break;
      default:
        // thead/tbody open and close: no node of their own.
        break;
    }
  }
  return { type: "doc", content: root.content };
}
