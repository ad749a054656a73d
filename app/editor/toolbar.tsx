import { useEditorState, type Editor } from "@tiptap/react";
import { useState, type ReactNode } from "react";
import { FILE_CARD } from "./file-card.ts";
import { FilePicker } from "./file-picker.tsx";
import { LinkForm } from "./link-form.tsx";

/** Extensions a toolbar button needs; a button whose extension is not in the shared list is left out. */
const has = (editor: Editor, name: string) => editor.extensionManager.extensions.some((e) => e.name === name);

function readState(editor: Editor) {
  return {
    paragraph: editor.isActive("paragraph"),
    h1: editor.isActive("heading", { level: 1 }),
    h2: editor.isActive("heading", { level: 2 }),
    h3: editor.isActive("heading", { level: 3 }),
    bold: editor.isActive("bold"),
    italic: editor.isActive("italic"),
    strike: editor.isActive("strike"),
    code: editor.isActive("code"),
    link: editor.isActive("link"),
    bulletList: editor.isActive("bulletList"),
    orderedList: editor.isActive("orderedList"),
    taskList: editor.isActive("taskList"),
    codeBlock: editor.isActive("codeBlock"),
    blockquote: editor.isActive("blockquote"),
    inTable: editor.isActive("table"),
    canUndo: editor.can().undo(),
    canRedo: editor.can().redo(),
  };
}

