import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Sql } from "./client.ts";

/** db/migrations of the checkout, from this file (db/migrate.ts) or from the compiled server (builds/<id>/node). */
const MIGRATIONS_DIR = (() => {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "db", "migrations");
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error("db/migrations not found above the server's code");
  }
})();
/** Any constant works; it only has to be the same in every process that migrates this database. */
const MIGRATION_LOCK_KEY = 720_431_977;

/**
 * Applies db/migrations/NNNN_name.sql in order, each in its own transaction, recorded in
 * schema_migrations. An advisory lock makes two processes starting at once take turns.
 */
export async function migrate(sql: Sql): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  await sql.reserve().then(async (conn) => {
    try {
      await conn`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
      await conn`create table if not exists schema_migrations (
        name text primary key, applied_at timestamptz not null default now())`;
      const done = new Set((await conn<{ name: string }[]>`select name from schema_migrations`).map((r) => r.name));
      for (const file of files) {
        if (done.has(file)) continue;
        const text = await readFile(path.join(MIGRATIONS_DIR, file), "utf8");
        await conn`begin`;
        try {
          await conn.unsafe(text);
          await conn`insert into schema_migrations (name) values (${file})`;
          await conn`commit`;
        } catch (error) {
          await conn`rollback`;
          throw new Error(`Migration ${file} failed: ${(error as Error).message}`);
        }
        applied.push(file);
      }
    } finally {
      await conn`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
      conn.release();
    }
  });
  return applied;
}
