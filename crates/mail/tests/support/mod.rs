//! Organizer events as Rollcall reads them from real invitations, and personal invitations made
//! from them. Shared by the invitation tests, the interop samples and the benchmark.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use rollcall_core::Limits;
use rollcall_core::event::CancelledOccurrence;
use rollcall_core::ical::{CalendarEvent, CalendarObject, TimeValue, read_calendars};
use rollcall_mail::{Exceptions, InvitationMethod, PersonalInvitation};

pub const REPLY: &str = "rsvp+k3y9example@rollcall.example";
pub const INVITEE: &str = "dana@example.org";

pub fn read(ics: &str) -> CalendarObject {
    read_calendars(ics.as_bytes(), &Limits::default())
        .expect("readable calendar")
        .remove(0)
}

pub fn event_from(ics: &str) -> CalendarEvent {
    read(ics).events.remove(0)
}

fn calendar(body: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nMETHOD:REQUEST\r\n{body}END:VCALENDAR\r\n"
    )
}

/// Outlook's shape: a Windows zone name with the sender's own VTIMEZONE, weekly, one exception.
pub fn outlook_weekly() -> CalendarEvent {
    event_from(&calendar(
        "BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\nBEGIN:STANDARD\r\nDTSTART:16010101T030000\r\n\
         TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\n\
         END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n\
         RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n\
         BEGIN:VEVENT\r\nUID:040000008200E00074C5B7101A82E008\r\nSEQUENCE:2\r\nDTSTAMP:20270110T080000Z\r\n\
         DTSTART;TZID=W. Europe Standard Time:20270112T100000\r\nDTEND;TZID=W. Europe Standard Time:20270112T110000\r\n\
         RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=TU\r\nEXDATE;TZID=W. Europe Standard Time:20270126T100000\r\n\
         SUMMARY:Team sync – Überblick\\, Q1\\; plan\r\nLOCATION:Raum 4.12\\, Berlin\r\n\
         DESCRIPTION:Agenda:\\n1. Numbers\\n2. Hiring\r\nORGANIZER;CN=Jörg Example:mailto:joerg@example.com\r\n\
         END:VEVENT\r\n",
    ))
}

/// An IANA TZID and no VTIMEZONE, as some clients and scripts send.
pub fn new_york_meeting() -> CalendarEvent {
    event_from(&calendar(
        "BEGIN:VEVENT\r\nUID:ny@example.com\r\nDTSTAMP:20270201T000000Z\r\n\
         DTSTART;TZID=America/New_York:20270305T110000\r\nDTEND;TZID=America/New_York:20270305T123000\r\n\
         SUMMARY:Quarterly review\r\nLOCATION:HQ\r\nORGANIZER;CN=Org:mailto:org@example.com\r\nEND:VEVENT\r\n",
    ))
}

pub fn all_day() -> CalendarEvent {
    event_from(&calendar(
        "BEGIN:VEVENT\r\nUID:day@example.com\r\nDTSTAMP:20270201T000000Z\r\n\
         DTSTART;VALUE=DATE:20270610\r\nDTEND;VALUE=DATE:20270612\r\nSUMMARY:Offsite\r\n\
         ORGANIZER:mailto:org@example.com\r\nEND:VEVENT\r\n",
    ))
}

/// UTC times and a fixed-offset time, as scripts send.
pub fn utc_and_offset() -> CalendarEvent {
    event_from(&calendar(
        "BEGIN:VEVENT\r\nUID:utc@example.com\r\nDTSTAMP:20270201T000000Z\r\n\
         DTSTART:20270701T150000Z\r\nDTEND:20270701T173000+0200\r\nSUMMARY:Launch call\r\n\
         ORGANIZER:mailto:org@example.com\r\nEND:VEVENT\r\n",
    ))
}

/// Text an attacker would put in their own invitation to reach invitees' calendars.
pub const HOSTILE_SUMMARY: &str = "Lunch\r\nBEGIN:VALARM\r\nACTION:AUDIO\r\nEND:VALARM\nATTENDEE:mailto:x@evil.example\u{0};\",\\ \u{7f}done";

/// An event whose every text field tries to inject properties or components. Built directly
/// (not read from text), so raw control characters reach the writer.
pub fn hostile() -> CalendarEvent {
    let mut event = new_york_meeting();
    event.summary = Some(HOSTILE_SUMMARY.to_string());
    event.location = Some("Room 1\r\nORGANIZER:mailto:evil@example.com".to_string());
    event.description = Some("Hi\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil".to_string());
    event.rrule = Some("FREQ=DAILY;COUNT=3\r\nATTENDEE:mailto:rrule@evil.example".to_string());
    event
}

pub fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("valid time")
}

/// A first invitation with everything set the way the sender sets it.
pub fn invitation(event: &CalendarEvent) -> PersonalInvitation<'_> {
    PersonalInvitation {
        method: InvitationMethod::Request,
        uid: "inv-3f9a2c@rollcall.example",
        sequence: 0,
        dtstamp: at(2027, 1, 11, 9, 30),
        event,
        recurrence_id: None,
        exceptions: Exceptions::default(),
        organizer_name: "Jörg Example",
        reply_address: REPLY,
        invitee_email: INVITEE,
        invitee_name: Some("Dana Invitee"),
        partstat: "NEEDS-ACTION",
        answered: &[],
        personal_url: "https://rollcall.example/r/tok3nTOKENtoken",
        unsubscribe_url: "https://rollcall.example/u/unsub3TOKENtoken",
        message_id: "inv-3f9a2c.0@rollcall.example",
        added_by_organizer: false,
        answer_changed: false,
    }
}

/// An occurrence's RECURRENCE-ID as the organizer's CANCEL would carry it.
pub fn occurrence(event: &CalendarEvent, week: i64) -> TimeValue {
    later(
        &event.start.clone().expect("a start"),
        chrono::Duration::weeks(week),
    )
}

/// A zoned time `by` later, on its wall clock and the timeline alike (no clock change
/// between, in these fixtures); other times as they are.
pub fn later(time: &TimeValue, by: chrono::Duration) -> TimeValue {
    match time.clone() {
        TimeValue::Zoned {
            utc,
            local,
            tzid,
            source_tzid,
        } => TimeValue::Zoned {
            utc: utc + by,
            local: local + by,
            tzid,
            source_tzid,
        },
        other => other,
    }
}

/// Unfolded content lines of calendar text.
pub fn unfolded(calendar: &str) -> Vec<String> {
    calendar
        .replace("\r\n ", "")
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The weekly Outlook series after its organizer cancelled week 4 and moved week 5 from
/// Tuesday 10:00 to Wednesday 15:00 Berlin time: what a late RSVP's copy is written from.
pub fn outlook_weekly_with_exceptions()
-> (CalendarEvent, Vec<CalendarEvent>, Vec<CancelledOccurrence>) {
    let series = outlook_weekly();
    let cancelled_at = occurrence(&series, 4);
    let cancelled = CancelledOccurrence {
        recurrence_id: cancelled_at.to_contract_string(),
        sequence: 3,
        dtstamp: None,
        at: Some(cancelled_at),
    };
    let moved_from = occurrence(&series, 5);
    let moved = CalendarEvent {
        recurrence_id: Some(moved_from.clone()),
        start: Some(later(&moved_from, chrono::Duration::hours(29))),
        end: Some(later(&moved_from, chrono::Duration::hours(30))),
        rrule: None,
        exdates: Vec::new(),
        summary: Some("Team sync (moved)".into()),
        sequence: 3,
        ..series.clone()
    };
    (series, vec![moved], vec![cancelled])
}
