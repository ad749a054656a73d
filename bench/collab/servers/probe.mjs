/**
 * Loaded into every server under test with `--import` (and `--expose-gc`): answers the benchmark's
 * memory questions over the IPC channel. It changes nothing else in the process, and it is plain
 * JavaScript so that no server under test carries a TypeScript loader for it.
 */
if (process.send) {
  process.on("message", (message) => {
    if (message?.probe !== "memory") return;
    const gc = globalThis.gc;
    if (message.gc && gc) {
      gc();
      gc();
    }
    process.send({ probe: "memory", id: message.id, ...process.memoryUsage() });
  });
  // The channel must not keep a server alive that is shutting down.
  process.channel?.unref();
  // Servers run in their own session: if the benchmark goes away, shut down as on SIGTERM.
  process.on("disconnect", () => process.kill(process.pid, "SIGTERM"));
}
