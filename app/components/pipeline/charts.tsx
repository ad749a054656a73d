import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { PipelineAnswer } from "../../../server/sales/pipeline.ts";

/**
 * The pipeline page's charts, drawn with recharts and loaded on that page only, after hydration
 * (app/routes/pipeline.tsx). Each chart is an image with a description for screen readers; the
 * tables on the page (and their CSV) hold the same figures.
 */
interface Props {
  stages: PipelineAnswer["stages"];
  currencies: string[];
  winRateOverTime: PipelineAnswer["winRateOverTime"];
}

const ACCENT = "#2f5bea";
const GREEN = "#17794a";
const RED = "#c0322b";
const GREY = "#5f6776";
const TICK = { fill: GREY, fontSize: 12 };

function Chart({ title, description, children, height = 240 }: { title: string; description: string; children: React.ReactElement; height?: number }) {
  return (
    <figure className="card chart">
      <figcaption>{title}</figcaption>
      <div role="img" aria-label={description} style={{ width: "100%", height }}>
        <ResponsiveContainer width="100%" height="100%">
          {children}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

export default function PipelineCharts({ stages, currencies, winRateOverTime }: Props) {
  const inCycle = stages.filter((s) => s.inCycle);
  const byStage = inCycle.map((s) => ({
    stage: s.stage,
    open: s.count,
    conversion: Math.round(s.conversionToWon.unit * 1000) / 10,
    ...Object.fromEntries(currencies.map((c) => [c, (s.value[c]?.amount ?? 0) / 10 ** minorDigits(c)])),
  }));
  const months = winRateOverTime.map((m) => ({ month: m.month, won: m.won, lost: m.lost, rate: m.won + m.lost ? Math.round(m.unit * 1000) / 10 : null }));
  const describeStages = inCycle.map((s) => `${s.stage} ${s.count}`).join(", ");
  return (
    <div className="chart-grid">
      <Chart title="Open deals by stage" description={`Bar chart of open deals per stage: ${describeStages}.`}>
        <BarChart data={byStage} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 8, left: 28 }}>
          <CartesianGrid stroke="#e2e5ea" vertical={false} />
          <XAxis dataKey="stage" tick={TICK} interval={0} angle={-30} textAnchor="end" height={64} />
          <YAxis allowDecimals={false} tick={TICK} width={32} />
          <Tooltip />
          <Bar dataKey="open" name="Open deals" fill={ACCENT} isAnimationActive={false} />
        </BarChart>
      </Chart>
      {currencies.map((c) => (
        <Chart
          key={c}
          title={`Open value by stage (${c})`}
          description={`Bar chart of open value in ${c} per stage: ${inCycle.map((s) => `${s.stage} ${compact((s.value[c]?.amount ?? 0) / 10 ** minorDigits(c), c)}`).join(", ")}.`}
        >
          <BarChart data={byStage} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 8, left: 24 }}>
            <CartesianGrid stroke="#e2e5ea" vertical={false} />
            <XAxis dataKey="stage" tick={TICK} interval={0} angle={-30} textAnchor="end" height={64} />
            <YAxis tick={TICK} width={56} tickFormatter={(v: number) => compact(v, c)} />
            <Tooltip formatter={(v) => compact(Number(v), c)} />
            <Bar dataKey={c} name={`Open value (${c})`} fill={GREEN} isAnimationActive={false} />
          </BarChart>
        </Chart>
      ))}
      <Chart
        title="Conversion to won from each stage"
        description={`Bar chart of the share of decided deals won after reaching each stage: ${inCycle.map((s) => `${s.stage} ${Math.round(s.conversionToWon.unit * 100)}%`).join(", ")}.`}
      >
        <BarChart data={byStage} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 8, left: 28 }}>
          <CartesianGrid stroke="#e2e5ea" vertical={false} />
          <XAxis dataKey="stage" tick={TICK} interval={0} angle={-30} textAnchor="end" height={64} />
          <YAxis domain={[0, 100]} unit="%" tick={TICK} width={44} />
          <Tooltip formatter={(v) => `${v}%`} />
          <Bar dataKey="conversion" name="Won from here" fill={ACCENT} isAnimationActive={false} />
        </BarChart>
      </Chart>
      {months.length > 0 ? (
        <Chart
          title="Win rate over time"
          description={`Line chart of the monthly win rate by count: ${months.map((m) => `${m.month} ${m.rate === null ? "no decisions" : `${m.rate}%`}`).join(", ")}.`}
        >
          <LineChart data={months} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
            <CartesianGrid stroke="#e2e5ea" vertical={false} />
            <XAxis dataKey="month" tick={TICK} />
            <YAxis domain={[0, 100]} unit="%" tick={TICK} width={44} />
            <Tooltip formatter={(v) => `${v}%`} />
            <Legend />
            <Line dataKey="rate" name="Win rate by count" stroke={ACCENT} strokeWidth={2} connectNulls isAnimationActive={false} />
          </LineChart>
        </Chart>
      ) : null}
      {months.length > 0 ? (
        <Chart title="Won and lost by month" description={`Bar chart of deals won and lost per month: ${months.map((m) => `${m.month} ${m.won} won, ${m.lost} lost`).join("; ")}.`}>
          <BarChart data={months} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
            <CartesianGrid stroke="#e2e5ea" vertical={false} />
            <XAxis dataKey="month" tick={TICK} />
            <YAxis allowDecimals={false} tick={TICK} width={32} />
            <Tooltip />
            <Legend />
            <Bar dataKey="won" name="Won" stackId="d" fill={GREEN} isAnimationActive={false} />
            <Bar dataKey="lost" name="Lost" stackId="d" fill={RED} isAnimationActive={false} />
          </BarChart>
        </Chart>
      ) : null}
    </div>
  );
}

// Kept apart from app/lib/money.ts: importing it here would make the server build share it in a
// chunk of its own beside build/server/index.js (tests/integration/bundles.test.ts).
function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** "$1.2M", "€40k": short axis labels in major units. */
function compact(major: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency, notation: "compact", maximumFractionDigits: 1 }).format(major);
  } catch {
    return `${major} ${currency}`;
  }
}
