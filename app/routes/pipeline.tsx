import { lazy, Suspense, useEffect, useState } from "react";
import { Form, Link } from "react-router";
import type { Route } from "./+types/pipeline";
import type { DealLine, PipelineAnswer } from "../../server/sales/pipeline.ts";
import { StageBadge } from "../components/deal.tsx";
import { SelectField, TextField } from "../components/form.tsx";
import { orErrorPage } from "../lib/actions.server.ts";
import { formatDate } from "../lib/format.ts";
import { dealRoleLabel } from "../lib/deal-roles.ts";
import { formatMoney, LOCALE, minorDigits, type Money } from "../lib/money.ts";
import { actorContext } from "../lib/session.server.ts";
import pipelineStyles from "../styles/pipeline.css?url";

// The charts (recharts) load in a chunk of their own, on this page only and after hydration:
// the server renders the tables they are drawn from, which say the same (docs/decisions/021-pipeline.md).
const PipelineCharts = lazy(() => import("../components/pipeline/charts.tsx"));

export const meta: Route.MetaFunction = () => [{ title: "Pipeline · Dealroom" }];
export const links: Route.LinksFunction = () => [{ rel: "stylesheet", href: pipelineStyles }];

const FILTERS = ["from", "to", "currency", "ownerId", "stage", "period"] as const;

/** The page's default period: the last twelve months, closed in. */
function defaultFrom(now = new Date()): string {
  return new Date(Date.UTC(now.getUTCFullYear() - 1, now.getUTCMonth(), now.getUTCDate())).toISOString().slice(0, 10);
}

export async function loader({ request, context }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const url = new URL(request.url);
  const query: Record<string, string> = {};
  for (const key of FILTERS) {
    const value = url.searchParams.get(key);
    if (value) query[key] = value;
  }
  if (!url.searchParams.has("from")) query.from = defaultFrom();
  const org = url.searchParams.get("org");
  if (org) query.organizationId = org;
  return orErrorPage(async () => {
    // The policy decides (org.readPipeline): guests are in none of the seller's organizations, so 404.
    const answer = await services.pipeline.pipeline(ctx, query);
    const organizations = await services.accounts.organizationsWithAbilities(ctx.sql, ctx.actor.userId);
    const organization = organizations.find((o) => o.id === answer.organizationId)!;
    return { answer, query, organization: { id: organization.id, name: organization.name, seesAll: organization.abilities["org.seeAllRooms"] } };
  });
}

