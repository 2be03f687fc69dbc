/** A UTC date and time, e.g. "Dec 4, 2026, 9:41:07 PM UTC". */
const dateTime = new Intl.DateTimeFormat("en", {
  dateStyle: "medium",
  timeStyle: "medium",
  timeZone: "UTC",
});

export function When({ iso }: { iso: string }) {
  return <time dateTime={iso}>{dateTime.format(new Date(iso))} UTC</time>;
}
