import type http from "node:http";
import type { Socket } from "node:net";
import { AppError, errorBody } from "./errors.ts";

/**
 * Answers that come before the request body has been read (a 413 for an upload over the
 * limit, a refusal decided from the fields in front of the file) must reach every client,
 * not only those that read while they send. See docs/api.md "Upload limits".
 *
 * - `Expect: 100-continue`: a body larger than anything the server accepts is refused before
 *   the client sends it; otherwise the client is told to go on.
 * - Lingering close: Node closes a `Connection: close` socket as soon as the answer is
 *   written. With the rest of the body still arriving, the kernel then resets the connection,
 *   and a client that writes before it reads (Node's fetch) sees ECONNRESET or EPIPE instead of
 *   the answer. So the server half-closes, reads and discards up to LINGER_BYTES more of the
 *   body (or for LINGER_MS), and only then closes. A client that has read the answer closes
 *   first, so the drain usually ends early; the byte bound is sized for a busy client that reads
 *   late: at 64 MiB a loaded machine's fetch of a 101 MiB upload still saw the reset.
 */
export const LINGER_BYTES = 512 * 1024 * 1024;
export const LINGER_MS = 10_000;

/** Bytes of framing and small fields allowed around an upload's file when judging Content-Length. */
export const MULTIPART_OVERHEAD = 32 * 1024;

export const uploadTooLarge = (limit: number) =>
  new AppError(413, "payload_too_large", `The file is larger than the upload limit of ${limit} bytes.`);

export function attachEarlyAnswers(
  server: http.Server,
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  maxBodyBytes: number,
): void {
  server.on("checkContinue", (req, res) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBodyBytes + MULTIPART_OVERHEAD) {
      const body = JSON.stringify(errorBody(uploadTooLarge(maxBodyBytes)));
      res.writeHead(413, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body), connection: "close" });
      res.end(body);
      return;
    }
    res.writeContinue();
    lingerWhenAnsweredEarly(req);
    handler(req, res);
  });
  server.on("request", (req) => lingerWhenAnsweredEarly(req));
}

/** Replaces the socket's close-after-answer with a bounded drain of the unread body. */
function lingerWhenAnsweredEarly(req: http.IncomingMessage): void {
  const socket = req.socket as Socket & { destroySoon?: () => void };
  if (typeof socket.destroySoon !== "function") return;
  const original = socket.destroySoon.bind(socket);
  socket.destroySoon = () => {
    if (req.complete || socket.destroyed) return original();
    let drained = 0;
    const stop = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    const timer = setTimeout(stop, LINGER_MS);
    timer.unref();
    // Our answer is written: send FIN, keep reading (and dropping) what the client still sends.
    socket.end();
    req.on("data", (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > LINGER_BYTES) stop();
    });
    req.once("end", stop);
    req.once("error", stop);
    socket.once("close", () => clearTimeout(timer));
    req.resume();
  };
}
