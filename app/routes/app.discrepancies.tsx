import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Card, EmptyState, Page } from "@shopify/polaris";
import { requireAdmin } from "../admin.server";

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAdmin(request);
  return json({});
}

export default function Discrepancies() {
  return (
    <Page title="Discrepancies" subtitle="Orders whose status disagrees between systems">
      <Card>
        <EmptyState heading="No disagreements between sources" image="">
          <p>
            This page lists orders where Shopify, your warehouse and the carriers disagree: fulfilled without tracking,
            shipped by the warehouse but missing in Shopify, carrier ahead of Shopify, cancelled but shipped, quantity or
            tracking number mismatches, labels without a carrier scan and parcels past their estimated delivery.
          </p>
        </EmptyState>
      </Card>
    </Page>
  );
}
