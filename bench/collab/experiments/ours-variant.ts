/**
 * Experiments only — not the product, not part of `npm run bench:collab`.
 *
 * The product server (what server/main.ts starts) with DocumentRegistry options overridden from
 * BENCH_REGISTRY (JSON). It measures what a change in collab/ would do before anyone makes it
 * (the cross-page log writer, collab/log-writer.ts, was tried this way first):
 *
 *   BENCH_OURS_ENTRY=$PWD/bench/collab/experiments/ours-variant.ts \
 *   BENCH_REGISTRY='{"renderIntervalMs":10000}' npm run bench:collab -- --servers=ours --workloads=steady,durable --rates=1,2,4
 */
import { createAppContext, openDatabase } from "../../../server/boot.ts";
import { loadConfig } from "../../../server/config.ts";
import { createHttpServer, listen } from "../../../server/http.ts";
import { createLogger } from "../../../server/log.ts";

const config = loadConfig();
const log = createLogger(config.logLevel);
const db = await openDatabase(config, log);
const app = createAppContext(db.sql, config, log);
// LiveDocuments keep a reference to this object: changed before any page loads, it applies to all.
Object.assign((app.documents as unknown as { options: object }).options, JSON.parse(process.env.BENCH_REGISTRY ?? "{}"));
const { server, close } = await createHttpServer(app, { web: "production" });
const url = await listen(server, config.port, config.host);
console.log(`Dealroom is running at ${url}`);
process.on("SIGTERM", () => void close().then(() => db.sql.end()).then(() => process.exit(0)));
