// @vitest-environment happy-dom
// Comments anchored to text in the editor (docs/decisions/028-comments-anchored-to-text.md): the
// anchor made from a selection follows its text through another person's edits arriving over the
// Y.Doc, is drawn as a decoration (never in the document), and resolves to nothing once its text
// is deleted ("Text removed").
import { Editor } from "@tiptap/core";
import { Collaboration } from "@tiptap/extension-collaboration";
import { afterEach, expect, it } from "vitest";
import * as Y from "yjs";
import { editorExtensions } from "../../app/editor/extensions.ts";
import { CommentHighlights, commentHighlightsKey, selectionAnchor, setCommentAnchors, type AnchorPlaces } from "../../app/editor/comment-highlights.client.ts";

const editors: Editor[] = [];
afterEach(() => editors.splice(0).forEach((e) => e.destroy()));

function paragraphDoc(text: string) {
  const doc = new Y.Doc();
  const paragraph = new Y.XmlElement("paragraph");
  paragraph.insert(0, [new Y.XmlText(text)]);
  doc.getXmlFragment("default").insert(0, [paragraph]);
  return doc;
}

function editorOn(doc: Y.Doc, reported: AnchorPlaces[]) {
  const editor = new Editor({
    element: document.createElement("div"),
    extensions: [
      ...editorExtensions(),
      Collaboration.configure({ document: doc, field: "default" }),
      CommentHighlights.configure({ onPlaces: (p) => reported.push(p), onActivate: () => {} }),
    ],
  });
  editors.push(editor);
  return editor;
}

/** The text under each highlight the editor draws now. */
function highlighted(editor: Editor): string[] {
  const set = commentHighlightsKey.getState(editor.state)!.decorations;
  return set.find().map((d) => editor.state.doc.textBetween(d.from, d.to));
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

it("follows its sentence through someone else's edits, and reports the text removed once it is deleted", async () => {
  const mine = paragraphDoc("Scope comes first. The price is final. We start in May.");
  const theirs = new Y.Doc();
  Y.applyUpdate(theirs, Y.encodeStateAsUpdate(mine));
  // The two documents stay in sync, as over the collab socket.
  mine.on("update", (u: Uint8Array, origin: unknown) => origin !== "remote" && Y.applyUpdate(theirs, u, "remote"));
  theirs.on("update", (u: Uint8Array, origin: unknown) => origin !== "remote" && Y.applyUpdate(mine, u, "remote"));

  const reported: AnchorPlaces[] = [];
  const editor = editorOn(mine, reported);
  await settle();
  const text = editor.state.doc.textContent;
  const start = text.indexOf("The price is final.") + 1; // +1: the paragraph's opening
  editor.commands.setTextSelection({ from: start, to: start + "The price is final.".length });
  const anchor = selectionAnchor(editor)!;
  expect(anchor.quote).toBe("The price is final.");
  setCommentAnchors(editor, [{ id: "c1", from: anchor.from, to: anchor.to, visibility: "internal", resolved: false }], null);
  expect(highlighted(editor)).toEqual(["The price is final."]);
  // Nothing of it is in the shared document.
  expect(JSON.stringify(mine.getXmlFragment("default").toJSON())).not.toContain("comment");

  // The other person types before the sentence and after it.
  const theirText = (theirs.getXmlFragment("default").get(0) as Y.XmlElement).get(0) as Y.XmlText;
  theirText.insert(0, "Before anything else: ");
  theirText.insert(theirText.length, " Thanks.");
  await settle();
  expect(editor.state.doc.textContent).toBe("Before anything else: Scope comes first. The price is final. We start in May. Thanks.");
  expect(highlighted(editor)).toEqual(["The price is final."]);

  // One's own typing before it, too.
  editor.commands.insertContentAt(1, "Note: ");
  await settle();
  expect(highlighted(editor)).toEqual(["The price is final."]);
  expect(reported.at(-1)!.c1).not.toBeNull();

  // They delete the sentence: no highlight, and the anchor resolves to nothing.
  const at = theirText.toString().indexOf("The price is final.");
  theirText.delete(at, "The price is final.".length);
  await settle();
  expect(highlighted(editor)).toEqual([]);
  expect(reported.at(-1)).toEqual({ c1: null });
});

it("draws nothing for a resolved comment, and gives no anchor for an empty selection", async () => {
  const doc = paragraphDoc("A sentence to discuss.");
  const editor = editorOn(doc, []);
  await settle();
  editor.commands.setTextSelection(3);
  expect(selectionAnchor(editor)).toBeNull();
  editor.commands.setTextSelection({ from: 1, to: 11 });
  const anchor = selectionAnchor(editor)!;
  setCommentAnchors(editor, [{ id: "c2", from: anchor.from, to: anchor.to, visibility: "shared", resolved: true }], null);
  expect(highlighted(editor)).toEqual([]);
});