export function Toolbar({ editor, roomId, pageVisibility, fileOpen, setFileOpen, onImage }: {
  editor: Editor;
  roomId: string;
  pageVisibility: "internal" | "shared";
  /** The file picker (the slash menu opens it too). */
  fileOpen: boolean;
  setFileOpen: (open: boolean | ((open: boolean) => boolean)) => void;
  /** Opens the chooser for an image to upload. */
  onImage: () => void;
}) {
  const state = useEditorState({ editor, selector: ({ editor }) => readState(editor) });
  const [linkOpen, setLinkOpen] = useState(false);
  const chain = () => editor.chain().focus();

  return (
    <div className="wiki-toolbar-wrap">
      <div className="wiki-toolbar" role="toolbar" aria-label="Formatting">
        <Group>
          <Btn label="Normal text" active={state.paragraph} onClick={() => chain().setParagraph().run()}>¶</Btn>
          <Btn label="Heading 1" name="H1 (heading 1)" active={state.h1} onClick={() => chain().toggleHeading({ level: 1 }).run()}>H1</Btn>
          <Btn label="Heading 2" name="H2 (heading 2)" active={state.h2} onClick={() => chain().toggleHeading({ level: 2 }).run()}>H2</Btn>
          <Btn label="Heading 3" name="H3 (heading 3)" active={state.h3} onClick={() => chain().toggleHeading({ level: 3 }).run()}>H3</Btn>
        </Group>
        <Group>
          <Btn label="Bold" shortcut="Mod+B" active={state.bold} onClick={() => chain().toggleBold().run()}><b>B</b></Btn>
          <Btn label="Italic" shortcut="Mod+I" active={state.italic} onClick={() => chain().toggleItalic().run()}><i>I</i></Btn>
          <Btn label="Strikethrough" active={state.strike} onClick={() => chain().toggleStrike().run()}><s>S</s></Btn>
          <Btn label="Inline code" active={state.code} onClick={() => chain().toggleCode().run()}><code>{"<>"}</code></Btn>
          {has(editor, "link") && (
            <Btn
              label="Link"
              active={state.link || linkOpen}
              onClick={() => {
                setFileOpen(false);
                setLinkOpen((open) => !open);
              }}
            >
              <Icon d="M10 14a4 4 0 0 0 5.66 0l3-3a4 4 0 0 0-5.66-5.66l-1 1M14 10a4 4 0 0 0-5.66 0l-3 3a4 4 0 0 0 5.66 5.66l1-1" />
            </Btn>
          )}
        </Group>
        <Group>
          <Btn label="Bulleted list" active={state.bulletList} onClick={() => chain().toggleBulletList().run()}>
            <Icon d="M9 6h11M9 12h11M9 18h11M4.5 6h.01M4.5 12h.01M4.5 18h.01" />
          </Btn>
          <Btn label="Numbered list" active={state.orderedList} onClick={() => chain().toggleOrderedList().run()}>
            <Icon d="M10 6h10M10 12h10M10 18h10M4 4.5h1.2V9M3.8 9h2.6M3.8 14.2c.4-.6 2.6-.8 2.6.5 0 1-2.6 1.8-2.6 3.3h2.7" />
          </Btn>
          {has(editor, "taskList") && (
            <Btn label="Task list" active={state.taskList} onClick={() => chain().toggleTaskList().run()}>
              <Icon d="M4 5h5v5H4zM5.2 7.6l1.2 1.2 2-2.4M13 7.5h7M4 14h5v5H4zM13 16.5h7" />
            </Btn>
          )}
        </Group>
        <Group>
          <Btn label="Quote" active={state.blockquote} onClick={() => chain().toggleBlockquote().run()}>
            <Icon d="M7 7h4v4H8c0 2 1 3 3 3M14 7h4v4h-3c0 2 1 3 3 3" />
          </Btn>
          <Btn label="Code block" active={state.codeBlock} onClick={() => chain().toggleCodeBlock().run()}>
            <Icon d="M8 8l-4 4 4 4M16 8l4 4-4 4M13.5 6l-3 12" />
          </Btn>
          {has(editor, "table") && (
            <Btn
              label="Insert table"
              active={state.inTable}
              onClick={() => chain().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run()}
            >
              <Icon d="M4 5h16v14H4zM4 10h16M4 15h16M10 5v14M15 5v14" />
            </Btn>
          )}
          {has(editor, "image") && (
            <Btn label="Insert image" onClick={onImage}>
              <Icon d="M4 5h16v14H4zM4 16l5-5 4 4 2-2 5 5M15.5 9.5h.01" />
            </Btn>
          )}
          {has(editor, FILE_CARD) && (
            <Btn
              label="Insert file"
              active={fileOpen}
              onClick={() => {
                setLinkOpen(false);
                setFileOpen((open) => !open);
              }}
            >
              <Icon d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8zM14 3v5h5M12 12v6M9 15h6" />
            </Btn>
          )}
        </Group>
        {state.inTable && (
          <Group>
            <Btn label="Add a row below" onClick={() => chain().addRowAfter().run()}>+ Row</Btn>
            <Btn label="Add a column to the right" onClick={() => chain().addColumnAfter().run()}>+ Col</Btn>
            <Btn label="Delete this row" onClick={() => chain().deleteRow().run()}>− Row</Btn>
            <Btn label="Delete this column" onClick={() => chain().deleteColumn().run()}>− Col</Btn>
            <Btn label="Delete table" onClick={() => chain().deleteTable().run()}>
              <Icon d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13" />
            </Btn>
          </Group>
        )}
        <Group>
          <Btn label="Undo my last change" shortcut="Mod+Z" disabled={!state.canUndo} onClick={() => chain().undo().run()}>
            <Icon d="M9 14L4 9l5-5M4 9h10a6 6 0 0 1 0 12h-3" />
          </Btn>
          <Btn label="Redo" shortcut="Mod+Shift+Z" disabled={!state.canRedo} onClick={() => chain().redo().run()}>
            <Icon d="M15 14l5-5-5-5M20 9H10a6 6 0 0 0 0 12h3" />
          </Btn>
        </Group>
      </div>
      {linkOpen && <LinkForm editor={editor} onDone={() => setLinkOpen(false)} className="wiki-linkform" inputId="wiki-link-url" removeLabel="Remove link" withCancel />}
      {fileOpen && (
        <FilePicker
          roomId={roomId}
          pageVisibility={pageVisibility}
          onPick={(fileId) => {
            chain().insertFileCard(fileId).run();
            setFileOpen(false);
          }}
          onDone={() => {
            setFileOpen(false);
            editor.commands.focus();
          }}
        />
      )}
    </div>
  );
}

function Group({ children }: { children: ReactNode }) {
  return <div className="wiki-toolbar-group">{children}</div>;
}

/** label: the tooltip; name: the accessible name when the label does not contain the visible text (WCAG 2.5.3). */
function Btn(props: { label: string; name?: string; shortcut?: string; active?: boolean; disabled?: boolean; onClick: () => void; children: ReactNode }) {
  const title = props.shortcut ? `${props.label} (${props.shortcut.replace("Mod", isMac() ? "⌘" : "Ctrl")})` : props.label;
  return (
    <button
      type="button"
      className="wiki-tool"
      aria-label={props.name ?? props.label}
      aria-pressed={props.active ?? undefined}
      title={title}
      disabled={props.disabled}
      // Keep the editor's selection: a mousedown on a button would otherwise blur it.
      onMouseDown={(e) => e.preventDefault()}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}

function Icon({ d }: { d: string }) {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d={d} />
    </svg>
  );
}

function isMac() {
  return typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);
}
