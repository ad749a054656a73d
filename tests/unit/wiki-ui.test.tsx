import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import { buildTree, type TreePage } from "../../app/components/wiki/page-tree.tsx";
import { SaveStatus } from "../../app/components/wiki/save-status.tsx";
import { SearchSnippet } from "../../app/components/wiki/search-snippet.tsx";
import { presentUsers } from "../../app/editor/presence.ts";
import { linkHref } from "../../app/editor/link-form.tsx";

// The wiki UI's pure parts: the tree, link input, presence and search snippets.

const page = (id: string, parentId: string | null, archived = false): TreePage => ({ id, title: id, visibility: "shared", parentId, archived });

describe("buildTree", () => {
  it("nests pages under their parents in the order given", () => {
    const roots = buildTree([page("a", null), page("b", "a"), page("c", "a"), page("d", null)]);
    expect(roots.map((n) => n.page.id)).toEqual(["a", "d"]);
    expect(roots[0]!.children.map((n) => n.page.id)).toEqual(["b", "c"]);
  });

  it("puts a page whose parent is not in the list at the top level", () => {
    const roots = buildTree([page("child", "hidden-parent")]);
    expect(roots.map((n) => n.page.id)).toEqual(["child"]);
  });
});

describe("linkHref", () => {
  it("adds https:// to a bare address and keeps web, mail and same-site links", () => {
    expect(linkHref("acme.example/rfp")).toBe("https://acme.example/rfp");
    expect(linkHref("  https://acme.example  ")).toBe("https://acme.example");
    expect(linkHref("mailto:jordan@acme.example")).toBe("mailto:jordan@acme.example");
    expect(linkHref("/rooms/1/pages/2")).toBe("/rooms/1/pages/2");
  });

  it("refuses script and data links, and empty input", () => {
    expect(linkHref("javascript:alert(1)")).toBeNull();
    expect(linkHref("JavaScript:alert(1)")).toBeNull();
    expect(linkHref("java\tscript:alert(1)")).toBeNull();
    expect(linkHref("data:text/html,<script>alert(1)</script>")).toBeNull();
    expect(linkHref("   ")).toBeNull();
  });
});

describe("presentUsers", () => {
  function awarenessWith(states: Record<string, unknown>[]) {
    const me = new Awareness(new Y.Doc());
    me.setLocalStateField("user", states[0]);
    for (const state of states.slice(1)) {
      const other = new Awareness(new Y.Doc());
      other.setLocalStateField("user", state);
      me.states.set(other.clientID, other.getLocalState()!);
    }
    return me;
  }

  it("lists each person once, me first, then by name, with the colour of their id", () => {
    const awareness = awarenessWith([
      { id: "u-maya", name: "Maya Chen" },
      { id: "u-sam", name: "Sam Okafor" },
      { id: "u-jordan", name: "Jordan Lee" },
      { id: "u-jordan", name: "Jordan Lee" }, // a second tab
    ]);
    const users = presentUsers(awareness);
    expect(users.map((u) => [u.name, u.isMe])).toEqual([
      ["Maya Chen", true],
      ["Jordan Lee", false],
      ["Sam Okafor", false],
    ]);
    expect(users.every((u) => /^#[0-9a-f]{6}$/.test(u.color))).toBe(true);
  });

  it("skips states without a user name (a client that only sent a cursor)", () => {
    const awareness = awarenessWith([{ id: "u-maya", name: "Maya Chen" }, { id: "u-x" }]);
    expect(presentUsers(awareness).map((u) => u.name)).toEqual(["Maya Chen"]);
  });
});

describe("SearchSnippet", () => {
  it("marks the highlighted ranges and escapes everything as text", () => {
    const html = renderToStaticMarkup(
      <SearchSnippet hit={{ id: "p", title: "t", snippet: "<b>Okta</b> SSO via Okta", highlights: [[3, 7], [20, 24]] }} />,
    );
    expect(html).toBe('<span class="wiki-search-snippet">&lt;b&gt;<mark>Okta</mark>&lt;/b&gt; SSO via <mark>Okta</mark></span>');
  });

  it("ignores overlapping or empty ranges instead of garbling the text", () => {
    const html = renderToStaticMarkup(<SearchSnippet hit={{ id: "p", title: "t", snippet: "pilot plan", highlights: [[0, 5], [2, 4], [6, 6]] }} />);
    expect(html).toBe('<span class="wiki-search-snippet"><mark>pilot</mark> plan</span>');
  });
});

describe("SaveStatus", () => {
  const label = (props: Parameters<typeof SaveStatus>[0]) => renderToStaticMarkup(<SaveStatus {...props} />).replace(/<[^>]+>/g, "");
  it("says Saved only for the saved state, and how many changes wait offline (docs/decisions/029-offline-editing.md)", () => {
    expect(label({ status: "saved", editable: true, unsaved: { count: 0, kept: true } })).toBe("Saved");
    expect(label({ status: "saving", editable: true, unsaved: { count: 3, kept: true } })).toBe("Saving…");
    expect(label({ status: "offline", editable: true, unsaved: { count: 0, kept: true } })).toBe("Offline — changes kept, reconnecting");
    expect(label({ status: "offline", editable: true, unsaved: { count: 1, kept: true } })).toBe("Offline — 1 change kept on this device");
    expect(label({ status: "offline", editable: true, unsaved: { count: 12, kept: true } })).toBe("Offline — 12 changes kept on this device");
    expect(label({ status: "offline", editable: true, unsaved: { count: 2, kept: false } })).toBe("Offline — 2 changes kept until reconnected");
    // Readers have no changes to keep.
    expect(label({ status: "offline", editable: false, unsaved: { count: 2, kept: true } })).toBe("Offline — reconnecting");
  });
});
