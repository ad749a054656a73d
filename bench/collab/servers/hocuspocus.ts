import { Database } from "@hocuspocus/extension-database";
import { Server } from "@hocuspocus/server";
import postgres from "postgres";

/**
 * @hocuspocus/server 3.4 with its database extension storing to PostgreSQL, as its docs show it
 * (fetch the stored state by name; store the whole state on its debounced save), default debounce
 * (2 s, at most 10 s). DATABASE_URL names the database.
 */
const sql = postgres(process.env.DATABASE_URL!, { max: 10, onnotice: () => {}, connection: { application_name: "bench-server" } });

const server = new Server({
  name: "bench",
  port: 0,
  address: "127.0.0.1",
  quiet: true,
  extensions: [
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
