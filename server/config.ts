import net from "node:net";
import path from "node:path";
import { z } from "zod";

/** Everything the process reads from its environment, validated once at start. */
const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATA_DIR: z.string().min(1).default("./.data"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  PUBLIC_URL: z.url({ message: "must be an absolute URL such as https://deals.example.com" }).optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// URL").optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SEED_DEMO: z.enum(["true", "false"]).default("true"),
  // Mail: every message lands in the outbox table; with SMTP_URL it is also sent (else only logged).
  SMTP_URL: z.string().regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL").optional(),
  MAIL_FROM: z.string().min(3).default("Dealroom <dealroom@localhost>"),
  // Files: uploads above this many bytes are refused with 413 (default 100 MB).
  MAX_UPLOAD_BYTES: z.coerce.number().int().min(1).default(100 * 1024 * 1024),
  // An S3-compatible bucket for file bytes; all five set switch from local disk (DATA_DIR/files).
  S3_ENDPOINT: z.url({ message: "must be an absolute URL such as https://s3.eu-west-1.amazonaws.com" }).optional(),
  S3_BUCKET: z.string().min(1).optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_REGION: z.string().min(1).optional(),
  // Which reverse proxies may name the client's address in X-Forwarded-For (docs/decisions/014-*).
  // Webhooks (docs/decisions/022-*): private/loopback targets are refused unless this is 1.
  WEBHOOKS_ALLOW_PRIVATE: z.enum(["0", "1"]).default("0"),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  // First retry delay; doubles per attempt, capped at an hour, given up after 24 h.
  WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(1).max(3_600_000).default(30_000),
  WEBHOOK_TICK_MS: z.coerce.number().int().min(10).max(600_000).default(5000),
  // Delivered and given-up deliveries are removed after this many days (each webhook keeps its last).
  WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  TRUST_PROXY: z
    .string()
    .trim()
    .default("")
    .transform((value, ctx) => {
      const parsed = parseTrustProxy(value);
      if (typeof parsed === "string") {
        ctx.addIssue({ code: "custom", message: parsed });
        return z.NEVER;
      }
      return parsed;
    }),
});

/**
 * Whom to believe about the client's address: nobody (the TCP peer is the client), the last
 * `hops` proxies in front of us, or the proxies at these addresses / CIDR ranges (and the names
 * `loopback`, `linklocal`, `uniquelocal`, as Express' `trust proxy` takes them).
 */
export type TrustProxy = { kind: "none" } | { kind: "hops"; hops: number } | { kind: "addresses"; addresses: string[] };

const TRUST_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

/** The TRUST_PROXY value, or the reason it is refused. */
export function parseTrustProxy(value: string): TrustProxy | string {
  if (value === "" || value === "false" || value === "none") return { kind: "none" };
  if (value === "true") return "must name the proxy (addresses, CIDR ranges or a hop count); \"true\" would let every client choose its address";
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > 10) return "must be a hop count from 1 to 10";
    return { kind: "hops", hops };
  }
  const addresses = value.split(",").map((v) => v.trim()).filter(Boolean);
  for (const entry of addresses) {
    if (TRUST_NAMES.has(entry)) continue;
    const [address, prefix, ...rest] = entry.split("/");
    const family = net.isIP(address ?? "");
    const maxPrefix = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= maxPrefix);
    if (!family || rest.length || !prefixOk) {
      return `must be "none", a hop count, or a comma-separated list of addresses, CIDR ranges, loopback, linklocal or uniquelocal; ${JSON.stringify(entry.slice(0, 60))} is none of these`;
    }
  }
  if (!addresses.length) return { kind: "none" };
  return { kind: "addresses", addresses };
}

export interface Config {
  env: "development" | "production" | "test";
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  publicUrl: string | undefined;
  redisUrl: string | undefined;
  logLevel: string;
  seedDemo: boolean;
  smtpUrl: string | undefined;
  mailFrom: string;
  maxUploadBytes: number;
  s3: S3Config | undefined;
  /** Reverse proxies trusted for X-Forwarded-For; by default none (server/client-ip.ts). */
  trustProxy: TrustProxy;
  webhooks: { allowPrivate: boolean; timeoutMs: number; backoffMs: number; tickMs: number; retentionDays: number };
}

export interface S3Config {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

const S3_KEYS = ["S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION"] as const;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Invalid configuration: ${issue.path.join(".")} ${issue.message}`);
  }
  const e = parsed.data;
  const s3Missing = S3_KEYS.filter((key) => !e[key]);
  if (s3Missing.length > 0 && s3Missing.length < S3_KEYS.length) {
    throw new ConfigError(`Invalid configuration: S3 storage needs all of ${S3_KEYS.join(", ")}; missing ${s3Missing.join(", ")}`);
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    publicUrl: e.PUBLIC_URL?.replace(/\/$/, ""),
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    seedDemo: e.SEED_DEMO === "true",
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    s3: e.S3_ENDPOINT
      ? { endpoint: e.S3_ENDPOINT, bucket: e.S3_BUCKET!, accessKeyId: e.S3_ACCESS_KEY_ID!, secretAccessKey: e.S3_SECRET_ACCESS_KEY!, region: e.S3_REGION! }
      : undefined,
    trustProxy: e.TRUST_PROXY,
    webhooks: { allowPrivate: e.WEBHOOKS_ALLOW_PRIVATE === "1", timeoutMs: e.WEBHOOK_TIMEOUT_MS, backoffMs: e.WEBHOOK_BACKOFF_MS, tickMs: e.WEBHOOK_TICK_MS, retentionDays: e.WEBHOOK_RETENTION_DAYS },
  };
}
