import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { EngagementDay } from "../../../server/engagement/report.ts";

/**
 * Buyer-side active reading per day over the room's life (recharts, loaded on the Engagement
 * tab only, after hydration: app/routes/rooms.$roomId.engagement.tsx). Minutes, the buyer's side
 * only: the internal team's reading never counts as buyer engagement. The table beside it holds
 * the same figures for screen readers.
 */
const ACCENT = "#2f5bea";
const GREY = "#5f6776";
const TICK = { fill: GREY, fontSize: 12 };

export default function EngagementChart({ days, description }: { days: EngagementDay[]; description: string }) {
  const data = days.map((d) => ({ date: d.date.slice(5), minutes: Math.round((d.externalActiveSeconds / 60) * 10) / 10 }));
  return (
    <div role="img" aria-label={description} style={{ width: "100%", height: 200 }}>
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid stroke="#e3e6ec" vertical={false} />
          <XAxis dataKey="date" tick={TICK} minTickGap={24} />
          <YAxis tick={TICK} allowDecimals={false} width={48} />
          <Tooltip formatter={(value) => [`${value} min`, "Buyer reading"]} />
          <Area type="monotone" dataKey="minutes" stroke={ACCENT} fill={ACCENT} fillOpacity={0.15} isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
