// Reads Rollcall's sample invitations with ical.js (Mozilla's parser, used by Thunderbird's
// lineage of web clients) and checks every field in expected.json.
// Usage: node check_icaljs.mjs SAMPLES_DIR. Exits 1 on any mismatch, listing all of them.
// Run with TZ set to a zone other than UTC: a TZID ical.js cannot resolve from the calendar's
// own VTIMEZONE would then read as a local time and show up as a wrong instant.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import ICAL from "ical.js";

const pad = (n) => String(n).padStart(2, "0");

/** The contract form: UTC with Z, a date, or a floating wall time. */
function fmt(time) {
  if (!time) return null;
  if (time.isDate) return `${time.year}-${pad(time.month)}-${pad(time.day)}`;
  const floating = `${time.year}-${pad(time.month)}-${pad(time.day)}T${pad(time.hour)}:${pad(time.minute)}:${pad(time.second)}`;
  if (!time.zone || time.zone === ICAL.Timezone.localTimezone) return floating;
  return time.toJSDate().toISOString().replace(".000Z", "Z");
}

function ruleParts(text) {
  if (text == null) return null;
  const parts = Object.fromEntries(text.toUpperCase().split(";").map((p) => p.split("=")));
  return JSON.stringify(Object.keys(parts).sort().map((k) => [k, parts[k]]));
}

function checkCalendar(text, want, problems) {
  const expect = (field, got, wanted) => {
    if (JSON.stringify(got) !== JSON.stringify(wanted)) {
      problems.push(`${field}: got ${JSON.stringify(got)}, want ${JSON.stringify(wanted)}`);
    }
  };
  const cal = new ICAL.Component(ICAL.parse(text));
  expect("METHOD", cal.getFirstPropertyValue("method"), want.method);
  const events = cal.getAllSubcomponents("vevent");
  // The series first, then one VEVENT per moved occurrence and per date answered on its own
  // (same UID, its RECURRENCE-ID), each with the invitee's answer for that date.
  expect("VEVENT count", events.length, 1 + want.overrides.length);
  events.slice(1).forEach((override, i) => {
    const partstat = override.getFirstProperty("attendee")?.getParameter("partstat");
    expect(`override ${i + 1} PARTSTAT`, partstat, want.overrides[i]?.partstat);
  });
  const ev = events[0];
  expect("VALARM count", ev.getAllSubcomponents("valarm").length, 0);
  expect("UID", ev.getFirstPropertyValue("uid"), want.uid);
  expect("SEQUENCE", ev.getFirstPropertyValue("sequence"), want.sequence);
  const organizer = ev.getFirstProperty("organizer");
  expect("ORGANIZER", organizer.getFirstValue(), want.organizer);
  expect("ORGANIZER CN", organizer.getParameter("cn"), want.organizer_cn);
  const attendees = ev.getAllProperties("attendee");
  expect("ATTENDEE count", attendees.length, 1);
  if (attendees.length > 0) {
    const attendee = attendees[0];
    expect("ATTENDEE", attendee.getFirstValue(), want.attendee);
    expect("ATTENDEE CN", attendee.getParameter("cn"), want.attendee_cn);
    expect("RSVP", attendee.getParameter("rsvp"), "TRUE");
    expect("PARTSTAT", attendee.getParameter("partstat"), want.partstat);
    expect("ROLE", attendee.getParameter("role"), "REQ-PARTICIPANT");
    if (attendee.getFirstValue().toLowerCase() === organizer.getFirstValue().toLowerCase()) {
      problems.push("ORGANIZER equals ATTENDEE");
    }
  }
  // Every TZID must resolve to a VTIMEZONE of this calendar.
  const defined = cal.getAllSubcomponents("vtimezone").map((tz) => tz.getFirstPropertyValue("tzid"));
  for (const name of ["dtstart", "dtend", "recurrence-id", "exdate"]) {
    for (const prop of ev.getAllProperties(name)) {
      const tzid = prop.getParameter("tzid");
      if (!tzid) continue;
      if (!defined.includes(tzid)) problems.push(`${name} uses TZID ${tzid} without a VTIMEZONE`);
      const zone = prop.getFirstValue().zone;
      if (!zone || zone.tzid !== tzid) problems.push(`${name}: ical.js did not resolve ${tzid}`);
    }
  }
  expect("DTSTART", fmt(ev.getFirstPropertyValue("dtstart")), want.start);
  expect("DTEND", fmt(ev.getFirstPropertyValue("dtend")), want.end);
  const rrule = ev.getFirstPropertyValue("rrule");
  expect("RRULE", ruleParts(rrule ? rrule.toString() : null), ruleParts(want.rrule));
  const exdates = ev.getAllProperties("exdate").flatMap((p) => p.getValues().map((t) => fmt(t)));
  expect("EXDATE", exdates, want.exdates);
  expect("RECURRENCE-ID", fmt(ev.getFirstPropertyValue("recurrence-id")), want.recurrence_id);
  expect("SUMMARY", ev.getFirstPropertyValue("summary"), want.summary);
  expect("URL", ev.getFirstPropertyValue("url"), want.url);
  expect("TRANSP", ev.getFirstPropertyValue("transp"), want.transp);
  expect("CONFERENCE", ev.getFirstPropertyValue("conference"), want.conference);
  expect("STATUS", ev.getFirstPropertyValue("status"), want.method === "CANCEL" ? "CANCELLED" : "CONFIRMED");
  // Expanding the series must start at DTSTART, skip the EXDATEs and put each moved
  // occurrence at its new time, as a calendar showing this copy would.
  if (rrule && want.exdates.length > 0) {
    const event = new ICAL.Event(ev);
    for (const moved of events.slice(1)) {
      expect("override UID", moved.getFirstPropertyValue("uid"), want.uid);
      for (const prop of moved.getAllProperties()) {
        const tzid = prop.getParameter("tzid");
        if (tzid && !defined.includes(tzid)) problems.push(`override ${prop.name} uses TZID ${tzid} without a VTIMEZONE`);
      }
      event.relateException(moved);
    }
    const it = event.iterator();
    const seen = [];
    const shown = [];
    for (let next = it.next(); next && seen.length < 12; next = it.next()) {
      seen.push(fmt(next));
      const details = event.getOccurrenceDetails(next);
      shown.push([fmt(details.recurrenceId), fmt(details.startDate), fmt(details.endDate)]);
    }
    expect("first occurrence", seen[0], want.start);
    for (const ex of want.exdates) {
      if (seen.includes(ex)) problems.push(`occurrence ${ex} not excluded`);
    }
    for (const moved of want.overrides) {
      const found = shown.find(([rid]) => rid === moved.recurrence_id);
      expect(`occurrence ${moved.recurrence_id}`, found, [moved.recurrence_id, moved.start, moved.end]);
    }
  }
}

const samples = process.argv[2];
const expected = JSON.parse(readFileSync(join(samples, "expected.json"), "utf8"));
let failed = 0;
for (const want of expected) {
  const problems = [];
  try {
    checkCalendar(readFileSync(join(samples, `${want.name}.ics`), "utf8"), want, problems);
  } catch (error) {
    problems.push(`${error.name}: ${error.message}`);
  }
  console.log(`ical.js: ${want.name}: ${problems.length === 0 ? "ok" : "FAILED"}`);
  for (const problem of problems) console.log(`    ${problem}`);
  if (problems.length > 0) failed += 1;
}
if (failed > 0) {
  console.log(`ical.js: ${failed} of ${expected.length} samples FAILED`);
  process.exit(1);
}
console.log(`ical.js: ${expected.length} samples ok`);
