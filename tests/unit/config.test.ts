import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env as NodeJS.ProcessEnv);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe("loadConfig", () => {
  it("starts from defaults that need no set-up", () => {
    const config = loadConfig({} as NodeJS.ProcessEnv);
    expect(config).toMatchObject({
      env: "production",
      port: 3000,
      host: "0.0.0.0",
      dataDir: path.resolve(".data"),
      databaseUrl: undefined,
      publicUrl: undefined,
      redisUrl: undefined,
      logLevel: "info",
      seedDemo: true,
    });
  });

  it("reads every setting", () => {
    const config = loadConfig({
      NODE_ENV: "development",
      PORT: "8080",
      HOST: "127.0.0.1",
      DATA_DIR: "/var/lib/dealroom",
      DATABASE_URL: "postgresql://app@db.internal:5432/dealroom",
      PUBLIC_URL: "https://deals.example.com/",
      REDIS_URL: "redis://cache:6379",
      LOG_LEVEL: "debug",
      SEED_DEMO: "false",
    } as NodeJS.ProcessEnv);
    expect(config).toMatchObject({
      env: "development",
      port: 8080,
      host: "127.0.0.1",
      dataDir: "/var/lib/dealroom",
      databaseUrl: "postgresql://app@db.internal:5432/dealroom",
      publicUrl: "https://deals.example.com",
      redisUrl: "redis://cache:6379",
      logLevel: "debug",
      seedDemo: false,
    });
  });

  it.each([
    [{ PORT: "abc" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ PORT: "-1" }, "PORT"],
    [{ PORT: "80.5" }, "PORT"],
    [{ DATABASE_URL: "mysql://root@localhost/dealroom" }, "DATABASE_URL"],
    [{ DATABASE_URL: "localhost:5432" }, "DATABASE_URL"],
    [{ PUBLIC_URL: "deals.example.com" }, "PUBLIC_URL"],
    [{ REDIS_URL: "http://cache:6379" }, "REDIS_URL"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ SEED_DEMO: "yes" }, "SEED_DEMO"],
    [{ TRUST_PROXY: "true" }, "TRUST_PROXY"],
    [{ TRUST_PROXY: "0" }, "TRUST_PROXY"],
    [{ TRUST_PROXY: "11" }, "TRUST_PROXY"],
    [{ TRUST_PROXY: "10.0.0.1, proxy.internal" }, "TRUST_PROXY"],
    [{ TRUST_PROXY: "10.0.0.0/33" }, "TRUST_PROXY"],
    [{ TRUST_PROXY: "fd00::/129" }, "TRUST_PROXY"],
    [{ TRUST_PROXY: "10.0.0.0/8/1" }, "TRUST_PROXY"],
  ])("refuses %j with one line naming %s", (env, name) => {
    const message = configError(env);
    expect(message).toMatch(new RegExp(`^Invalid configuration: ${name} `));
    expect(message).not.toContain("\n");
  });

  it("trusts no proxy by default; TRUST_PROXY names addresses, ranges or a hop count", () => {
    expect(loadConfig({} as NodeJS.ProcessEnv).trustProxy).toEqual({ kind: "none" });
    expect(loadConfig({ TRUST_PROXY: "none" } as NodeJS.ProcessEnv).trustProxy).toEqual({ kind: "none" });
    expect(loadConfig({ TRUST_PROXY: "2" } as NodeJS.ProcessEnv).trustProxy).toEqual({ kind: "hops", hops: 2 });
    expect(loadConfig({ TRUST_PROXY: " 10.0.0.5, 192.168.0.0/16 ,fd00::/8,loopback" } as NodeJS.ProcessEnv).trustProxy).toEqual({
      kind: "addresses", addresses: ["10.0.0.5", "192.168.0.0/16", "fd00::/8", "loopback"],
    });
    expect(configError({ TRUST_PROXY: "true" })).toContain("every client choose its address");
  });

  it("explains what a database URL must look like", () => {
    expect(configError({ DATABASE_URL: "mysql://x" })).toContain("postgres://");
  });
});

describe("starting with a bad setting", () => {
  const run = promisify(execFile);
  it.each([
    [{ PORT: "not-a-port" }, "PORT"],
    [{ DATABASE_URL: "mysql://root@localhost/dealroom" }, "DATABASE_URL"],
  ])("%j: the process prints one line and exits 1", async (env, name) => {
    const result = await run(process.execPath, ["--import", "tsx", "server/main.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env },
      // Generous: the entry imports the whole server before it reads the environment, and CI
      // machines are busy while the suite runs.
      timeout: 120_000,
    }).then(
      () => ({ code: 0, stderr: "", stdout: "" }),
      (error: { code: number; stderr: string; stdout: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Invalid configuration: ${name} `));
  }, 150_000);
});
