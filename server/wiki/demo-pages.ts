import type { Actor } from "../access/index.ts";
import { withActor, type AppContext } from "../context.ts";
import { createPage } from "./pages.ts";

/** Who writes which demo page: the seller, the sales engineer or the prospect's champion. */
export type DemoAuthor = "seller" | "engineer" | "champion";

interface DemoPage {
  key: string;
  title: string;
  visibility: "internal" | "shared";
  author: DemoAuthor;
  parent?: string;
  markdown: string;
}

/** The Acme room's wiki, as a seller, a sales engineer and the prospect's champion left it. */
const DEMO_PAGES: DemoPage[] = [
  {
    key: "business-case",
    title: "Business case",
    visibility: "shared",
    author: "seller",
    markdown: `# Why Acme is replacing its order systems

Acme runs **three regional order-management systems** (North America, EU, APAC). Orders that cross regions are re-keyed by hand, month-end close takes *nine working days*, and nobody can see a customer's open orders in one place.

## Goals for this fiscal year

1. One order platform for all three regions before the fiscal year ends
2. Month-end close in **four** working days
3. A single view of every customer's open orders for sales and support

## Expected value

| Item | Today | After rollout |
| --- | --- | --- |
| Orders re-keyed per month | 2,400 | 0 |
| Month-end close | 9 days | 4 days |
| Systems to maintain | 3 | 1 |

## Decision

The CFO signs. Jordan Lee (VP Operations) sponsors the project. The two gates before contract are the **security review** and a **90-day pilot in the EU region**.

See the [implementation guide](https://example.com/northwind/implementation-guide) for how a rollout of this size usually runs.
`,
  },
  {
    key: "requirements",
    title: "Requirements",
    visibility: "shared",
    author: "champion",
    markdown: `# Requirements from Acme

Collected from Operations, Finance and IT. Tick an item once Northwind has shown it working in the pilot environment.

## Must have

- [x] Single sign-on with our Azure AD tenant
- [x] Orders in USD, EUR and SGD with daily exchange rates
- [ ] EU customer data stays in an EU data centre
- [ ] Import of open orders from all three current systems
  - [ ] North America (SAP ECC export)
  - [ ] EU (custom SQL Server database)
  - [ ] APAC (CSV files)
- [ ] Role-based access for regional teams

## Nice to have

- [ ] Mobile approval of discounts above 10%
- [ ] Daily digest of stuck orders for the regional leads

## Volumes

| Region | Orders per month | Users |
| --- | --- | --- |
| North America | 5,200 | 140 |
| EU | 3,100 | 85 |
| APAC | 1,400 | 40 |

> Peak load is the last three days of the quarter: plan for **three times** the daily average.
`,
  },
  {
    key: "security-review",
    title: "Security review answers",
    visibility: "shared",
    author: "engineer",
    parent: "requirements",
    markdown: `# Security review answers

Answers to Acme IT's security questionnaire (version 3). Questions that need a document link to our trust centre are marked.

## Data residency

EU customer data is stored and processed in our Frankfurt region only. Backups stay in the same region.

## Encryption

- In transit: TLS 1.2 or later on every connection
- At rest: AES-256, keys managed per customer in a cloud KMS

## Single sign-on

SAML 2.0 and OpenID Connect. Acme's Azure AD tenant is configured like this:

\`\`\`yaml
issuer: https://login.microsoftonline.com/acme-tenant-id/v2.0
client_id: northwind-orders
scopes: [openid, profile, email]
\`\`\`

## Penetration testing

An external firm tests twice a year; the latest summary report is available under NDA.

## Open questions

- [ ] Acme asked for our SOC 2 Type II bridge letter
- [ ] Confirm the retention period for audit logs (Acme needs seven years)
`,
  },
  {
    key: "action-plan",
    title: "Mutual action plan",
    visibility: "shared",
    author: "seller",
    markdown: `# Mutual action plan

What both teams do, in order, to have a signed contract and a live EU pilot.

| Step | Owner | Target date | Status |
| --- | --- | --- | --- |
| Requirements signed off | Jordan Lee (Acme) | Week 1 | Done |
| Security questionnaire answered | Sam Okafor (Northwind) | Week 2 | In progress |
| Pilot scope agreed | Both | Week 3 | Open |
| Commercial proposal reviewed by the CFO | Maya Chen (Northwind) | Week 4 | Open |
| Contract signed | Acme CFO | Week 6 | Open |
| EU pilot starts | Both | Week 8 | Open |

## Next steps

- [x] Kick-off call with Operations and IT
- [ ] Send the pilot statement of work
- [ ] Book the CFO review meeting

---

Questions about this plan go in the **Deal questions** thread.
`,
  },
  {
    key: "strategy",
    title: "Deal strategy",
    visibility: "internal",
    author: "seller",
    markdown: `# Deal strategy

Internal only. Acme cannot see this page.

## Factors for us

- Jordan is a strong champion and owns the budget line for the project
- Our EU data residency is ahead of both competitors
- Their APAC team already uses our reporting add-on

## Factors against us

- **Incumbent risk:** the SAP partner proposes an upgrade instead of a replacement
- The CFO has not met us yet; IT sees the project as Operations' idea
- The pilot has to finish before their fiscal year ends: little slack

## Strategy

1. Win the security review early: Sam answers every question within two working days
2. Get a CFO meeting before the proposal, framed around the month-end close (nine days to four)
3. Offer the EU pilot at cost, credited against the first year if they sign
4. Keep the SAP partner in the plan for the North America data export rather than fighting them
`,
  },
  {
    key: "pricing",
    title: "Pricing notes",
    visibility: "internal",
    author: "seller",
    parent: "strategy",
    markdown: `# Pricing notes

Internal only.

- List price: **$210,000** per year for 265 users
- Proposal: $186,000 per year (11% discount) for a three-year term
- Discount floor approved by the VP Sales: **18%** — below that needs the CFO's sign-off
- EU pilot: at cost ($14,000), credited against year one on signature

## Give and take

| If Acme asks for | We ask for |
| --- | --- |
| A bigger discount | A three-year term paid annually in advance |
| A longer pilot | A case study and a reference call |
| Extra regions later | Pricing fixed now for two years |
`,
  },
];

/**
 * Seeds the demo room's pages through the page service, as their authors: content becomes
 * each page's Yjs state like any page made through the API.
 */
export async function seedDemoPages(app: AppContext, roomId: string, authors: Record<DemoAuthor, Actor>): Promise<void> {
  const ids = new Map<string, string>();
  for (const page of DEMO_PAGES) {
    const created = await createPage(withActor(app, authors[page.author]), roomId, {
      title: page.title,
      visibility: page.visibility,
      parentId: page.parent ? ids.get(page.parent) : null,
      markdown: page.markdown,
    });
    ids.set(page.key, created.id);
  }
}
