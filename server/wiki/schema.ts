import { getSchema, getTextSerializersFromSchema, type Extensions, type TextSerializer } from "@tiptap/core";
import { MarkdownManager } from "@tiptap/markdown";
import type { Schema } from "@tiptap/pm/model";
import { editorExtensions } from "../../app/editor/extensions.ts";

/** The name TipTap's Collaboration extension (and the API contract) gives the page's shared type. */
export const PAGE_FRAGMENT = "default";

export interface PageSchema {
  extensions: Extensions;
  schema: Schema;
  markdown: MarkdownManager;
  textSerializers: Record<string, TextSerializer>;
}

let built: PageSchema | undefined;

/** The page schema the browser editor uses, built once per process from the shared extension list. */
export function pageSchema(): PageSchema {
  if (!built) {
    const extensions = editorExtensions();
    const schema = getSchema(extensions);
    built = {
      extensions,
      schema,
      markdown: new MarkdownManager({ extensions }),
      textSerializers: getTextSerializersFromSchema(schema),
    };
  }
  return built;
}
