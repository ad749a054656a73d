import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../../server/auth/cookies.ts";
import { createSession } from "../../server/auth/sessions.ts";
import { MESSAGE_BURST } from "../../server/threads/rate-limit.ts";
import { createRoom, signupUser, type TestUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// One domain runs once (docs/decisions/015-one-domain.md): the page routes reach the same
// services, with the same state, as the JSON API. A flood of posts split between the two
// surfaces meets one limit, not one per copy of the code.
let server: TestServer;
let owner: TestUser;
let roomId: string;
let cookie: string;

beforeAll(async () => {
  // The built app (npm run build): its route actions are what is under test.
  server = await startTestServer({ web: "production" });
  owner = (await signupUser(server)).user;
  roomId = (await createRoom(server, owner)).id;
  const { token } = await createSession(server.sql, owner.id, "cookie");
  cookie = `${SESSION_COOKIE}=${token}`;
});
afterAll(async () => {
  await server?.close();
});

/** Posts through the thread page's form, as a browser without JavaScript does. */
const postThroughPage = (threadId: string, body: string) =>
  fetch(`${server.url}/rooms/${roomId}/threads/${threadId}`, {
    method: "POST",
    headers: { cookie, origin: server.url, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ intent: "post", body }),
    redirect: "manual",
  });

async function newThread(title: string) {
  const res = await server.api(`/api/v1/rooms/${roomId}/threads`, { token: owner.token, body: { title, visibility: "shared", body: "first" } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function messageBodies(threadId: string): Promise<string[]> {
  const res = await server.api(`/api/v1/threads/${threadId}/messages`, { token: owner.token });
  expect(res.status).toBe(200);
  return res.body.items.map((m: { body: string }) => m.body);
}

describe("one instance of the domain", () => {
  it("the page's form action posts through the same services as the API", async () => {
    const threadId = await newThread("Form action works");
    const res = await postThroughPage(threadId, "via the page");
    expect(res.status).toBeLessThan(400);
    expect(await messageBodies(threadId)).toContain("via the page");
  });

  it("a flood split between the API and the page's form action hits one limit", async () => {
    const threadId = await newThread("Flood");
    const statuses: number[] = [];
    for (let i = 0; i < MESSAGE_BURST.points + 2; i++) {
      const res = await server.api(`/api/v1/threads/${threadId}/messages`, { token: owner.token, body: { body: `api ${i}` } });
      statuses.push(res.status);
      if (res.status === 429) break;
    }
    // The API's own limit is reached first…
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(0);

    // …and the page's form action, straight after, is refused by the same limit.
    const res = await postThroughPage(threadId, "one more via the page");
    expect(res.status).toBe(429);
    expect(await messageBodies(threadId)).not.toContain("one more via the page");
  });
});
