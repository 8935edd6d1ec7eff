"""Reads Rollcall's sample invitations with Python's `icalendar` and the standard `email`
package, and checks every field in expected.json. Usage: check_python.py SAMPLES_DIR.
Exits 1 on any mismatch, listing all of them."""

import datetime as dt
import email
import email.policy
import json
import sys
from email.utils import parseaddr
from pathlib import Path

import icalendar

UTC = dt.timezone.utc


def fmt(value):
    """The contract form: UTC with Z, a date, or a floating wall time."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.strftime("%Y-%m-%dT%H:%M:%S")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)


def rule_parts(text):
    return None if text is None else dict(p.split("=", 1) for p in text.upper().split(";"))


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def check_calendar(text, want, problems):
    def expect(field, got, wanted):
        if got != wanted:
            problems.append(f"{field}: got {got!r}, want {wanted!r}")

    cal = icalendar.Calendar.from_ical(text)
    expect("METHOD", str(cal.get("METHOD")), want["method"])
    expect("VERSION", str(cal.get("VERSION")), "2.0")
    events = cal.walk("VEVENT")
    # The series first, then one VEVENT per moved occurrence and per date answered on its own
    # (same UID, its RECURRENCE-ID).
    expect("VEVENT count", len(events), 1 + len(want["overrides"]))
    expect("VALARM count", len(cal.walk("VALARM")), 0)
    ev = events[0]
    for moved, wanted in zip(events[1:], want["overrides"]):
        expect("override UID", str(moved.get("UID")), want["uid"])
        expect("override SEQUENCE", int(moved.get("SEQUENCE")), want["sequence"])
        expect("override RECURRENCE-ID", fmt(moved.decoded("RECURRENCE-ID")), wanted["recurrence_id"])
        expect("override DTSTART", fmt(moved.decoded("DTSTART")), wanted["start"])
        expect("override DTEND", fmt(moved.decoded("DTEND")), wanted["end"])
        expect("override RRULE", moved.get("RRULE"), None)
        expect("override ATTENDEE", str(moved.get("ATTENDEE")), want["attendee"])
        # Each override carries the invitee's answer for that date: their own, or the series'.
        expect("override PARTSTAT", moved.get("ATTENDEE").params.get("PARTSTAT"), wanted["partstat"])
        expect("override ORGANIZER", str(moved.get("ORGANIZER")), want["organizer"])
    expect("UID", str(ev.get("UID")), want["uid"])
    expect("SEQUENCE", int(ev.get("SEQUENCE")), want["sequence"])
    organizer = ev.get("ORGANIZER")
    expect("ORGANIZER", str(organizer), want["organizer"])
    expect("ORGANIZER CN", organizer.params.get("CN"), want["organizer_cn"])
    attendees = as_list(ev.get("ATTENDEE"))
    expect("ATTENDEE count", len(attendees), 1)
    if attendees:
        attendee = attendees[0]
        expect("ATTENDEE", str(attendee), want["attendee"])
        expect("ATTENDEE CN", attendee.params.get("CN"), want["attendee_cn"])
        expect("RSVP", attendee.params.get("RSVP"), "TRUE")
        expect("PARTSTAT", attendee.params.get("PARTSTAT"), want["partstat"])
        expect("ROLE", attendee.params.get("ROLE"), "REQ-PARTICIPANT")
        if str(attendee).lower() == str(organizer).lower():
            problems.append("ORGANIZER equals ATTENDEE")
    expect("DTSTART", fmt(ev.decoded("DTSTART")), want["start"])
    expect("DTEND", fmt(ev.decoded("DTEND")), want["end"])
    rrule = ev.get("RRULE")
    got_rule = None if rrule is None else rrule.to_ical().decode()
    expect("RRULE", rule_parts(got_rule), rule_parts(want["rrule"]))
    exdates = [fmt(d.dt) for lst in as_list(ev.get("EXDATE")) for d in lst.dts]
    expect("EXDATE", exdates, want["exdates"])
    rid = ev.get("RECURRENCE-ID")
    expect("RECURRENCE-ID", None if rid is None else fmt(rid.dt), want["recurrence_id"])
    summary = ev.get("SUMMARY")
    expect("SUMMARY", None if summary is None else str(summary), want["summary"])
    expect("URL", str(ev.get("URL")), want["url"])
    expect("TRANSP", str(ev.get("TRANSP")), want["transp"])
    conference = ev.get("CONFERENCE")
    expect("CONFERENCE", None if conference is None else str(conference), want["conference"])
    expected_status = "CANCELLED" if want["method"] == "CANCEL" else "CONFIRMED"
    expect("STATUS", str(ev.get("STATUS")), expected_status)
    # A VTIMEZONE for every TZID the event uses.
    defined = {str(tz.get("TZID")) for tz in cal.walk("VTIMEZONE")}
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        prop = ev.get(name)
        tzid = None if prop is None else prop.params.get("TZID")
        if tzid and tzid not in defined:
            problems.append(f"{name} uses TZID {tzid!r} without a VTIMEZONE")
    return organizer


def check_message(raw, ics_bytes, want, organizer, problems):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if msg.get_content_type() != "multipart/mixed":
        problems.append(f"root is {msg.get_content_type()}")
        return
    parts = list(msg.iter_parts())
    types = [p.get_content_type() for p in parts]
    if types != ["multipart/alternative", "application/ics"]:
        problems.append(f"multipart/mixed holds {types}")
        return
    inner = list(parts[0].iter_parts())
    inner_types = [p.get_content_type() for p in inner]
    if inner_types != ["text/plain", "text/html", "text/calendar"]:
        problems.append(f"multipart/alternative holds {inner_types}")
        return
    calendar = inner[2]
    if calendar.get_param("method") != want["method"]:
        problems.append(f"text/calendar method={calendar.get_param('method')!r}")
    if str(calendar.get("Content-Transfer-Encoding", "7bit")).lower() == "base64":
        problems.append("text/calendar is base64: clients show no buttons")
    if calendar.get_payload(decode=True) != ics_bytes:
        problems.append("inline text/calendar differs from the .ics")
    attachment = parts[1]
    if attachment.get_filename() != "invite.ics":
        problems.append(f"attachment filename {attachment.get_filename()!r}")
    if attachment.get_payload(decode=True) != ics_bytes:
        problems.append("invite.ics attachment differs from the .ics")
    name, address = parseaddr(str(msg["From"]))
    if f"mailto:{address}" != str(organizer):
        problems.append(f"From {address!r} is not the ORGANIZER {str(organizer)!r}")
    if not name.endswith(" via Rollcall"):
        problems.append(f"From name {name!r}")
    if msg["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click":
        problems.append("List-Unsubscribe-Post missing")


def main():
    samples = Path(sys.argv[1])
    expected = json.loads((samples / "expected.json").read_text(encoding="utf-8"))
    failed = 0
    for want in expected:
        problems = []
        ics = (samples / f"{want['name']}.ics").read_bytes()
        try:
            organizer = check_calendar(ics, want, problems)
            raw = (samples / f"{want['name']}.eml").read_bytes()
            check_message(raw, ics, want, organizer, problems)
        except Exception as error:  # a crash in the reader is a finding, not a stop
            problems.append(f"{type(error).__name__}: {error}")
        status = "ok" if not problems else "FAILED"
        print(f"python icalendar {icalendar.__version__}: {want['name']}: {status}")
        for problem in problems:
            print(f"    {problem}")
        failed += bool(problems)
    if failed:
        print(f"python icalendar: {failed} of {len(expected)} samples FAILED")
        return 1
    print(f"python icalendar: {len(expected)} samples ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
