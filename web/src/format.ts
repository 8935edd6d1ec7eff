// Dates and times as the organizer reads them: in the browser's zone, in the browser's language.

/** The browser's IANA zone (what the series request passes as `tz`). */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
}

const dateTime = (zone?: string) =>
  new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone ?? browserZone() })

const timeOnly = (zone?: string) =>
  new Intl.DateTimeFormat(undefined, { timeStyle: 'short', timeZone: zone ?? browserZone() })

// An all-day date is a calendar date, not an instant: shown as it is, whatever the zone.
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' })

const ALL_DAY = /^\d{4}-\d{2}-\d{2}$/

function dayKey(date: Date, zone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    date,
  )
}

/** A timestamp (RFC 3339) in the browser's zone, with the zone's short name ("CET",
 *  "GMT+1"); an empty string for a missing one. */
export function formatDateTime(iso: string | null | undefined, zone?: string): string {
  if (!iso) return ''
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  const name = new Intl.DateTimeFormat(undefined, { timeZone: zone ?? browserZone(), timeZoneName: 'short' })
    .formatToParts(date)
    .find((part) => part.type === 'timeZoneName')?.value
  return name ? `${dateTime(zone).format(date)} ${name}` : dateTime(zone).format(date)
}

/** When an event happens: "4 Mar 2027, 17:00 – 18:00", or its dates when it is all-day. */
export function formatEventWhen(
  event: { start: string | null; end: string | null; all_day: boolean },
  zone: string = browserZone(),
): string {
  // An event stored without a start (a placeholder) has no time to show.
  if (event.start === null) return 'No time given'
  if (event.all_day || ALL_DAY.test(event.start)) {
    const start = dateOnly.format(new Date(`${event.start.slice(0, 10)}T00:00:00Z`))
    // An all-day DTEND is exclusive: a one-day event ends the next day.
    if (!event.end || !ALL_DAY.test(event.end)) return start
    const last = new Date(`${event.end}T00:00:00Z`)
    last.setUTCDate(last.getUTCDate() - 1)
    const end = dateOnly.format(last)
    return end === start || last.getTime() < Date.parse(`${event.start}T00:00:00Z`) ? start : `${start} – ${end}`
  }
  const start = new Date(event.start)
  if (Number.isNaN(start.getTime())) return event.start
  const startText = dateTime(zone).format(start)
  if (!event.end) return startText
  const end = new Date(event.end)
  if (Number.isNaN(end.getTime())) return startText
  const sameDay = dayKey(start, zone) === dayKey(end, zone)
  return `${startText} – ${sameDay ? timeOnly(zone).format(end) : dateTime(zone).format(end)}`
}

/** An event's time with its zone named: in the event's own zone (as the mails say it) and,
 *  when the viewer is elsewhere, in theirs too. An all-day event is the same dates anywhere. */
export function formatEventTimes(
  event: { start: string | null; end: string | null; all_day: boolean; time_zone: string | null },
  viewer: string = browserZone(),
): { own: string; yours: string | null } {
  if (event.start === null) return { own: formatEventWhen(event, viewer), yours: null }
  if (event.all_day || ALL_DAY.test(event.start)) return { own: formatEventWhen(event, viewer), yours: null }
  const zone = event.time_zone && knownZone(event.time_zone) ? event.time_zone : null
  if (!zone) return { own: `${formatEventWhen(event, viewer)} (${viewer})`, yours: null }
  const own = `${formatEventWhen(event, zone)} (${zone})`
  if (zone === viewer) return { own, yours: null }
  const yours = formatEventWhen(event, viewer)
  return { own, yours: yours === formatEventWhen(event, zone) ? null : `${yours} (${viewer}, your time)` }
}

function knownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** "accepted" → "Accepted", "needs-action" → "Needs action". */
export function humanize(value: string | null | undefined): string {
  if (!value) return ''
  const words = value.replace(/[-_]/g, ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** Today's date (YYYY-MM-DD) in `zone`. */
export function todayIn(zone: string = browserZone(), now: Date = new Date()): string {
  return dayKey(now, zone)
}

/** `ymd` moved by whole days, months or years (month ends clamp: 31 March − 1 month = 28/29 Feb). */
export function shiftDate(ymd: string, by: { days?: number; months?: number; years?: number }): string {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number]
  const months = (by.years ?? 0) * 12 + (by.months ?? 0)
  const target = new Date(Date.UTC(y, m - 1 + months, 1))
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(d, lastDay) + (by.days ?? 0))
  return target.toISOString().slice(0, 10)
}
