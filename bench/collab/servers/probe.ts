/**
 * Loaded into every server under test with `--import` (and `--expose-gc`): answers the benchmark's
 * memory questions over the IPC channel. It changes nothing else in the process.
 */
if (process.send) {
  process.on("message", (message: { probe?: string; id?: number; gc?: boolean }) => {
    if (message?.probe !== "memory") return;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (message.gc && gc) {
      gc();
      gc();
    }
    process.send!({ probe: "memory", id: message.id, ...process.memoryUsage() });
  });
  // The channel must not keep a server alive that is shutting down.
  process.channel?.unref();
  // Servers run in their own session: if the benchmark goes away, shut down as on SIGTERM.
  process.on("disconnect", () => process.kill(process.pid, "SIGTERM"));
}
