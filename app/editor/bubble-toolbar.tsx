import { NodeSelection } from "@tiptap/pm/state";
import { useEditorState, type Editor } from "@tiptap/react";
import { BubbleMenu } from "@tiptap/react/menus";
import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { IMAGE_BOUNDS, PAGE_IMAGE } from "./page-image.ts";
import { LinkForm } from "./link-form.tsx";

/**
 * The toolbar that appears over a selection (TipTap's BubbleMenu): bold, italic, link and
 * "Comment" for text; alt text and width for a selected image. A reader who may comment but not
 * edit gets "Comment" alone (docs/decisions/028-comments-anchored-to-text.md).
 */

const IMAGE_WIDTHS = [
  { label: "Small", width: 240 },
  { label: "Medium", width: 480 },
  { label: "Full width", width: null },
] as const;

function isImageSelected(editor: Editor) {
  const { selection } = editor.state;
  return selection instanceof NodeSelection && selection.node.type.name === PAGE_IMAGE;
}

export function BubbleToolbar({ editor, editable = true, onComment }: { editor: Editor; editable?: boolean; onComment?: (() => void) | undefined }) {
  const state = useEditorState({
    editor,
    selector: ({ editor }) => ({
      bold: editor.isActive("bold"),
      italic: editor.isActive("italic"),
      link: editor.isActive("link"),
      image: isImageSelected(editor),
      alt: isImageSelected(editor) ? ((editor.getAttributes(PAGE_IMAGE).alt as string | null) ?? "") : "",
      width: isImageSelected(editor) ? ((editor.getAttributes(PAGE_IMAGE).width as number | null) ?? null) : null,
    }),
  });
  const [linkOpen, setLinkOpen] = useState(false);

  return (
    <BubbleMenu
      editor={editor}
      className="bubble-toolbar"
      data-testid="bubble-toolbar"
      options={{ placement: "top", offset: 8, flip: true, shift: { padding: 8 } }}
      shouldShow={({ editor, state: s, from, to }) => {
        if (!editor.isEditable && !onComment) return false;
        if (isImageSelected(editor)) return editor.isEditable;
        // Text only: not an empty selection, not a whole block node (a file card), not inside code.
        return from !== to && !(s.selection instanceof NodeSelection) && !editor.isActive("codeBlock") && s.doc.textBetween(from, to).trim() !== "";
      }}
    >
      {state.image ? (
        <ImageControls editor={editor} alt={state.alt} width={state.width} />
      ) : linkOpen ? (
        <LinkForm editor={editor} onDone={() => setLinkOpen(false)} className="bubble-row bubble-link" inputId="bubble-link-url" removeLabel="Remove" />
      ) : (
        <div role="toolbar" aria-label="Selection" className="bubble-row">
          {editable && (
            <>
              <BubbleButton label="Bold" active={state.bold} onClick={() => editor.chain().focus().toggleBold().run()}><b>B</b></BubbleButton>
              <BubbleButton label="Italic" active={state.italic} onClick={() => editor.chain().focus().toggleItalic().run()}><i>I</i></BubbleButton>
              <BubbleButton label="Link" active={state.link} onClick={() => setLinkOpen(true)}>Link</BubbleButton>
            </>
          )}
          {onComment && <BubbleButton label="Comment" onClick={onComment}>Comment</BubbleButton>}
        </div>
      )}
    </BubbleMenu>
  );
}

function ImageControls({ editor, alt, width }: { editor: Editor; alt: string; width: number | null }) {
  const [value, setValue] = useState(alt);
  useEffect(() => setValue(alt), [alt]);
  const save = (event: FormEvent) => {
    event.preventDefault();
    editor.chain().focus().updateAttributes(PAGE_IMAGE, { alt: value.trim().slice(0, IMAGE_BOUNDS.maxAlt) || null }).run();
  };
  return (
    <div className="bubble-image">
      <div role="group" aria-label="Image width" className="bubble-row">
        {IMAGE_WIDTHS.map((w) => (
          <BubbleButton
            key={w.label}
            label={w.label}
            active={width === w.width}
            onClick={() => editor.chain().focus().updateAttributes(PAGE_IMAGE, { width: w.width, height: null }).run()}
          >
            {w.label}
          </BubbleButton>
        ))}
      </div>
      <form className="bubble-row" onSubmit={save}>
        <label className="visually-hidden" htmlFor="bubble-image-alt">Alt text</label>
        <input
          id="bubble-image-alt"
          type="text"
          placeholder="Describe the image (alt text)"
          maxLength={IMAGE_BOUNDS.maxAlt}
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit" className="button small">Save</button>
      </form>
    </div>
  );
}

function BubbleButton(props: { label: string; active?: boolean; onClick: () => void; children: ReactNode }) {
  return (
    <button
      type="button"
      className="bubble-button"
      aria-label={props.label}
      aria-pressed={props.active ?? undefined}
      title={props.label}
      onMouseDown={(e) => e.preventDefault()}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}
