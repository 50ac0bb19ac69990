import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { OpenPoint } from "../../store/discrepancies.server";
import { ClientOnly } from "./ClientOnly";

/** Open discrepancies at the end of each day. */
export function OpenDiscrepanciesChart({ points }: { points: OpenPoint[] }) {
  const data = points.map((p) => ({ day: p.day.slice(5), open: p.open }));
  return (
    <ClientOnly>
      {() => (
        <div style={{ width: "100%", height: 220 }} role="img" aria-label="Open discrepancies per day">
          <ResponsiveContainer>
            <AreaChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e3e3e3" />
              <XAxis dataKey="day" fontSize={12} />
              <YAxis allowDecimals={false} fontSize={12} width={40} />
              <Tooltip formatter={(value) => [value, "open"]} />
              <Area type="stepAfter" dataKey="open" stroke="#c5280c" fill="#fed3d1" isAnimationActive={false} />
            </AreaChart>
          </ResponsiveContainer>
        </div>
      )}
    </ClientOnly>
  );
}
