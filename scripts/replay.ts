// `npm run replay [-- --shop <domain>]`: rebuild every rollup from the event log and report differences.
import { parseArgs } from "node:util";
import { createPrismaClient } from "../app/db.server";
import { replayAll } from "../app/store/replay.server";

const { values } = parseArgs({ options: { shop: { type: "string" } } });
const db = createPrismaClient();
const started = Date.now();
const report = await replayAll(db, { shop: values.shop });
await db.$disconnect();
console.log(`Replayed ${report.orders} orders from ${report.events} events in ${Date.now() - started} ms.`);
if (report.differences.length === 0) {
  console.log("Every stored status equals its replay.");
} else {
  console.error(`${report.differences.length} orders differ from their replay:`);
  for (const d of report.differences.slice(0, 20)) console.error(`  ${d.shop} ${d.orderId}`);
  process.exit(1);
}
