import { reactRouter } from "@react-router/dev/vite";
import { defineConfig } from "vite";
import { domainStaysOnTheServer } from "./vite.boundaries.ts";

export default defineConfig({
  plugins: [reactRouter(), domainStaysOnTheServer()],
  resolve: {
    // One copy of the CRDT stack in the browser bundle: two copies of yjs break its constructor checks.
    dedupe: ["yjs", "y-protocols", "lib0", "@tiptap/pm", "@tiptap/core"],
  },
});
