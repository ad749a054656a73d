import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import { editorExtensions, isAllowedLink } from "../../app/editor/extensions.ts";
import { docToMarkdown, markdownToNode, markdownToUpdate, nodeToMarkdown, stateToMarkdown } from "../../server/wiki/markdown.ts";
import { renderPageContent, renderState } from "../../server/wiki/render.ts";
import { PAGE_FRAGMENT } from "../../server/wiki/schema.ts";

/** Markdown → Y update → Y doc → markdown, the path every page's content takes. */
function roundTrip(markdown: string): string {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, markdownToUpdate(markdown));
  return docToMarkdown(doc);
}
/** The round trip keeps the document: parsing the output gives the same ProseMirror JSON. */
function expectStable(markdown: string) {
  const out = roundTrip(markdown);
  expect(markdownToNode(out).toJSON()).toEqual(markdownToNode(markdown).toJSON());
  // And writing it again gives the same text: the output is a fixed point.
  expect(roundTrip(out)).toBe(out);
  return out;
}

describe("markdown round trip through the page's Yjs document", () => {
  it("keeps headings of every level", () => {
    const out = expectStable("# One\n\n## Two\n\n### Three\n\n#### Four\n\n##### Five\n\n###### Six");
    for (let level = 1; level <= 6; level++) expect(out).toMatch(new RegExp(`^${"#".repeat(level)} `, "m"));
    expect(markdownToNode(out).child(2).attrs.level).toBe(3);
  });

  it("keeps bold, italic, strike, inline code and links", () => {
    const out = expectStable("Some **bold**, *italic*, ~~strike~~, `code` and a [link](https://example.com/a?b=c).");
    expect(out.trim()).toBe("Some **bold**, *italic*, ~~strike~~, `code` and a [link](https://example.com/a?b=c).");
    const marks = markdownToNode(out).firstChild!.content.content.flatMap((n) => n.marks.map((m) => m.type.name));
    expect(marks).toEqual(expect.arrayContaining(["bold", "italic", "strike", "code", "link"]));
  });

  it("keeps bullet and ordered lists with nesting", () => {
    const out = expectStable("- one\n- two\n  - two a\n    - two a i\n- three\n\n1. first\n2. second\n   1. second one");
    expect(out).toContain("- one\n- two\n  - two a\n    - two a i\n- three");
    expect(out).toContain("1. first\n2. second\n   1. second one");
    const list = markdownToNode(out).firstChild!;
    expect(list.type.name).toBe("bulletList");
    expect(list.child(1).child(1).type.name).toBe("bulletList");
  });

  it("keeps task lists with checked state and nesting", () => {
    const out = expectStable("- [ ] open\n- [x] done\n  - [ ] nested open\n  - [x] nested done");
    expect(out).toContain("- [ ] open\n- [x] done\n  - [ ] nested open\n  - [x] nested done");
    const list = markdownToNode(out).firstChild!;
    expect(list.type.name).toBe("taskList");
    expect(list.child(1).attrs.checked).toBe(true);
    expect(list.child(1).child(1).type.name).toBe("taskList");
  });

  it("keeps code blocks with their language and content verbatim", () => {
    const code = "```ts\nconst price = 186_000; // *not* emphasis\nif (a < b && c) {}\n```";
    const out = expectStable(code);
    expect(out.trim()).toBe(code);
    expect(markdownToNode(out).firstChild!.attrs.language).toBe("ts");
  });

  it("keeps blockquotes and horizontal rules", () => {
    const out = expectStable("> A quote\n> over two lines\n\n---\n\nAfter the rule");
    expect(out).toMatch(/^> A quote/m);
    expect(out).toMatch(/^---$/m);
    const node = markdownToNode(out);
    expect(node.child(0).type.name).toBe("blockquote");
    expect(node.child(1).type.name).toBe("horizontalRule");
  });

  it("keeps tables with a header row", () => {
    const out = expectStable("| Region | Users |\n| --- | --- |\n| EU | 85 |\n| APAC | 40 |");
    expect(out).toMatch(/\| Region +\| Users +\|/);
    expect(out).toMatch(/\| APAC +\| 40 +\|/);
    const table = markdownToNode(out).firstChild!;
    expect(table.type.name).toBe("table");
    expect(table.childCount).toBe(3);
    expect(table.firstChild!.firstChild!.type.name).toBe("tableHeader");
  });

  it("keeps a whole page mixing everything", () => {
    expectStable(
      "# Plan\n\nIntro with **bold** and [a link](mailto:jordan@acme.example).\n\n- [ ] task\n  - sub\n\n" +
        "```sql\nselect 1;\n```\n\n> quote\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n---\n\n1. end",
    );
  });

  it("keeps characters that mean something in markdown as text", () => {
    const out = expectStable("Prices: 5 * 3 = 15, snake_case, [not a link], R&D, a < b");
    expect(markdownToNode(out).textContent).toBe("Prices: 5 * 3 = 15, snake_case, [not a link], R&D, a < b");
  });

  it("turns empty markdown into an empty page with one paragraph", () => {
    const node = markdownToNode("");
    expect(node.childCount).toBe(1);
    expect(node.firstChild!.type.name).toBe("paragraph");
    expect(roundTrip("")).toBe("");
  });
});

