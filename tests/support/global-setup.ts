import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { connect } from "../../db/client.ts";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../db/embedded.ts";
import { migrate } from "../../db/migrate.ts";
import { databaseUrlWith } from "./db.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the migrated template database; every test file clones its own from it. */
    templateDatabaseUrl: string;
  }
}

/**
 * Uses TEST_DATABASE_URL's server when set, else an embedded PostgreSQL in a temp dir.
 * Migrates one template database per run (unique name, so parallel runs don't collide).
 */
export default async function setup(project: TestProject) {
  let embedded: EmbeddedDatabase | null = null;
  let tempDir: string | null = null;
  let serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    tempDir = await mkdtemp(path.join(os.tmpdir(), "dealroom-test-pg-"));
    // As root, PostgreSQL runs as the "postgres" user, which must be able to enter the directory.
    await chmod(tempDir, 0o755);
    embedded = await startEmbeddedPostgres(path.join(tempDir, "pg"), { database: "postgres" });
    serverUrl = embedded.url;
  }
  const templateName = `dealroom_tpl_${process.pid}_${Date.now().toString(36)}`;
  const admin = connect(serverUrl, { max: 1 });
  await admin.unsafe(`create database "${templateName}"`);
  const templateUrl = databaseUrlWith(serverUrl, templateName);
  const tpl = connect(templateUrl, { max: 1 });
  await migrate(tpl);
  await tpl.end();
  project.provide("templateDatabaseUrl", templateUrl);

  return async () => {
    // Drop the databases this run made; the system server keeps nothing from us.
    const rows = await admin<{ datname: string }[]>`
      select datname from pg_database where datname like ${`dealroom_t_${process.pid}_%`} or datname = ${templateName}`;
    for (const { datname } of rows) await admin.unsafe(`drop database if exists "${datname}" with (force)`).catch(() => {});
    await admin.end();
    await embedded?.stop();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  };
}
