//! What the reader makes of the shapes real clients write: Outlook's all-day flag, bare
//! SENT-BY values, free/busy and meeting links.

use super::read_calendars;
use crate::ical::TimeValue;
use crate::limits::Limits;
use chrono::NaiveDate;

fn event_with(lines: &str) -> crate::ical::CalendarEvent {
    let text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:Microsoft Exchange Server 2010\r\n\
         BEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20270101T000000Z\r\n{lines}\r\nEND:VEVENT\r\n\
         END:VCALENDAR\r\n"
    );
    let objects = read_calendars(text.as_bytes(), &Limits::DEFAULT).expect("readable");
    objects[0].events[0].clone()
}

fn date(y: i32, m: u32, d: u32) -> TimeValue {
    TimeValue::Date(NaiveDate::from_ymd_opt(y, m, d).expect("a date"))
}

#[test]
fn an_outlook_all_day_event_written_midnight_to_midnight_becomes_dates() {
    let flagged = event_with(
        "DTSTART;TZID=Europe/Berlin:20270305T000000\r\nDTEND;TZID=Europe/Berlin:20270307T000000\r\n\
         X-MICROSOFT-CDO-ALLDAYEVENT:TRUE",
    );
    assert_eq!(flagged.start, Some(date(2027, 3, 5)));
    assert_eq!(
        flagged.end,
        Some(date(2027, 3, 7)),
        "the end stays exclusive"
    );

    // The flag on times that are not midnights, or without the flag: unchanged.
    let odd = event_with(
        "DTSTART;TZID=Europe/Berlin:20270305T090000\r\nDTEND;TZID=Europe/Berlin:20270305T100000\r\n\
         X-MICROSOFT-CDO-ALLDAYEVENT:TRUE",
    );
    assert!(
        matches!(odd.start, Some(TimeValue::Zoned { .. })),
        "{odd:?}"
    );
    let unflagged = event_with(
        "DTSTART;TZID=Europe/Berlin:20270305T000000\r\nDTEND;TZID=Europe/Berlin:20270306T000000\r\n\
         X-MICROSOFT-CDO-ALLDAYEVENT:FALSE",
    );
    assert!(matches!(unflagged.start, Some(TimeValue::Zoned { .. })));
}

fn organizer(line: &str) -> crate::ical::Organizer {
    let text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:u1\r\n\
         DTSTAMP:20270101T000000Z\r\nDTSTART:20270305T090000Z\r\n{line}\r\nEND:VEVENT\r\n\
         END:VCALENDAR\r\n"
    );
    let objects = read_calendars(text.as_bytes(), &Limits::DEFAULT).expect("readable");
    objects[0].events[0]
        .organizer
        .clone()
        .expect("an organizer")
}

#[test]
fn an_unquoted_sent_by_is_read_like_a_quoted_one() {
    for line in [
        "ORGANIZER;SENT-BY=\"mailto:assistant@example.org\";CN=Olga:mailto:olga@example.org",
        "ORGANIZER;SENT-BY=mailto:assistant@example.org;CN=Olga:mailto:olga@example.org",
        "ORGANIZER;CN=Olga;SENT-BY=mailto:assistant@example.org:mailto:olga@example.org",
    ] {
        let got = organizer(line);
        assert_eq!(got.email.as_deref(), Some("olga@example.org"), "{line}");
        assert_eq!(
            got.sent_by.as_deref(),
            Some("assistant@example.org"),
            "{line}"
        );
        assert_eq!(got.name.as_deref(), Some("Olga"), "{line}");
    }
}

#[test]
fn transparency_is_read() {
    assert!(event_with("TRANSP:TRANSPARENT").transparent);
    assert!(!event_with("TRANSP:OPAQUE").transparent);
    assert!(
        !event_with("SUMMARY:x").transparent,
        "OPAQUE is the default"
    );
}

#[test]
fn the_meeting_link_is_found_where_each_calendar_puts_it() {
    for (lines, link) in [
        (
            "CONFERENCE;VALUE=URI;FEATURE=VIDEO:https://meet.example.org/abc",
            "https://meet.example.org/abc",
        ),
        (
            "X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij",
            "https://meet.google.com/abc-defg-hij",
        ),
        (
            "X-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.microsoft.com/l/meetup-join/19%3a1",
            "https://teams.microsoft.com/l/meetup-join/19%3a1",
        ),
        (
            "URL:https://zoom.us/j/123456789?pwd=abc",
            "https://zoom.us/j/123456789?pwd=abc",
        ),
        (
            "URL:https://example.org/info\r\nX-GOOGLE-CONFERENCE:https://meet.google.com/x",
            "https://meet.google.com/x",
        ),
        // Google often writes Meet only in the description; Zoom's add-ins in the location.
        (
            "DESCRIPTION:Agenda at https://example.org/a.\\nJoin: https://meet.google.com/pyb-ndcu-hhc.\\n",
            "https://meet.google.com/pyb-ndcu-hhc",
        ),
        (
            "LOCATION:https://example.zoom.us/j/81726?pwd=abc",
            "https://example.zoom.us/j/81726?pwd=abc",
        ),
    ] {
        assert_eq!(
            event_with(lines).meeting_url.as_deref(),
            Some(link),
            "{lines}"
        );
    }
}

#[test]
fn only_web_links_are_kept() {
    for lines in [
        "X-GOOGLE-CONFERENCE:javascript:alert(1)",
        "URL:data:text/html,<script>x</script>",
        "CONFERENCE;VALUE=URI:tel:+1-555-0100",
        "URL:https://",
        // A link in free text is a meeting link only on a meeting host.
        "DESCRIPTION:Slides: https://example.org/deck and https://notzoom.us.example/j/1",
        "LOCATION:Room 4 (https://evilzoom.us/j/1)",
        // Words whose first bytes end no character (a slice there would panic).
        "LOCATION:äöüß_ äöüÄÖÜß",
        "URL:aäöüßxyz",
    ] {
        assert_eq!(event_with(lines).meeting_url, None, "{lines}");
    }
}
