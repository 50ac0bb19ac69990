/** Durations as people say them: "45 s", "12 min", "2 h 14 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  const s = Math.round(abs / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

export function formatRelative(iso: string | null | undefined, now: Date): string {
  if (!iso) return "never";
  const diff = now.getTime() - new Date(iso).getTime();
  if (Math.abs(diff) < 5000) return "just now";
  return diff >= 0 ? `${formatDuration(diff)} ago` : `in ${formatDuration(diff)}`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC";
}

const LABELS: Record<string, string> = {
  unfulfilled: "Unfulfilled",
  on_hold: "On hold",
  partially_shipped: "Partially shipped",
  shipped: "Shipped",
  in_transit: "In transit",
  out_for_delivery: "Out for delivery",
  partially_delivered: "Partially delivered",
  delivered: "Delivered",
  ready_for_pickup: "Ready for pickup",
  cancelled: "Cancelled",
  no_shipping_required: "No shipping required",
  label_created: "Label created",
  confirmed: "Confirmed",
  attempted_delivery: "Delivery attempted",
  exception: "Delivery problem",
  delayed: "Delayed",
  delivery_exception: "Delivery problem",
  stalled: "Stalled",
};

export function statusLabel(status: string): string {
  return LABELS[status] ?? status.replace(/_/g, " ");
}

export type Tone = "success" | "info" | "attention" | "warning" | "critical" | undefined;

export function statusTone(status: string): Tone {
  switch (status) {
    case "delivered":
    case "no_shipping_required":
      return "success";
    case "in_transit":
    case "out_for_delivery":
    case "shipped":
    case "ready_for_pickup":
      return "info";
    case "partially_shipped":
    case "partially_delivered":
    case "on_hold":
      return "attention";
    case "cancelled":
      return undefined;
    default:
      return "warning";
  }
}

/** How far along the journey each shipment status is, for progress bars (percent). */
export const SHIPMENT_PROGRESS: Record<string, number> = {
  label_created: 15,
  confirmed: 25,
  in_transit: 50,
  exception: 50,
  attempted_delivery: 80,
  out_for_delivery: 85,
  ready_for_pickup: 90,
  delivered: 100,
  cancelled: 0,
};
