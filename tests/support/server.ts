import type { Sql } from "../../db/client.ts";
import { createAppContext } from "../../server/boot.ts";
import { loadConfig } from "../../server/config.ts";
import type { AppContext } from "../../server/context.ts";
import { createHttpServer, listen, type WebOptions } from "../../server/http.ts";
import { startJobs, type RunningJobs } from "../../server/jobs.ts";
import { createLogger, type Logger } from "../../server/log.ts";
import { createTestDatabase } from "./db.ts";

export interface TestServer {
  url: string;
  sql: Sql;
  app: AppContext;
  /** The background jobs (server/jobs.ts), e.g. `jobs.runNow("file-sweep")`. */
  jobs: RunningJobs;
  /** fetch against the server; JSON bodies are serialized, a `token` becomes a bearer header. */
  api(path: string, init?: ApiInit): Promise<ApiResponse>;
  close(): Promise<void>;
}
export interface ApiInit {
  method?: string;
  token?: string | undefined;
  body?: unknown;
  /** Raw body, sent as is (for malformed-input tests). */
  rawBody?: string;
  headers?: Record<string, string>;
}
export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
}

/**
 * The real server (the same createHttpServer as `npm start`) on a free port, on a fresh
 * database. `web: "production"` serves the built app (run `npm run build` first).
 */
export async function startTestServer(options: Partial<WebOptions> & { env?: Record<string, string>; log?: Logger } = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  // `env` overrides configuration per test file (e.g. MAX_UPLOAD_BYTES, DATA_DIR).
  const config = loadConfig({ NODE_ENV: "test", PORT: "0", HOST: "127.0.0.1", DATABASE_URL: db.url, LOG_LEVEL: "silent", ...options.env } as NodeJS.ProcessEnv);
  const app = createAppContext(db.sql, config, options.log ?? createLogger("silent"));
  const running = await createHttpServer(app, { web: options.web ?? "none" });
  // The background jobs as `npm start` runs them (server/main.ts).
  const jobs = startJobs(app);
  const url = await listen(running.server, 0, "127.0.0.1");
  return {
    url,
    jobs,
    sql: db.sql,
    app,
    async api(path, init = {}) {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      let body: string | undefined = init.rawBody;
      if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        headers["content-type"] ??= "application/json";
      } else if (body !== undefined) {
        headers["content-type"] ??= "application/json";
      }
      const res = await fetch(`${url}${path}`, { method: init.method ?? (body ? "POST" : "GET"), headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {}
      return { status: res.status, headers: res.headers, body: parsed };
    },
    async close() {
      await jobs.stop();
      await running.close();
      await app.markdown.close();
      await app.redis?.close();
      await db.drop();
    },
  };
}
