import { Extension, type Editor } from "@tiptap/core";
import { Plugin, PluginKey } from "@tiptap/pm/state";
import { imageSrcOf, PAGE_IMAGE } from "./page-image.ts";

/**
 * Pasting or dropping an image into a page uploads it to the room's file library
 * (`POST /api/v1/rooms/:roomId/files`) with the page's visibility — so an image pasted into a
 * shared page is a shared file, and the buyer's side can see it — then inserts it as an image
 * whose src is the file's download address (app/editor/page-image.ts). The file stays in the
 * library like any other upload.
 */

const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

export interface ImageUploadOptions {
  roomId: string;
  visibility: "internal" | "shared";
  /** Tells the person what happened (an upload failed, a file was not an image). */
  onMessage: (message: string | null) => void;
}

/** Uploads `file` and answers the new file's id. */
export async function uploadImageFile(file: File, options: Pick<ImageUploadOptions, "roomId" | "visibility">): Promise<string> {
  const form = new FormData();
  form.append("visibility", options.visibility);
  form.append("file", file, file.name || "image.png");
  const res = await fetch(`/api/v1/rooms/${options.roomId}/files`, { method: "POST", body: form, credentials: "same-origin" });
  const body = (await res.json().catch(() => null)) as { id?: string; contentType?: string; error?: { message?: string } } | null;
  if (res.status !== 201 || !body?.id) throw new Error(body?.error?.message ?? `The upload failed (${res.status}).`);
  if (body.contentType && !IMAGE_TYPES.has(body.contentType)) throw new Error("The file was saved to the library, but it is not an image a page can show.");
  return body.id;
}

/** Uploads each image and inserts it at `pos` (or the selection), in order. */
export async function insertImages(editor: Editor, files: File[], options: ImageUploadOptions, pos?: number) {
  options.onMessage(files.length === 1 ? "Uploading the image…" : `Uploading ${files.length} images…`);
  try {
    for (const file of files) {
      const id = await uploadImageFile(file, options);
      if (editor.isDestroyed) return;
      const alt = (file.name || "").replace(/\.[a-z0-9]+$/i, "").replace(/[-_]+/g, " ").slice(0, 200);
      const content = { type: PAGE_IMAGE, attrs: { src: imageSrcOf(id), alt: alt && alt !== "image" ? alt : null } };
      if (pos !== undefined) editor.chain().insertContentAt(pos, content).run();
      else editor.chain().focus().insertContent(content).run();
    }
    options.onMessage(null);
  } catch (error) {
    options.onMessage(error instanceof Error ? error.message : "The upload failed.");
  }
}

const imageFiles = (list: FileList | null | undefined) => [...(list ?? [])].filter((f) => IMAGE_TYPES.has(f.type));

export function imageUpload(options: ImageUploadOptions) {
  return Extension.create({
    name: "imageUpload",
    addProseMirrorPlugins() {
      const editor = this.editor;
      return [
        new Plugin({
          key: new PluginKey("imageUpload"),
          props: {
            handlePaste: (_view, event) => {
              const files = imageFiles(event.clipboardData?.files);
              if (!files.length || !editor.isEditable) return false;
              event.preventDefault();
              void insertImages(editor, files, options);
              return true;
            },
            handleDrop: (view, event, _slice, moved) => {
              if (moved || !editor.isEditable) return false;
              const files = imageFiles(event.dataTransfer?.files);
              if (!files.length) return false;
              event.preventDefault();
              const pos = view.posAtCoords({ left: event.clientX, top: event.clientY })?.pos;
              void insertImages(editor, files, options, pos);
              return true;
            },
          },
        }),
      ];
    },
  });
}
