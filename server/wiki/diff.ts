import { getText } from "@tiptap/core";
import type { Node as PMNode } from "@tiptap/pm/model";
import { diffArrays, diffWords } from "diff";
import { cardFileId, FILE_CARD, fileCardMarkdown } from "../../app/editor/file-card.ts";
import { pageSchema } from "./schema.ts";

/**
 * A readable diff between two page documents, for people: blocks (a paragraph, a heading,
 * a list item, a table row) are aligned first, then changed blocks are compared word by
 * word. Text only: a change of formatting alone (bold, a link target) does not show.
 */

export interface DiffSegment {
  type: "added" | "removed" | "same";
  text: string;
}
export interface DiffBlock {
  change: "same" | "added" | "removed" | "changed";
  segments: DiffSegment[];
}

/** Give up on a word diff that takes longer than this and show the block as replaced. */
const WORD_DIFF_TIMEOUT_MS = 250;

const inlineText = (node: PMNode) => getText(node, { blockSeparator: " ", textSerializers: pageSchema().textSerializers });

function listMarker(list: PMNode, item: PMNode, index: number): string {
  if (list.type.name === "orderedList") return `${(list.attrs.start ?? 1) + index}. `;
  if (item.type.name === "taskItem") return item.attrs.checked ? "- [x] " : "- [ ] ";
  return "- ";
}

/** Appends the blocks of `node` to `out`, each written with a light markdown-like prefix. */
function collectBlocks(node: PMNode, prefix: string, out: string[]): void {
  const name = node.type.name;
  if (name === "heading") {
    out.push(`${prefix}${"#".repeat(node.attrs.level ?? 1)} ${inlineText(node)}`);
  } else if (name === "codeBlock") {
    out.push(`${prefix}\`\`\`${node.attrs.language ?? ""}\n${node.textContent}\n\`\`\``);
  } else if (name === "horizontalRule") {
    out.push(`${prefix}---`);
  } else if (name === FILE_CARD) {
    // The card as the document has it (its markdown line): the file's name is not in the document.
    const fileId = cardFileId(node.attrs.fileId);
    if (fileId) out.push(`${prefix}${fileCardMarkdown(fileId)}`);
  } else if (name === "tableRow") {
    const cells: string[] = [];
    node.forEach((cell) => cells.push(inlineText(cell)));
    out.push(`${prefix}| ${cells.join(" | ")} |`);
  } else if (name === "bulletList" || name === "orderedList" || name === "taskList") {
    node.forEach((item, _offset, index) => {
      const marker = listMarker(node, item, index);
      item.forEach((part, _o, partIndex) => {
        collectBlocks(part, partIndex === 0 ? prefix + marker : prefix + " ".repeat(marker.length), out);
      });
    });
  } else if (name === "blockquote") {
    node.forEach((child) => collectBlocks(child, `${prefix}> `, out));
  } else if (node.isTextblock) {
    out.push(prefix + inlineText(node));
  } else {
    node.forEach((child) => collectBlocks(child, prefix, out));
  }
}

/** The blocks of a page, in document order. */
export function pageBlocks(doc: PMNode): string[] {
  const out: string[] = [];
  doc.forEach((child) => collectBlocks(child, "", out));
  return out;
}

function changedBlock(before: string, after: string): DiffBlock {
  const words = diffWords(before, after, { timeout: WORD_DIFF_TIMEOUT_MS });
  if (!words) {
    return { change: "changed", segments: [{ type: "removed", text: before }, { type: "added", text: after }] };
  }
  return {
    change: "changed",
    segments: words.map((w) => ({ type: w.added ? "added" : w.removed ? "removed" : "same", text: w.value })),
  };
}

/** How alike two blocks are, 0..1, by the words they share (Dice coefficient). */
function similarity(a: string, b: string): number {
  const words = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const left = words(a);
  const right = new Map<string, number>();
  for (const w of words(b)) right.set(w, (right.get(w) ?? 0) + 1);
  let shared = 0;
  for (const w of left) {
    const n = right.get(w) ?? 0;
    if (n > 0) {
      shared++;
      right.set(w, n - 1);
    }
  }
  const total = left.length + [...right.values()].reduce((x, y) => x + y, 0) + shared;
  return total === 0 ? 1 : (2 * shared) / total;
}

/** Blocks at least this alike show as one changed block; less alike, as removed and added. */
const PAIR_THRESHOLD = 0.3;
/** Above this many block pairs in one replaced run, pair blocks in order instead of by likeness. */
const MAX_ALIGNMENT_CELLS = 40_000;

/**
 * Turns a run of removed blocks followed by a run of added ones into changed, removed and
 * added blocks, pairing blocks that are alike while keeping document order.
 */
function alignReplaced(removed: string[], added: string[]): DiffBlock[] {
  const n = removed.length;
  const m = added.length;
  const removedBlock = (text: string): DiffBlock => ({ change: "removed", segments: [{ type: "removed", text }] });
  const addedBlock = (text: string): DiffBlock => ({ change: "added", segments: [{ type: "added", text }] });
  if (n * m > MAX_ALIGNMENT_CELLS) {
    const paired = Math.min(n, m);
    return [
      ...removed.slice(0, paired).map((text, k) => changedBlock(text, added[k]!)),
      ...removed.slice(paired).map(removedBlock),
      ...added.slice(paired).map(addedBlock),
    ];
  }
  // score[i][j]: best total likeness aligning removed[i..] with added[j..].
  const score = Array.from({ length: n + 1 }, () => new Float64Array(m + 1));
  const sim = (i: number, j: number) => similarity(removed[i]!, added[j]!);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const s = sim(i, j);
      score[i]![j] = Math.max(score[i + 1]![j]!, score[i]![j + 1]!, s >= PAIR_THRESHOLD ? s + score[i + 1]![j + 1]! : 0);
    }
  }
  const out: DiffBlock[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    const s = sim(i, j);
    if (s >= PAIR_THRESHOLD && score[i]![j] === s + score[i + 1]![j + 1]!) out.push(changedBlock(removed[i++]!, added[j++]!));
    else if (score[i]![j] === score[i + 1]![j]) out.push(removedBlock(removed[i++]!));
    else out.push(addedBlock(added[j++]!));
  }
  while (i < n) out.push(removedBlock(removed[i++]!));
  while (j < m) out.push(addedBlock(added[j++]!));
  return out;
}

/** Aligns the blocks of two versions: equal blocks stay, replaced runs are paired by likeness. */
export function diffBlocks(before: string[], after: string[]): DiffBlock[] {
  const result: DiffBlock[] = [];
  const changes = diffArrays(before, after);
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i]!;
    if (!change.added && !change.removed) {
      for (const text of change.value) result.push({ change: "same", segments: [{ type: "same", text }] });
    } else if (change.removed && changes[i + 1]?.added) {
      result.push(...alignReplaced(change.value, changes[++i]!.value));
    } else {
      result.push(...(change.added ? alignReplaced([], change.value) : alignReplaced(change.value, [])));
    }
  }
  return result;
}

/** Empty blocks (a blank paragraph typed or removed) carry no words: a readable diff leaves them out. */
const withWords = (blocks: string[]) => blocks.filter((text) => text.trim() !== "");
export const diffPages = (before: PMNode, after: PMNode) => diffBlocks(withWords(pageBlocks(before)), withWords(pageBlocks(after)));
