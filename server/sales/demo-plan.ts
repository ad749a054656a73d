import type { Actor } from "../access/index.ts";
import { withActor, type AppContext } from "../context.ts";
import { DEAL_STRATEGY_TITLE } from "../wiki/page-templates.ts";
import { createPage } from "../wiki/pages.ts";
import { createPlanStep, updatePlanStep } from "./plan.ts";
import { setQualificationAnswer, type QualificationItem } from "./qualification.ts";
import { createStakeholder } from "./stakeholders.ts";

// The demo room's mutual action plan, stakeholder map, qualification checklist and deal
// strategy, made through the services like any user's work. Each part is seeded once: a part
// that already has data is left alone, so restarts (and demo rooms seeded before this existed)
// are fine.

type Who = "seller" | "engineer" | "champion";

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

const STEPS: { title: string; owner: Who; by: Who; due: number; status?: "done" | "blocked"; visibility?: "internal"; notes?: string }[] = [
  { title: "Discovery workshop with Operations, Finance and IT", owner: "seller", by: "seller", due: -21, status: "done", notes: "Notes are on the Business case page." },
  { title: "Share order volumes and the list of systems to integrate", owner: "champion", by: "champion", due: -3, notes: "Per region, last 12 months." },
  { title: "Security review: questionnaire and pen-test report", owner: "engineer", by: "engineer", due: 9 },
  { title: "Confirm the 12% discount with the deal desk", owner: "seller", by: "seller", due: 12, visibility: "internal", notes: "Needed before the proposal goes to the CFO." },
  { title: "EU pilot environment live for the 90-day pilot", owner: "engineer", by: "engineer", due: 20 },
  { title: "Pilot success criteria signed off", owner: "champion", by: "seller", due: 28 },
  { title: "Proposal and order form reviewed with the CFO", owner: "seller", by: "seller", due: 38 },
  { title: "Contract signature", owner: "champion", by: "champion", due: 52 },
];

const STAKEHOLDERS = [
  { name: "Daniel Okoye", title: "CFO", decisionRole: "economic_buyer", influence: "high", stance: "skeptic", notes: "Signs. Wants payback inside 12 months; asked twice what the EU pilot costs." },
  { name: "Jordan Lee", title: "VP Operations", decisionRole: "champion", influence: "high", stance: "supporter", notes: "Sponsors the project; month-end close is his problem.", champion: true },
  { name: "Mei Tanaka", title: "Head of IT Security", decisionRole: "technical_evaluator", influence: "medium", stance: "neutral", notes: "Owns the security review. Prefers written answers to calls." },
  { name: "Luis Ferreira", title: "Operations Manager, EU", decisionRole: "influencer", influence: "medium", stance: "skeptic", notes: "Built the EU system we replace; worried about his team's workload during the pilot." },
] as const;

const QUALIFICATION: { item: QualificationItem; status: "yes" | "no" | "unknown"; note: string; requiredBy?: number }[] = [
  { item: "identified_project", status: "yes", note: "One order platform for all three regions." },
  { item: "budget", status: "yes", note: "In the FY plan; CFO confirmed the range." },
  { item: "compelling_event", status: "yes", note: "Support for the NA and APAC systems ends at fiscal year end." },
  { item: "decision_process", status: "unknown", note: "Security review, then procurement; procurement steps not mapped yet." },
  { item: "competition", status: "no", note: "They mentioned a large ERP vendor once; we do not know how far that got." },
  { item: "required_by", status: "yes", note: "Live in all regions before fiscal year end.", requiredBy: 150 },
];

const STRATEGY_MARKDOWN = `# Deal strategy

## Factors in our favour

- Jordan (VP Operations) champions us and owns the pain: a nine-day month-end close.
- The compelling event is real: two of the three systems lose support at fiscal year end.
- Our EU reference (a retailer of similar size) went live in five months.

## Factors against

- Daniel (CFO) is sceptical about payback and has not seen numbers he trusts yet.
- Luis fears the pilot workload for the EU team.
- A large ERP vendor may be in the picture; we do not know their offer.

## Strategy

1. Win the security review early: Sam answers the questionnaire within a week.
2. Make the pilot cheap for Luis's team: we staff the data migration.
3. Build the payback case with Jordan's numbers and walk Daniel through it before the proposal.
`;

async function cast(app: AppContext, roomId: string): Promise<Record<Who, Actor> | null> {
  const rows = await app.sql<{ userId: string; name: string; email: string; side: string; role: string }[]>`
    select p.user_id as "userId", u.name, u.email, p.side, p.role
    from participants p join users u on u.id = p.user_id where p.room_id = ${roomId}`;
  const find = (side: string, role: string) => rows.find((r) => r.side === side && r.role === role);
  const seller = find("internal", "owner");
  const engineer = find("internal", "editor");
  const champion = find("external", "editor");
  if (!seller || !engineer || !champion) return null;
  const actor = (r: typeof seller): Actor => ({ userId: r.userId, name: r.name, email: r.email });
  return { seller: actor(seller), engineer: actor(engineer), champion: actor(champion) };
}

/** Seeds whatever part of the demo room's planning is still empty. */
export async function seedDemoPlan(app: AppContext, roomId: string): Promise<void> {
  const people = await cast(app, roomId);
  if (!people) return;
  const as = (who: Who) => withActor(app, people[who]);
  const [counts] = await app.sql<{ steps: number; stakeholders: number; answers: number; strategy: number }[]>`
    select (select count(*)::int from plan_steps where room_id = ${roomId}) as steps,
      (select count(*)::int from stakeholders where room_id = ${roomId}) as stakeholders,
      (select count(*)::int from qualification_answers where room_id = ${roomId}) as answers,
      (select count(*)::int from pages where room_id = ${roomId} and lower(title) = lower(${DEAL_STRATEGY_TITLE})) as strategy`;

  if (counts!.steps === 0) {
    for (const step of STEPS) {
      const created = await createPlanStep(as(step.by), roomId, {
        title: step.title,
        ownerId: people[step.owner].userId,
        dueDate: day(step.due),
        notes: step.notes ?? "",
        visibility: step.visibility ?? "shared",
      });
      if (step.status) await updatePlanStep(as(step.owner), created.id, { status: step.status });
    }
  }
  if (counts!.stakeholders === 0) {
    for (const { champion, ...person } of STAKEHOLDERS.map((s) => ({ champion: false, ...s }))) {
      await createStakeholder(as("seller"), roomId, { ...person, userId: champion ? people.champion.userId : null });
    }
  }
  if (counts!.answers === 0) {
    for (const answer of QUALIFICATION) {
      await setQualificationAnswer(as("seller"), roomId, answer.item, {
        status: answer.status,
        note: answer.note,
        ...(answer.requiredBy ? { requiredBy: day(answer.requiredBy) } : {}),
      });
    }
  }
  if (counts!.strategy === 0) {
    await createPage(as("seller"), roomId, { template: "deal-strategy", markdown: STRATEGY_MARKDOWN });
  }
}
