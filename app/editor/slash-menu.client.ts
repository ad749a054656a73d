import { Extension, type Editor, type Range } from "@tiptap/core";
import { PluginKey } from "@tiptap/pm/state";
import { Suggestion } from "@tiptap/suggestion";
import { suggestionList, type ListItem } from "./suggestion-list.client.ts";

/**
 * The slash menu: "/" at the start of a word opens a list of blocks to insert, filtered by what
 * follows the slash (TipTap's own @tiptap/suggestion). The page schema has no callout block, so
 * the menu offers none. Image and file card ask the page for a file (upload / the file picker).
 */

export interface SlashItem extends ListItem {
  keywords: string;
  run: (editor: Editor) => void;
}

export interface SlashMenuOptions {
  /** Opens the file chooser for an image; the chosen file is uploaded with the page's visibility. */
  chooseImage: () => void;
  /** Opens the file picker of the toolbar (a file card). */
  chooseFileCard: () => void;
}

export function slashItems(options: SlashMenuOptions): SlashItem[] {
  return [
    { title: "Heading 1", hint: "Big section heading", icon: "H1", keywords: "title h1", run: (e) => e.chain().focus().setHeading({ level: 1 }).run() },
    { title: "Heading 2", hint: "Medium section heading", icon: "H2", keywords: "subtitle h2", run: (e) => e.chain().focus().setHeading({ level: 2 }).run() },
    { title: "Heading 3", hint: "Small section heading", icon: "H3", keywords: "h3", run: (e) => e.chain().focus().setHeading({ level: 3 }).run() },
    { title: "Bulleted list", hint: "A simple list", icon: "•", keywords: "bullet unordered ul", run: (e) => e.chain().focus().toggleBulletList().run() },
    { title: "Numbered list", hint: "A list with numbers", icon: "1.", keywords: "ordered ol number", run: (e) => e.chain().focus().toggleOrderedList().run() },
    { title: "Task list", hint: "Track tasks with checkboxes", icon: "☐", keywords: "todo checkbox check", run: (e) => e.chain().focus().toggleTaskList().run() },
    { title: "Table", hint: "3 × 3 with a header row", icon: "▦", keywords: "grid", run: (e) => e.chain().focus().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run() },
    { title: "Quote", hint: "Capture a quote", icon: "❝", keywords: "blockquote citation", run: (e) => e.chain().focus().toggleBlockquote().run() },
    { title: "Code block", hint: "Code with monospace", icon: "</>", keywords: "pre snippet", run: (e) => e.chain().focus().toggleCodeBlock().run() },
    { title: "Divider", hint: "A line between sections", icon: "—", keywords: "hr horizontal rule separator", run: (e) => e.chain().focus().setHorizontalRule().run() },
    { title: "Image", hint: "Upload to the file library", icon: "🖼", keywords: "picture photo screenshot", run: () => options.chooseImage() },
    { title: "File card", hint: "A file of the room's library", icon: "📄", keywords: "attachment document pdf", run: () => options.chooseFileCard() },
    { title: "Mention", hint: "Notify a participant", icon: "@", keywords: "person people user notify", run: (e) => e.chain().focus().insertContent("@").run() },
  ];
}

const slashKey = new PluginKey("slashMenu");

export function slashMenu(options: SlashMenuOptions) {
  const items = slashItems(options);
  return Extension.create({
    name: "slashMenu",
    addProseMirrorPlugins() {
      return [
        Suggestion<SlashItem, SlashItem>({
          editor: this.editor,
          pluginKey: slashKey,
          char: "/",
          // Not inside code, where a slash is just a slash.
          allow: ({ state, range }) => !state.doc.resolve(range.from).parent.type.spec.code,
          items: ({ query }) => {
            const q = query.toLowerCase().trim();
            return q ? items.filter((i) => i.title.toLowerCase().includes(q) || i.keywords.includes(q)) : items;
          },
          command: ({ editor, range, props }: { editor: Editor; range: Range; props: SlashItem }) => {
            editor.chain().focus().deleteRange(range).run();
            props.run(editor);
          },
          render: suggestionList<SlashItem>({ label: "Insert a block", empty: "No matching block", testId: "slash-menu" }),
        }),
      ];
    },
  });
}
