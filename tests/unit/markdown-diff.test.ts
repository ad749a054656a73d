import { describe, expect, it } from "vitest";
import { diffBlocks, diffPages, pageBlocks, type DiffBlock } from "../../server/wiki/diff.ts";
import { markdownToNode } from "../../server/wiki/markdown.ts";
import { pageSchema } from "../../server/wiki/schema.ts";

const blocksOf = (markdown: string) => pageBlocks(markdownToNode(markdown));
const diff = (before: string, after: string) => diffPages(markdownToNode(before), markdownToNode(after));
/** A block as one line: [-removed-] and {+added+}, like `git diff --word-diff`. */
const show = (block: DiffBlock) =>
  block.segments.map((s) => (s.type === "same" ? s.text : s.type === "added" ? `{+${s.text}+}` : `[-${s.text}-]`)).join("");

describe("page blocks", () => {
  it("writes each block on its own with a light markdown prefix", () => {
    expect(
      blocksOf(
        "# Plan\n\nIntro **bold**\n\n- one\n- two\n  - nested\n\n3. third\n4. fourth\n\n- [x] done\n- [ ] open\n\n" +
          "> quoted\n\n```js\nx()\n```\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n---",
      ),
    ).toEqual([
      "# Plan",
      "Intro bold",
      "- one",
      "- two",
      "  - nested",
      "3. third",
      "4. fourth",
      "- [x] done",
      "- [ ] open",
      "> quoted",
      "```js\nx()\n```",
      "| a | b |",
      "| 1 | 2 |",
      "---",
    ]);
  });

  it("indents the later paragraphs of a list item under its marker", () => {
    const node = markdownToNode("1. first line\n\n   second paragraph");
    expect(pageBlocks(node)).toEqual(["1. first line", "   second paragraph"]);
  });
});

describe("diff between two versions", () => {
  it("leaves out blank paragraphs: a blank line typed beside new text adds nothing empty", () => {
    const before = { type: "doc", content: [{ type: "paragraph", content: [{ type: "text", text: "Priced per seat." }] }] };
    const after = { type: "doc", content: [...before.content, { type: "paragraph" }, { type: "paragraph", content: [{ type: "text", text: "Counter offer." }] }] };
    const { schema } = pageSchema();
    const blocks = diffPages(schema.nodeFromJSON(before), schema.nodeFromJSON(after));
    expect(blocks.map((b) => b.change)).toEqual(["same", "added"]);
    expect(blocks[1]!.segments.map((s) => s.text).join("")).toBe("Counter offer.");
  });

  it("marks identical documents as all same", () => {
    const blocks = diff("# A\n\ntext", "# A\n\ntext");
    expect(blocks.every((b) => b.change === "same")).toBe(true);
    expect(blocks).toHaveLength(2);
  });

  it("shows a changed word inside its block", () => {
    const blocks = diff("We ship in March.", "We ship in April.");
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.change).toBe("changed");
    expect(show(blocks[0]!)).toBe("We ship in [-March-]{+April+}.");
  });

  it("shows added and removed blocks whole", () => {
    const blocks = diff("keep\n\ndrop me", "keep\n\nnew block");
    expect(blocks.map((b) => b.change)).toEqual(["same", "removed", "added"]);
    expect(show(blocks[1]!)).toBe("[-drop me-]");
    expect(show(blocks[2]!)).toBe("{+new block+}");
  });

  it("pairs a changed block with the block it resembles, not merely the next one", () => {
    const blocks = diff("- one\n- two\n  - nested\n\n- [ ] todo", "- one\n- two\n  - nested deeper\n- three\n\n- [x] todo");
    expect(blocks.map(show)).toEqual(["- one", "- two", "  - nested {+deeper+}", "{+- three+}", "- [{+x+}] todo"]);
  });

  it("shows a ticked task and an edited table cell", () => {
    const blocks = diff("- [ ] sign\n\n| a | b |\n| --- | --- |\n| 1 | 2 |", "- [x] sign\n\n| a | b |\n| --- | --- |\n| 1 | 3 |");
    expect(blocks.filter((b) => b.change === "changed").map(show)).toEqual(["- [{+x+}] sign", "| 1 | [-2-]{+3+} |"]);
  });

  it("keeps document order when many blocks are replaced", () => {
    const before = Array.from({ length: 5 }, (_, i) => `old paragraph number ${i}`);
    const after = Array.from({ length: 5 }, (_, i) => `new paragraph number ${i}`);
    const blocks = diffBlocks(before, after);
    expect(blocks).toHaveLength(5);
    expect(blocks.map(show)).toEqual(before.map((_, i) => `[-old-]{+new+} paragraph number ${i}`));
  });

  it("does not pair blocks that have nothing in common", () => {
    const blocks = diffBlocks(["alpha beta gamma"], ["completely different words"]);
    expect(blocks.map((b) => b.change)).toEqual(["removed", "added"]);
  });

  it("handles empty sides", () => {
    expect(diffBlocks([], ["a"])).toEqual([{ change: "added", segments: [{ type: "added", text: "a" }] }]);
    expect(diffBlocks(["a"], [])).toEqual([{ change: "removed", segments: [{ type: "removed", text: "a" }] }]);
    expect(diffBlocks([], [])).toEqual([]);
  });
});
