import { Database } from "@hocuspocus/extension-database";
import { Redis } from "@hocuspocus/extension-redis";
import { Server, type Extension } from "@hocuspocus/server";
import postgres from "postgres";

/**
 * @hocuspocus/server 3.4 with its database extension storing to PostgreSQL, as its docs show it
 * (fetch the stored state by name; store the whole state on its debounced save), default debounce
 * (2 s, at most 10 s). DATABASE_URL names the database.
 *
 * With REDIS_URL set (the multi workload, docs/performance.md "Several processes"), it also runs
 * @hocuspocus/extension-redis 3.4 with its defaults, as its docs show it: every update and
 * awareness change is published on the document's channel and applied by every instance that
 * has the document, and a store takes a Redlock lock first (the extension's priority puts it
 * before the database extension's store).
 */
const sql = postgres(process.env.DATABASE_URL!, { max: 10, onnotice: () => {}, connection: { application_name: "bench-server" } });

const redisUrl = process.env.REDIS_URL ? new URL(process.env.REDIS_URL) : null;
const redis: Extension[] = redisUrl ? [new Redis({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) })] : [];

const server = new Server({
  name: "bench",
  port: 0,
  address: "127.0.0.1",
  quiet: true,
  extensions: [
    ...redis,
    new Database({
      fetch: async ({ documentName }) => {
        const [row] = await sql<{ data: Buffer }[]>`select data from hp_documents where name = ${documentName}`;
        return row ? new Uint8Array(row.data) : null;
      },
      store: async ({ documentName, state }) => {
        await sql`
          insert into hp_documents (name, data) values (${documentName}, ${state})
          on conflict (name) do update set data = excluded.data, stored_seq = nextval('hp_store_seq')`;
      },
    }),
  ],
});

await server.listen();
console.log(`LISTENING ${server.address.port}`);
process.on("SIGTERM", () => {
  void server.destroy().then(() => sql.end({ timeout: 5 })).then(() => process.exit(0));
});
