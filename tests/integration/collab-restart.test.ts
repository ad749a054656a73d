import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStoredState } from "../../collab/documents.ts";
import { createTestDatabase } from "../support/db.ts";
import { createRoom, signupUser, type TestUser } from "../support/factories.ts";
import { apiAt, insertPage, openClient, pageText, storedText, typeInto, waitFor, type TestClient } from "./collab-support.ts";

// The real entry point in its own process: a crash (SIGKILL) loses nothing that was reported
// saved, and a graceful stop (SIGTERM) stores everything sent before the signal.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let owner: TestUser;
let roomId: string;

interface Child {
  process: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  output: () => string;
}

async function startChild(): Promise<Child> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", DATABASE_URL: db.url, SEED_DEMO: "false", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // Generous: the machine may be busy, and tsx compiles the server on the way up.
  const url = await waitFor(() => output.match(/running at (http:\/\/\S+)/)?.[1], "the server to start", 90_000).catch((error) => {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${output}`);
  });
  return { process: child, url, exited, output: () => output };
}

/** The server process now running, if any; tests start one when there is none (starting is slow). */
let running: Child | null = null;
async function runningServer(): Promise<Child> {
  if (!running || running.process.exitCode !== null || running.process.signalCode !== null) running = await startChild();
  return running;
}

beforeAll(async () => {
  db = await createTestDatabase();
  const child = await runningServer();
  ({ user: owner } = await signupUser(apiAt(child.url)));
  roomId = (await createRoom(apiAt(child.url), owner)).id;
}, 120_000);
afterAll(async () => {
  if (running) {
    running.process.kill("SIGKILL");
    await running.exited;
  }
  await db.drop();
});

describe("the server process stopping", () => {
  // Three kills at different moments (after 40, 110 and 200 saved keystrokes), each on a fresh page.
  it.each([40, 110, 200])("SIGKILL while typing (after %i saved keystrokes): every edit reported saved is there after a restart", { timeout: 240_000 }, async (killAfter) => {
    const pageId = await insertPage(db.sql, roomId);
    const child = await runningServer();
    let writer: TestClient | undefined;
    try {
      writer = openClient(child.url, pageId, owner.token);
      await writer.waitForStatus("saved", 30_000);
      let lastSaved = "";
      writer.connection.onStatus((status) => {
        if (status === "saved") lastSaved = pageText(writer!.doc);
      });
      // Keep typing; kill the server in the middle of it, once a good part was saved.
      const typing = setInterval(() => typeInto(writer!.doc, "k"), 2);
      await waitFor(() => lastSaved.length >= killAfter, `${killAfter} saved keystrokes`, 60_000);
      child.process.kill("SIGKILL");
      await child.exited;
      clearInterval(typing);
      const savedBeforeKill = lastSaved;
      const typed = pageText(writer.doc);
      writer.connection.provider.disconnect();

      const restarted = await runningServer();
      const stored = storedText(await loadStoredState(db.sql, pageId));
      expect(stored.startsWith(savedBeforeKill)).toBe(true);
      expect(typed.startsWith(stored)).toBe(true);
      // The restarted server serves it, and takes the unsaved rest when the client comes back.
      const reader = openClient(restarted.url, pageId, owner.token);
      await waitFor(() => pageText(reader.doc) === stored, "the stored text from the restarted server", 30_000);
      reader.destroy();
      writer.connection.destroy();
      writer = openClient(restarted.url, pageId, owner.token, writer.doc);
      await writer.waitForStatus("saved", 30_000);
      expect(storedText(await loadStoredState(db.sql, pageId))).toBe(typed);
    } finally {
      writer?.destroy();
    }
  });

  it("SIGTERM: exit code 0, and everything sent before the signal is stored and rendered", { timeout: 240_000 }, async () => {
    const pageId = await insertPage(db.sql, roomId);
    const child = await runningServer();
    const writer = openClient(child.url, pageId, owner.token);
    try {
      await writer.waitForStatus("saved", 30_000);
      typeInto(writer.doc, "Signed order form due Friday");
      // No waiting for "saved": the signal follows the keystrokes at once.
      child.process.kill("SIGTERM");
      const code = await child.exited;
      expect(code, child.output()).toBe(0);
      expect(child.output()).not.toMatch(/"level":(50|60)/);
      expect(storedText(await loadStoredState(db.sql, pageId))).toBe("Signed order form due Friday");
      const [page] = await db.sql<{ text: string }[]>`select content_text as text from pages where id = ${pageId}`;
      expect(page!.text).toBe("Signed order form due Friday");
    } finally {
      writer.destroy();
    }
  });
});
