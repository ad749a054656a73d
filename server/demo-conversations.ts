import { Readable } from "node:stream";
import type { Actor } from "./access/index.ts";
import { withActor, type AppContext } from "./context.ts";
import { storeFile } from "./files/upload.ts";
import { postMessage } from "./threads/messages.ts";
import { createThread, setResolved } from "./threads/threads.ts";
import type { DemoAuthor } from "./wiki/demo-pages.ts";

// The demo room's threads and files, as the seller, the sales engineer and the prospect's
// champion left them. Everything goes through the services, like any user's work.

interface DemoThread {
  title: string;
  visibility: "internal" | "shared";
  messages: { author: DemoAuthor; body: string }[];
  resolvedBy?: DemoAuthor;
}

const DEMO_THREADS: DemoThread[] = [
  {
    title: "SSO: which Azure AD groups map to which roles?",
    visibility: "shared",
    messages: [
      { author: "champion", body: "Our IT team asks how Azure AD groups become roles in the platform. We have **Ops-EU**, **Ops-NA**, **Finance** and **IT-Admins**. Can one person be in two regions?" },
      { author: "engineer", body: "Yes: roles are the union of the groups a person is in. We map groups to roles in the admin console, no code. I'll show it in Thursday's pilot session." },
      { author: "champion", body: "Great. One more: do we need SCIM for de-provisioning, or is sign-in enough?" },
    ],
  },
  {
    title: "EU pilot: scope and success criteria",
    visibility: "shared",
    messages: [
      { author: "seller", body: "Proposal for the 90-day pilot:\n\n- EU region only, 40 users\n- Orders, invoicing and the month-end close\n- Success: close in **five** working days or fewer by day 60" },
      { author: "champion", body: "Agreed, with one change: include the Dublin warehouse, it is where most re-keying happens." },
      { author: "seller", body: "Done: Dublin is in. I've updated the mutual action plan." },
    ],
    resolvedBy: "seller",
  },
  {
    title: "Discount floor before we send the proposal",
    visibility: "internal",
    messages: [
      { author: "engineer", body: "Procurement will push for 20%. Our floor from finance is **12%** on the three-year term; anything lower needs the VP." },
      { author: "seller", body: "Let's open at 6% and trade the rest for a case study and a signed pilot by the 15th." },
    ],
  },
];

const DEMO_FILES: { author: DemoAuthor; name: string; visibility: "internal" | "shared"; content: string }[] = [
  {
    author: "seller",
    name: "Northwind proposal for Acme.md",
    visibility: "shared",
    content: `# Northwind proposal for Acme Corp

## Scope
One order platform for North America, EU and APAC, rolled out region by region after a 90-day EU pilot.

## Timeline
| Phase | Weeks |
| --- | --- |
| EU pilot | 1–13 |
| North America | 14–26 |
| APAC | 27–36 |

## Commercials
Three-year subscription, 450 seats, implementation services at a fixed price.
`,
  },
  {
    author: "champion",
    name: "Acme security questionnaire.csv",
    visibility: "shared",
    content: "question,answer\nData residency in the EU?,Yes: Frankfurt and Dublin regions\nSSO with Azure AD?,Yes (SAML 2.0 and OIDC)\nSCIM provisioning?,Planned for Q2\nPenetration test report?,Available under NDA\n",
  },
  {
    author: "seller",
    name: "Pricing model (internal).csv",
    visibility: "internal",
    content: "item,list price,floor\nSubscription per seat per year,480,422\nImplementation (fixed),96000,84000\nPremium support,18000,12000\n",
  },
];

export async function seedDemoConversations(app: AppContext, roomId: string, authors: Record<DemoAuthor, Actor>): Promise<void> {
  const as = (who: DemoAuthor) => withActor(app, authors[who]);
  for (const thread of DEMO_THREADS) {
    const [first, ...replies] = thread.messages;
    const created = await createThread(as(first!.author), roomId, { title: thread.title, visibility: thread.visibility, body: first!.body });
    for (const reply of replies) await postMessage(as(reply.author), created.id, { body: reply.body });
    if (thread.resolvedBy) await setResolved(as(thread.resolvedBy), created.id, true);
  }
  for (const file of DEMO_FILES) {
    await storeFile(as(file.author), roomId, { visibility: file.visibility }, Readable.from([Buffer.from(file.content)]), file.name);
  }
}