describe("untrusted markdown", () => {
  it("keeps raw HTML as literal text, never as elements", () => {
    const markdown = '<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\nInline <b onclick="x()">bold</b>';
    const node = markdownToNode(markdown);
    expect(node.textContent).toContain("<script>alert(1)</script>");
    const { html } = renderState(markdownToUpdate(markdown));
    expect(html).toBe(
      "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>" +
        '<p>&lt;img src=x onerror="alert(2)"&gt;</p>' +
        '<p>Inline &lt;b onclick="x()"&gt;bold&lt;/b&gt;</p>',
    );
  });

  it("drops links to scripts and data, keeping their text", () => {
    for (const href of ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>x</b>", "vbscript:x", "file:///etc/passwd"]) {
      const node = markdownToNode(`[click](${href})`);
      expect(node.textContent, href).toBe("click");
      expect(node.firstChild!.firstChild!.marks, href).toEqual([]);
      expect(renderState(markdownToUpdate(`[click](${href})`)).html, href).not.toContain("href=\"" + href.slice(0, 5));
    }
  });

  it("keeps web, mail and relative links", () => {
    for (const href of ["https://example.com", "http://example.com/x", "mailto:a@example.com", "/rooms/1", "#section", "page.html"]) {
      expect(isAllowedLink(href), href).toBe(true);
      expect(markdownToNode(`[x](${href})`).firstChild!.firstChild!.marks[0]?.attrs.href, href).toBe(href);
    }
    expect(isAllowedLink("java\tscript:alert(1)")).toBe(false);
    expect(isAllowedLink(" javascript:alert(1)")).toBe(false);
    expect(isAllowedLink(undefined)).toBe(false);
  });

  it("wraps text the parser left outside a block (an image without an image node)", () => {
    const node = markdownToNode("![diagram](https://example.com/d.png)\n\nafter");
    expect(node.firstChild!.type.name).toBe("paragraph");
    expect(node.textContent).toContain("diagram");
  });
});

describe("rendering a page document", () => {
  it("gives text with blocks apart, and HTML from the schema only", () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, markdownToUpdate("# Title\n\nHello **world** & <friends>  \nnext line\n\n- [x] done\n\n| a | b |\n| --- | --- |\n| 1 | 2 |"));
    const { text, html } = renderPageContent(doc);
    expect(text).toBe("Title\n\nHello world & <friends>\nnext line\n\ndone\n\na\n\nb\n\n1\n\n2");
    expect(html).toContain("<h1>Title</h1>");
    expect(html).toContain("<p>Hello <strong>world</strong> &amp; &lt;friends&gt;<br>next line</p>");
    expect(html).toContain("<th colspan=\"1\" rowspan=\"1\"><p>a</p></th>");
    expect(html).toContain('data-type="taskItem"');
    expect(html).toContain('data-checked="true"');
  });

  it("links open safely: no opener, no referrer", () => {
    const { html } = renderState(markdownToUpdate("[docs](https://example.com)"));
    expect(html).toBe('<p><a target="_blank" rel="noopener noreferrer nofollow" href="https://example.com">docs</a></p>');
  });

  it("does not change the document it renders, even where it does not fit the schema", () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, markdownToUpdate("Fine paragraph"));
    // A client wrote an element the schema does not know.
    doc.getXmlFragment(PAGE_FRAGMENT).insert(1, [new Y.XmlElement("marquee")]);
    const before = Y.encodeStateAsUpdate(doc);
    const { html } = renderPageContent(doc);
    expect(html).toBe("<p>Fine paragraph</p>");
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
    expect(doc.getXmlFragment(PAGE_FRAGMENT).length).toBe(2);
  });

  it("reads an encoded state and a node the same way", () => {
    const update = markdownToUpdate("Same *content*");
    expect(stateToMarkdown(update)).toBe(nodeToMarkdown(markdownToNode("Same *content*")));
  });

  it("the shared extension list imports without a DOM and leaves undo to Collaboration", () => {
    expect(typeof document).toBe("undefined");
    const names = editorExtensions().map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(["starterKit", "taskList", "taskItem", "tableKit"]));
    const starterKit = editorExtensions().find((e) => e.name === "starterKit")!;
    expect(starterKit.options.undoRedo).toBe(false);
    expect(starterKit.options.link).toMatchObject({ autolink: true, openOnClick: false });
  });
});
