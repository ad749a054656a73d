import { AppError } from "../errors.ts";
import { markdownToNode } from "./markdown-import.ts";

/**
 * The Markdown import, in a worker thread of the pool in markdown-pool.ts: the page node as JSON,
 * or the AppError it threw as plain data (errors do not cross threads with their class).
 */
export default function parse(markdown: string) {
  try {
    return { ok: true as const, json: markdownToNode(markdown).toJSON() };
  } catch (error) {
    if (error instanceof AppError) {
      return { ok: false as const, status: error.status, code: error.code, message: error.message, fields: error.fields };
    }
    throw error;
  }
}
