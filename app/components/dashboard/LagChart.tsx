import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatDuration } from "../../format";
import type { LagPoint } from "../../store/sync-lag.server";
import { ClientOnly } from "./ClientOnly";
import { sourceName } from "./discrepancy-labels";

const COLORS: Record<string, string> = { shopify: "#008060", "3pl": "#b98900", carrier: "#2c6ecb", reconciliation: "#8051c8" };

// Round durations (seconds) for a log axis: what people compare lag against.
const TICKS = [1, 10, 60, 600, 3_600, 6 * 3_600, 86_400, 7 * 86_400, 30 * 86_400];

/** p95 lag per source per day, on a log scale so seconds and hours both read. */
export function LagChart({ points, sources }: { points: LagPoint[]; sources: string[] }) {
  const values: number[] = [];
  const data = points.map((p) => {
    const row: Record<string, string | number | null> = { day: p.day.slice(5) };
    for (const s of sources) {
      const value = p[s as keyof LagPoint];
      row[s] = typeof value === "number" ? Math.max(value / 1000, 1) : null;
      if (typeof value === "number") values.push(Math.max(value / 1000, 1));
    }
    return row;
  });
  const low = TICKS.filter((t) => t <= Math.min(...values, 10)).at(-1) ?? 1;
  const high = TICKS.find((t) => t >= Math.max(...values, 60)) ?? TICKS.at(-1)!;
  const ticks = TICKS.filter((t) => t >= low && t <= high);
  return (
    <ClientOnly>
      {() => (
        <div style={{ width: "100%", height: 260 }} role="img" aria-label="Sync lag p95 per day and source">
          <ResponsiveContainer>
            <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e3e3e3" />
              <XAxis dataKey="day" fontSize={12} />
              <YAxis scale="log" domain={[low, high]} ticks={ticks} allowDataOverflow tickFormatter={(s: number) => formatDuration(s * 1000)} fontSize={12} width={70} />
              <Tooltip formatter={(value) => (typeof value === "number" ? formatDuration(value * 1000) : "—")} />
              <Legend formatter={(value: string) => sourceName(value)} />
              {sources.map((s) => (
                <Line key={s} type="monotone" dataKey={s} name={s} stroke={COLORS[s] ?? "#616161"} strokeWidth={2} dot={{ r: 2 }} connectNulls isAnimationActive={false} />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </ClientOnly>
  );
}
