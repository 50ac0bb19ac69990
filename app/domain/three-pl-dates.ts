/**
 * Shipping dates as warehouses write them. The feed's date format decides how a date is read: a date
 * such as 03/04/2026 is never guessed. An ISO 8601 date is unambiguous and read in any format. A time
 * without an offset is the warehouse's clock, in the feed's IANA time zone.
 */
import { DateTime } from "luxon";
import { DATE_FORMAT_LABELS, type DateFormat } from "./three-pl-format";

// "2026-11-20", "2026-11-20T14:05:00Z", "2026-11-20 14:05", "2026-11-20T14:05:00.123+01:00".
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

const TIMES_12H = ["h:mm:ss a", "h:mm a"];
const TIMES_24H = ["H:mm:ss", "H:mm"];

function withTimes(dates: readonly string[], times: readonly string[]): string[] {
  return dates.flatMap((d) => [d, ...times.map((t) => `${d} ${t}`)]);
}

const LAYOUTS: Readonly<Record<"month_first" | "day_first" | "compact", readonly string[]>> = {
  month_first: withTimes(["M/d/yyyy", "M-d-yyyy"], [...TIMES_12H, ...TIMES_24H]),
  day_first: withTimes(["d.M.yyyy", "d/M/yyyy", "d-M-yyyy"], TIMES_24H),
  compact: ["yyyyMMddHHmmss", "yyyyMMddHHmm", "yyyyMMdd"],
};

/**
 * The layouts worth trying for this text: luxon compiles a layout on every call, so a 20,000-row file
 * should not try each of them on each row. Same date separator, same clock (12 or 24 hours), same
 * number of time fields; parsing still decides.
 */
function layoutsFor(format: "month_first" | "day_first" | "compact", text: string): readonly string[] {
  if (format === "compact") return LAYOUTS.compact;
  const separator = /^\d{1,2}([./-])/.exec(text)?.[1];
  const clock = /\s(\d{1,2}(?::\d{2}){1,2})(\s*[ap]\.?m\.?)?$/i.exec(text);
  const timeFields = clock ? clock[1]!.split(":").length : 0;
  return LAYOUTS[format].filter((layout) => {
    const [date, time, meridiem] = layout.split(" ");
    if (separator && !date!.includes(separator)) return false;
    if ((time?.split(":").length ?? 0) !== timeFields) return false;
    return !!meridiem === !!clock?.[2];
  });
}

// Outside these years a date is a misreading (a day number taken for seconds, a two-digit year).
const EARLIEST_YEAR = 2000;
const LATEST_YEAR = 2099;

export type DateReading = { ok: true; iso: string } | { ok: false; error: string };

function fromIso(text: string, zone: string): DateTime {
  return DateTime.fromISO(text.replace(" ", "T"), { zone, setZone: true });
}

function fromEpoch(text: string): DateTime | null {
  if (/^\d{9,10}(\.\d{1,3})?$/.test(text)) return DateTime.fromMillis(Math.round(Number(text) * 1000), { zone: "UTC" });
  if (/^\d{12,13}$/.test(text)) return DateTime.fromMillis(Number(text), { zone: "UTC" });
  return null;
}

/**
 * Reads a shipping date (and the time, when the file keeps it in a column of its own) into UTC ISO
 * 8601, or says why it cannot.
 */
export function readShippingDate(dateText: string, timeText: string | null, format: DateFormat, timeZone: string): DateReading {
  const date = dateText.trim().replace(/\s+/g, " ");
  const time = timeText?.trim().replace(/\s+/g, " ") ?? "";
  const text = time ? `${date} ${time}` : date;
  const label = JSON.stringify(text);
  // luxon reads "15:05 PM" as 15:05; a clock that says both is a misreading, not a time.
  const meridiem = /(?:^|\s)(\d{1,2}):\d{2}(?::\d{2})?\s*[ap]\.?m\.?$/i.exec(text);
  if (meridiem && (Number(meridiem[1]) > 12 || Number(meridiem[1]) === 0)) {
    return { ok: false, error: `shipped_at ${label} gives a 24-hour time with AM/PM` };
  }
  let parsed: DateTime | null = null;
  if (ISO_8601.test(text)) parsed = fromIso(text, timeZone);
  else if (format === "epoch") parsed = time ? null : fromEpoch(text);
  else if (format !== "iso") {
    for (const layout of layoutsFor(format, text)) {
      const candidate = DateTime.fromFormat(text, layout, { zone: timeZone, locale: "en-US" });
      if (candidate.isValid) {
        parsed = candidate;
        break;
      }
    }
  }
  if (!parsed || !parsed.isValid) {
    return { ok: false, error: `shipped_at ${label} is not a date in the feed's format, ${DATE_FORMAT_LABELS[format]}` };
  }
  if (parsed.year < EARLIEST_YEAR || parsed.year > LATEST_YEAR) {
    return { ok: false, error: `shipped_at ${label} reads as ${parsed.toUTC().toISO()}, outside ${EARLIEST_YEAR}..${LATEST_YEAR}` };
  }
  return { ok: true, iso: parsed.toUTC().toISO({ suppressMilliseconds: false })! };
}