const percent = (r: number, digits = 1) => `${(r * 100).toLocaleString(LOCALE, { maximumFractionDigits: digits })}%`;
const days = (n: number) => `${n.toLocaleString(LOCALE, { maximumFractionDigits: 1 })} ${n === 1 ? "day" : "days"}`;
const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString(LOCALE)} ${n === 1 ? one : many}`;
/** Velocity reads in whole units of the currency ("$9,166 a day"); the API keeps minor units. */
const whole = (m: Money | undefined): Money | undefined => {
  if (!m) return m;
  const scale = 10 ** minorDigits(m.currency);
  return { amount: Math.round(m.amount / scale) * scale, currency: m.currency };
};
/** The 10%-on-every-factor sensitivity of the field notes: 1.1 × 1.1 × 1.1 ÷ 0.9. */
const SENSITIVITY = (1.1 * 1.1 * 1.1) / 0.9;

export default function Pipeline({ loaderData }: Route.ComponentProps) {
  const { answer: p, query, organization } = loaderData;
  const exportQuery = new URLSearchParams({ ...query, organizationId: p.organizationId });
  const csv = (table: string) => `/api/v1/pipeline/export?${new URLSearchParams([...exportQuery, ["table", table]])}`;
  const mounted = useMounted();
  const periodText = `${p.period.kind === "closed" ? "closed" : "created"} ${p.period.from ? `from ${formatDate(p.period.from)} ` : ""}to ${formatDate(p.period.to)}`;

  return (
    <main className="page pipeline-page">
      <div className="page-header">
        <div>
          <h1>Pipeline</h1>
          <p className="muted">
            {organization.seesAll ? `Every deal room of ${organization.name}` : `The ${organization.name} rooms you take part in`}, deals {periodText}.
            Money is shown per currency, never added across currencies.
          </p>
        </div>
      </div>

      <Filters p={p} query={query} />

      <section aria-labelledby="win-rate-heading" className="card pipeline-section">
        <h2 id="win-rate-heading">Win rate</h2>
        <WinRate p={p} />
      </section>

      <section aria-labelledby="velocity-heading" className="card pipeline-section">
        <div className="section-head">
          <h2 id="velocity-heading">Sales velocity</h2>
          <a className="text-link" href={csv("velocity")} download>
            Download CSV
          </a>
        </div>
        <Velocity p={p} />
      </section>

      <section aria-labelledby="charts-heading" className="pipeline-section">
        <h2 id="charts-heading">Charts</h2>
        {mounted ? (
          <Suspense fallback={<p className="muted">Loading charts…</p>}>
            <PipelineCharts stages={p.stages} currencies={p.currencies} winRateOverTime={p.winRateOverTime} />
          </Suspense>
        ) : (
          <p className="muted">The charts draw once the page has loaded; the tables below hold the same figures.</p>
        )}
        <p className="chart-downloads">
          <a className="text-link" href={csv("stages")} download>
            Stages (CSV)
          </a>
          <a className="text-link" href={csv("win-rate")} download>
            Win rate by month (CSV)
          </a>
        </p>
      </section>

      <section aria-labelledby="stages-heading" className="card pipeline-section">
        <div className="section-head">
          <h2 id="stages-heading">By stage</h2>
          <a className="text-link" href={csv("stages")} download>
            Download CSV
          </a>
        </div>
        <p className="muted small">
          Open deals and their value in each stage; of the deals decided {p.period.kind === "closed" ? "in the period" : "from the period's rooms"} that
          reached a stage, the share won; and the average completed stay in it.
        </p>
        <StagesTable p={p} />
      </section>

      <section aria-labelledby="month-heading" className="card pipeline-section">
        <div className="section-head">
          <h2 id="month-heading">Win rate by month</h2>
          <a className="text-link" href={csv("win-rate")} download>
            Download CSV
          </a>
        </div>
        <MonthTable p={p} />
      </section>

      <section aria-labelledby="stalled-heading" className="card pipeline-section">
        <div className="section-head">
          <h2 id="stalled-heading">Stalled deals</h2>
          <a className="text-link" href={csv("stalled")} download>
            Download CSV
          </a>
        </div>
        <p className="muted small">Open deals whose days in their current stage are more than {p.stallFactor}× the stage's norm (its average completed stay, at least a day).</p>
        <DealTable lines={p.stalled} kind="stalled" label="Stalled deals" />
      </section>

      <section aria-labelledby="overdue-heading" className="card pipeline-section">
        <div className="section-head">
          <h2 id="overdue-heading">Past their expected close</h2>
          <a className="text-link" href={csv("overdue")} download>
            Download CSV
          </a>
        </div>
        <DealTable lines={p.overdue} kind="overdue" label="Deals past their expected close date" />
      </section>

      <section aria-labelledby="attainment-heading" className="card pipeline-section">
        <h2 id="attainment-heading">Targets</h2>
        <Attainment p={p} />
      </section>

      <section aria-labelledby="forecast-heading" className="card pipeline-section">
        <h2 id="forecast-heading">Forecast</h2>
        <Forecast p={p} />
      </section>
    </main>
  );
}

/** The event-based forecast (decision 027): probability × value per month of expected close and currency. */
function Forecast({ p }: { p: PipelineAnswer }) {
  if (p.forecast.byRoom.length === 0) return <p className="muted">No open deal in this selection.</p>;
  return (
    <>
      <p className="muted small">Each open deal's probability and time until close come from the buying and sales statuses it has completed (Settings › Forecast).</p>
      {p.forecast.weighted.length ? (
        <Scroll label="Weighted forecast by month and currency">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Expected close</th>
                <th scope="col">Currency</th>
                <th scope="col" className="num">Deals</th>
                <th scope="col" className="num">Weighted value</th>
              </tr>
            </thead>
            <tbody>
              {p.forecast.weighted.map((w) => (
                <tr key={`${w.period} ${w.currency}`}>
                  <th scope="row">{w.period}</th>
                  <td>{w.currency}</td>
                  <td className="num">{w.count}</td>
                  <td className="num">{formatMoney({ amount: w.amount, currency: w.currency })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      ) : null}
      <Scroll label="Forecast by deal">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Deal</th>
              <th scope="col" className="num">Probability</th>
              <th scope="col">Expected close</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {p.forecast.byRoom.map((r) => (
              <tr key={r.roomId}>
                <th scope="row">
                  <Link to={`/rooms/${r.roomId}`}>{r.name}</Link>
                </th>
                <td className="num">{percent(r.probability)}</td>
                <td className="nowrap">{formatDate(r.expectedCloseDate)}</td>
                <td>{r.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
    </>
  );
}

function Attainment({ p }: { p: PipelineAnswer }) {
  const rule = p.teamCredit.dealTeam
    ? "Each won room is credited in full to its owner and to every member of its deal team who plays a role in it (team selling; the organization's choice)."
    : "Each won room is credited to its owner. Organization admins may credit the deal team too (Settings → Targets).";
  if (p.attainment.length === 0) {
    return <p className="muted">No target covers this period. Organization admins set targets per member and period (value in a currency, or a number of wins) in Settings → Targets.</p>;
  }
  const show = (x: number | Money) => (typeof x === "number" ? count(x, "win") : formatMoney(x));
  return (
    <>
      <p className="muted small">{rule}</p>
      <Scroll label="Targets and attainment">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Period</th>
              <th scope="col" className="num">Achieved ÷ target</th>
              <th scope="col">Credited from</th>
            </tr>
          </thead>
          <tbody>
            {p.attainment.map((t) => {
              const asOwner = t.credits.filter((c) => c.as === "owner").length;
              const asTeam = t.credits.length - asOwner;
              return (
                <tr key={t.id}>
                  <th scope="row">
                    {t.user.name}
                    {t.dealRole ? <span className="muted small"> · as {dealRoleLabel(t.dealRole)}</span> : null}
                  </th>
                  <td className="nowrap">
                    {formatDate(t.periodStart)} – {formatDate(t.periodEnd)}
                  </td>
                  <td className="num">
                    {show(t.achieved)} ÷ {show(t.target)} = {percent(typeof t.achieved === "number" ? t.achieved / (t.target as number) : t.achieved.amount / (t.target as Money).amount)}
                  </td>
                  <td>
                    {t.credits.length === 0 ? (
                      <span className="muted">No won room yet</span>
                    ) : (
                      <details className="credit-details">
                        <summary>
                          {count(asOwner, "room")} as owner{asTeam > 0 ? ` + ${count(asTeam, "room")} on the deal team` : ""}
                        </summary>
                        <ul className="credit-list">
                          {t.credits.map((c) => (
                            <li key={c.roomId}>
                              {c.roomName}: {c.as === "owner" ? "owner" : dealRoleLabel(c.dealRole)}
                              {c.as === "owner" && c.dealRole ? `, ${dealRoleLabel(c.dealRole)}` : ""}
                              {t.kind === "value" && c.value ? ` (${formatMoney(c.value)})` : ""}
                            </li>
                          ))}
                        </ul>
                      </details>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </Scroll>
    </>
  );
}

function useMounted() {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return mounted;
}

function Filters({ p, query }: { p: PipelineAnswer; query: Record<string, string> }) {
  return (
    <Form method="get" className="card pipeline-filters" aria-label="Filters">
      <SelectField
        label="Deals"
        name="period"
        defaultValue={p.period.kind}
        options={[
          { value: "closed", label: "Closed in period" },
          { value: "created", label: "Created in period" },
        ]}
      />
      <TextField label="From" name="from" type="date" defaultValue={p.period.from ?? ""} />
      <TextField label="To" name="to" type="date" defaultValue={query.to ?? p.period.to} />
      <SelectField label="Owner" name="ownerId" defaultValue={query.ownerId ?? ""} options={[{ value: "", label: "Everyone" }, ...p.owners.map((o) => ({ value: o.id, label: o.name }))]} />
      <SelectField
        label="Reached stage"
        name="stage"
        defaultValue={query.stage ?? ""}
        options={[{ value: "", label: "Any stage" }, ...p.cycle.map((s) => ({ value: s, label: s }))]}
      />
      <SelectField
        label="Currency"
        name="currency"
        defaultValue={query.currency ?? ""}
        options={[{ value: "", label: "Each currency" }, ...[...new Set([...p.currencies, ...(query.currency ? [query.currency] : [])])].map((c) => ({ value: c, label: c }))]}
      />
      {query.organizationId ? <input type="hidden" name="org" value={query.organizationId} /> : null}
      <div className="filter-actions">
        <button type="submit" className="button primary">
          Apply
        </button>
        <Link to="/pipeline" className="button ghost">
          Reset
        </Link>
      </div>
    </Form>
  );
}

function WinRate({ p }: { p: PipelineAnswer }) {
  const c = p.winRate.counts;
  return (
    <div className="win-rate-grid">
      <div>
        <h3>Over decided deals</h3>
        <p className="figure">
          <strong>{percent(p.winRate.decided.unit)}</strong> by count
        </p>
        <p className="arithmetic">
          {count(c.won, "won", "won")} ÷ {count(c.decided, "decided", "decided")} = {percent(p.winRate.decided.unit)}
          {c.decided === 0 ? " (nothing decided yet)" : ""}
        </p>
        {p.currencies.map((cur) => (
          <p key={cur} className="arithmetic">
            {cur}: {formatMoney(c.wonValue[cur])} won ÷ {formatMoney(c.decidedValue[cur])} decided = <strong>{percent(p.winRate.decided.value[cur] ?? 0)}</strong> by value
          </p>
        ))}
      </div>
      <div>
        <h3>Over all pursued deals</h3>
        <p className="figure">
          <strong>{percent(p.winRate.pursued.unit)}</strong> by count
        </p>
        <p className="arithmetic">
          {count(c.won, "won", "won")} ÷ {count(c.pursued, "pursued", "pursued")} ({c.decided} decided + {c.open} still open) = {percent(p.winRate.pursued.unit)}
        </p>
        {p.currencies.map((cur) => (
          <p key={cur} className="arithmetic">
            {cur}: {formatMoney(c.wonValue[cur])} won ÷ {formatMoney(c.pursuedValue[cur])} pursued = <strong>{percent(p.winRate.pursued.value[cur] ?? 0)}</strong> by value
          </p>
        ))}
      </div>
    </div>
  );
}

function Velocity({ p }: { p: PipelineAnswer }) {
  if (p.currencies.length === 0) return <p className="muted">No deals with a value in this selection.</p>;
  const v = p.velocity;
  return (
    <div className="stack">
      {p.currencies.map((cur) => {
        const perDay = whole(v.perDay[cur])!;
        const better = whole({ amount: Math.round(v.perDay[cur]!.amount * SENSITIVITY), currency: cur });
        return (
          <div key={cur} className="velocity">
            <p className="figure">
              <strong>{formatMoney(perDay)}</strong> a day <span className="muted">({cur})</span>
            </p>
            <p className="arithmetic">
              {count(v.opportunities[cur] ?? 0, "opportunity", "opportunities")} × {formatMoney(whole(v.averageValue[cur]))} average × {percent(v.winRate[cur] ?? 0)} win
              rate ÷ {days(v.cycleDays[cur] ?? 0)} average cycle = {formatMoney(perDay)} a day
              {(v.cycleDays[cur] ?? 0) === 0 ? " (no deal won yet, so no cycle to divide by)" : ""}
            </p>
            <p className="muted small">
              10% better on each factor: 1.1 × 1.1 × 1.1 ÷ 0.9 ≈ +{percent(SENSITIVITY - 1, 0)}, so about {formatMoney(better)} a day.
            </p>
          </div>
        );
      })}
    </div>
  );
}

function Scroll({ label, children }: { label: string; children: React.ReactNode }) {
  // A region of its own that scrolls sideways on a phone, reachable by keyboard (docs/decisions/017).
  return (
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

function StagesTable({ p }: { p: PipelineAnswer }) {
  return (
    <Scroll label="Figures by stage">
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col" className="num">Open deals</th>
            <th scope="col" className="num">Open value</th>
            <th scope="col" className="num">Won from here</th>
            <th scope="col" className="num">By value</th>
            <th scope="col" className="num">Average days</th>
          </tr>
        </thead>
        <tbody>
          {p.stages.map((s) => (
            <tr key={s.stage}>
              <th scope="row">
                {s.stage}
                {s.inCycle ? null : <span className="muted small"> (no longer in the cycle)</span>}
              </th>
              <td className="num">{s.count}</td>
              <td className="num">{Object.values(s.value).length ? Object.values(s.value).map((m) => <div key={m.currency}>{formatMoney(m)}</div>) : "—"}</td>
              <td className="num">
                {s.conversionToWon.reached ? `${s.conversionToWon.won} of ${s.conversionToWon.reached} = ${percent(s.conversionToWon.unit)}` : "—"}
              </td>
              <td className="num">
                {Object.keys(s.conversionToWon.value).length
                  ? Object.entries(s.conversionToWon.value).map(([cur, r]) => (
                      <div key={cur}>
                        {cur} {percent(r)}
                      </div>
                    ))
                  : "—"}
              </td>
              <td className="num">{s.stays ? days(s.averageDays) : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

function MonthTable({ p }: { p: PipelineAnswer }) {
  if (p.winRateOverTime.length === 0) return <p className="muted">No deal was decided in this period.</p>;
  return (
    <Scroll label="Win rate by month">
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Month</th>
            <th scope="col" className="num">Won</th>
            <th scope="col" className="num">Lost</th>
            <th scope="col" className="num">By count</th>
            <th scope="col" className="num">By value</th>
          </tr>
        </thead>
        <tbody>
          {p.winRateOverTime.map((m) => (
            <tr key={m.month}>
              <th scope="row" className="nowrap">
                {m.month}
              </th>
              <td className="num">{m.won}</td>
              <td className="num">{m.lost}</td>
              <td className="num">{m.won + m.lost ? percent(m.unit) : "—"}</td>
              <td className="num">
                {Object.entries(m.value).length
                  ? Object.entries(m.value).map(([cur, r]) => (
                      <div key={cur}>
                        {cur} {percent(r)}
                      </div>
                    ))
                  : "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

function DealTable({ lines, kind, label }: { lines: DealLine[]; kind: "stalled" | "overdue"; label: string }) {
  if (lines.length === 0) return <p className="muted">{kind === "stalled" ? "No deal is stalled." : "No open deal is past its expected close date."}</p>;
  return (
    <Scroll label={label}>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Room</th>
            <th scope="col">Stage</th>
            <th scope="col" className="num">Value</th>
            <th scope="col">Owner</th>
            <th scope="col" className="num">{kind === "stalled" ? "Days in stage (norm)" : "Expected close"}</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr key={l.roomId}>
              <th scope="row">
                <Link to={`/rooms/${l.roomId}`} className="room-link">
                  {l.name}
                </Link>
                <span className="room-account">{l.account}</span>
              </th>
              <td>
                <StageBadge stage={l.stage} />
              </td>
              <td className="num">{formatMoney(l.value)}</td>
              <td>{l.owner?.name ?? "—"}</td>
              <td className="num">
                {kind === "stalled"
                  ? `${Math.floor(l.daysInStage)} (${days(l.normDays ?? 0)})`
                  : `${formatDate(l.expectedCloseDate)}, ${count(l.daysOverdue ?? 0, "day")} ago`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}
