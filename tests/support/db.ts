import { inject } from "vitest";
import { connect, type Sql } from "../../db/client.ts";

export function databaseUrlWith(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A fresh database for one test file, cloned from the migrated template. Its name carries
 * the template's run id so global teardown drops it.
 */
export async function createTestDatabase(): Promise<{ sql: Sql; url: string; drop(): Promise<void> }> {
  const templateUrl = inject("templateDatabaseUrl");
  const template = new URL(templateUrl).pathname.slice(1);
  const runId = template.replace(/^dealroom_tpl_/, "").split("_")[0];
  const name = `dealroom_t_${runId}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = connect(databaseUrlWith(templateUrl, "postgres"), { max: 1 });
  // CREATE DATABASE ... TEMPLATE fails while another clone of the same template is starting; retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.unsafe(`create database "${name}" template "${template}"`);
      break;
    } catch (error) {
      if (attempt >= 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  const url = databaseUrlWith(templateUrl, name);
  const sql = connect(url);
  return {
    sql,
    url,
    async drop() {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`drop database if exists "${name}" with (force)`).catch(() => {});
      await admin.end();
    },
  };
}
