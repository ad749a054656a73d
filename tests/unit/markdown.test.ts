import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import { editorExtensions, isAllowedLink } from "../../app/editor/extensions.ts";
import { docToMarkdown, markdownToNode, markdownToUpdate, nodeToMarkdown, stateToMarkdown } from "../../server/wiki/markdown.ts";
import { renderNodeHtmlFor, renderPageContent, renderState } from "../../server/wiki/render.ts";
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
    // The link is our own (not inclusive: text typed after a link stays outside it), configured like StarterKit's was.
    expect(starterKit.options.link).toBe(false);
    const link = editorExtensions().find((e) => e.name === "link")!;
    expect(link.options).toMatchObject({ autolink: true, openOnClick: false });
    const { inclusive } = link.config as { inclusive?: () => boolean };
    expect(inclusive?.()).toBe(false);
  });
});

describe("file cards in markdown and HTML", () => {
  const ID = "0a1b2c3d-1111-4222-8333-444455556666";
  const OTHER = "9f8e7d6c-5555-4666-8777-888899990000";

  it("a line [[file:<uuid>]] is a card that carries the file id and nothing else, and round-trips", () => {
    const out = expectStable(`Intro\n\n[[file:${ID.toUpperCase()}]]\n\n[[file:${OTHER}]]\nafter`);
    expect(out).toBe(`Intro\n\n[[file:${ID}]]\n\n[[file:${OTHER}]]\n\nafter`);
    const node = markdownToNode(out);
    expect(node.child(1).toJSON()).toEqual({ type: "fileCard", attrs: { fileId: ID } });
    expect(node.child(2).attrs).toEqual({ fileId: OTHER });
    expect(Object.keys(node.type.schema.nodes.fileCard!.spec.attrs ?? {})).toEqual(["fileId"]);
  });

  it("keeps cards in quotes and after a list item's first line", () => {
    const out = expectStable(`> [[file:${ID}]]\n\n- item\n  [[file:${OTHER}]]\n- next`);
    const node = markdownToNode(out);
    expect(node.child(0).firstChild!.type.name).toBe("fileCard");
    expect(node.child(1).firstChild!.child(1).attrs.fileId).toBe(OTHER);
  });

  it("anything else that looks like a card stays text", () => {
    for (const md of [
      `See [[file:${ID}]] inline`,
      "[[file:not-a-uuid]]",
      `[[file:${ID}]] trailing words`,
      `- [[file:${ID}]]`,
      `- [ ] [[file:${ID}]]`,
      `| a |\n| --- |\n| [[file:${ID}]] |`,
    ]) {
      const out = expectStable(md);
      const cards: string[] = [];
      markdownToNode(out).descendants((n) => void (n.type.name === "fileCard" && cards.push(n.attrs.fileId)));
      expect(cards, md).toEqual([]);
      expect(markdownToNode(out).textContent, md).toContain("[[file:");
    }
  });

  it("stored HTML holds a neutral placeholder with the id; the text (search, diff input) holds nothing of the card", () => {
    const { html, text } = renderState(markdownToUpdate(`Before\n\n[[file:${ID}]]\n\nAfter`));
    expect(html).toBe(
      "<p>Before</p>" +
        `<div class="file-card file-card-pending" data-type="file-card" data-file-id="${ID}"><span class="file-card-icon" aria-hidden="true"></span>` +
        '<span class="file-card-body"><span class="file-card-name">File</span><span class="file-card-meta">Loading…</span></span></div>' +
        "<p>After</p>",
    );
    expect(text).toBe("Before\n\nAfter");
  });

  it("HTML for a reader shows what the reader may see, and nothing at all for a file not available", () => {
    const node = markdownToNode(`[[file:${ID}]]\n\n[[file:${OTHER}]]`);
    const cards = new Map([
      [ID, { id: ID, available: true as const, name: "Pricing <v2>.pdf", contentType: "application/pdf", size: 1536, version: 3, visibility: "shared" as const }],
      [OTHER, { id: OTHER, available: false as const }],
    ]);
    const html = renderNodeHtmlFor(node, { roomId: "room-1", cards });
    expect(html).toContain(`<a class="file-card-name" href="/rooms/room-1/files/${ID}" title="Pricing <v2>.pdf">Pricing &lt;v2&gt;.pdf</a>`);
    expect(html).toContain('<span class="file-card-meta">PDF · 1.5 KB · version 3</span>');
    const second = html.slice(html.indexOf("file-card-unavailable"));
    expect(second).toContain("File not available");
    expect(html).not.toContain(OTHER);
    // A card the caller did not look up reads the same as one not available.
    expect(renderNodeHtmlFor(node, { roomId: "room-1", cards: new Map() })).toBe(
      renderNodeHtmlFor(markdownToNode(`[[file:${OTHER}]]\n\n[[file:${ID}]]`), { roomId: "room-1", cards: new Map([[ID, { id: ID, available: false as const }]]) }),
    );
  });

  it("a file name is text, in the card and in its title, whatever it contains", () => {
    const name = `a"><img src=x onerror=alert(1)>&amp;`;
    const html = renderNodeHtmlFor(markdownToNode(`[[file:${ID}]]`), {
      roomId: "r",
      cards: new Map([[ID, { id: ID, available: true as const, name, contentType: "text/plain", size: 1, version: 1, visibility: "shared" as const }]]),
    });
    expect(html).toContain('title="a&quot;><img src=x onerror=alert(1)>&amp;amp;"');
    expect(html).toContain(">a\"&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;</a>");
    expect(html.match(/<img/g)).toHaveLength(1); // only inside the quoted title attribute
  });

  it("an internal file's card says so to the internal reader", () => {
    const html = renderNodeHtmlFor(markdownToNode(`[[file:${ID}]]`), {
      roomId: "r",
      cards: new Map([[ID, { id: ID, available: true as const, name: "Margin.xlsx", contentType: "text/csv", size: 10, version: 1, visibility: "internal" as const }]]),
    });
    expect(html).toContain("file-card-internal");
    expect(html).toContain(">Internal</span>");
  });
});
