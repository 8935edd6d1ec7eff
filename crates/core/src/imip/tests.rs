//! How calendar parts are found and decoded in MIME messages.

use super::{ReadError, read_message};
use crate::Limits;

const ICS: &str = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:u1\r\n\
    DTSTAMP:20270101T000000Z\r\nDTSTART:20270102T100000Z\r\nSUMMARY:Caf\u{e9} meeting\r\n\
    ORGANIZER:mailto:o@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn read(raw: &[u8]) -> super::ReadMessage {
    read_message(raw, &Limits::default()).expect("readable")
}

fn summaries(raw: &[u8]) -> Vec<String> {
    read(raw)
        .events()
        .filter_map(|(_, e)| e.summary.clone())
        .collect()
}

#[test]
fn a_calendar_in_a_forwarded_message_is_found() {
    let raw = format!(
        "From: fwd@example.com\r\nSubject: Fwd: meeting\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n\
         --o\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--o\r\nContent-Type: message/rfc822\r\n\r\n\
         From: o@example.com\r\nSubject: meeting\r\nMIME-Version: 1.0\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n{ICS}\r\n--o--\r\n"
    );
    assert_eq!(summaries(raw.as_bytes()), ["Caf\u{e9} meeting"]);
}

#[test]
fn base64_and_quoted_printable_parts_are_decoded() {
    let b64 = "QkVHSU46VkNBTEVOREFSDQpCRUdJTjpWRVZFTlQNClVJRDp4DQpTVU1NQVJZOkI2NA0KRU5EOlZFVkVOVA0KRU5EOlZDQUxFTkRBUg0K";
    let raw = format!(
        "From: o@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
         --b\r\nContent-Type: text/calendar\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n\
         --b\r\nContent-Type: text/calendar; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
         BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:y\r\nSUMMARY:Caf=C3=A9 =3D QP\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n--b--\r\n"
    );
    assert_eq!(summaries(raw.as_bytes()), ["B64", "Caf\u{e9} = QP"]);
}

#[test]
fn a_latin1_calendar_is_decoded_by_its_charset() {
    let mut raw = b"From: o@example.com\r\nContent-Type: text/calendar; charset=iso-8859-1; method=PUBLISH\r\n\r\n\
        BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:z\r\nSUMMARY:R\xe9union\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        .to_vec();
    raw.extend_from_slice(b"\r\n");
    assert_eq!(summaries(&raw), ["R\u{e9}union"]);
}

#[test]
fn a_fold_inside_a_utf8_character_in_a_mime_part_keeps_the_character() {
    // Folded between the two bytes of "é", as some web mailers do.
    let raw = b"From: o@example.com\r\nContent-Type: text/calendar; charset=utf-8\r\n\r\n\
        BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:w\r\nSUMMARY:Caf\xc3\r\n \xa9 du matin\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert_eq!(summaries(raw), ["Caf\u{e9} du matin"]);
}

#[test]
fn the_same_event_inline_and_attached_is_read_once_and_other_calendars_are_kept() {
    let other = ICS
        .replace("UID:u1", "UID:u2")
        .replace("Caf\u{e9} meeting", "Second");
    let raw = format!(
        "From: o@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
         --b\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n{ICS}\r\n\
         --b\r\nContent-Type: application/ics; name=invite.ics\r\nContent-Disposition: attachment; filename=invite.ics\r\n\r\n{ICS}\r\n\
         --b\r\nContent-Type: application/octet-stream; name=second.ics\r\n\r\n{other}\r\n--b--\r\n"
    );
    let read = read(raw.as_bytes());
    assert_eq!(
        read.calendars.len(),
        2,
        "the duplicate copy adds no calendar"
    );
    assert_eq!(
        read.events()
            .filter_map(|(_, e)| e.summary.clone())
            .collect::<Vec<_>>(),
        ["Caf\u{e9} meeting", "Second"]
    );
}

#[test]
fn a_copy_that_differs_only_in_line_endings_reads_like_the_first_and_keeps_its_own_warnings() {
    // Google's shape: inline with CRLF and its last line break lost to the boundary, then the
    // same calendar again with LF, here under a Content-Type method that disagrees.
    let lf = ICS.replace("\r\n", "\n");
    let raw = format!(
        "From: o@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
         --b\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n{}\r\n\
         --b\r\nContent-Type: text/calendar; method=CANCEL; name=invite.ics\r\n\r\n{lf}\r\n--b--\r\n",
        ICS.trim_end()
    );
    let read = read(raw.as_bytes());
    assert_eq!(
        read.calendars.len(),
        1,
        "one calendar: {:?}",
        read.calendars
    );
    assert_eq!(read.events().count(), 1);
    assert_eq!(read.warnings.len(), 1, "{:?}", read.warnings);
    assert!(
        read.warnings[0].contains("METHOD:REQUEST disagrees with Content-Type method=CANCEL"),
        "{:?}",
        read.warnings
    );
}

#[test]
fn the_icalendar_method_wins_over_the_mime_parameter_and_the_disagreement_is_noted() {
    let raw =
        format!("From: o@example.com\r\nContent-Type: text/calendar; method=CANCEL\r\n\r\n{ICS}");
    let read = read(raw.as_bytes());
    let (method, _) = read.events().next().expect("one event");
    assert_eq!(method.map(|m| m.as_str()), Some("REQUEST"));
    assert!(read.warnings[0].contains("METHOD:REQUEST disagrees with Content-Type method=CANCEL"));
}

#[test]
fn the_mime_method_is_used_when_the_calendar_has_none() {
    let ics = ICS.replace("METHOD:REQUEST\r\n", "");
    let raw =
        format!("From: o@example.com\r\nContent-Type: text/calendar; method=CANCEL\r\n\r\n{ics}");
    let read = read(raw.as_bytes());
    assert_eq!(
        read.events()
            .next()
            .and_then(|(m, _)| m)
            .map(|m| m.as_str()),
        Some("CANCEL")
    );
}

#[test]
fn headers_give_the_sender_and_subject() {
    let raw = format!(
        "From: \"Org, Anne\" <Anne@Example.com>\r\nSubject: =?utf-8?q?R=C3=A9union?=\r\nContent-Type: text/calendar\r\n\r\n{ICS}"
    );
    let read = read(raw.as_bytes());
    let from = read.from.expect("from");
    assert_eq!(
        (from.email.as_str(), from.name.as_deref()),
        ("Anne@Example.com", Some("Org, Anne"))
    );
    assert_eq!(read.subject.as_deref(), Some("R\u{e9}union"));
}

#[test]
fn a_message_without_headers_is_not_mail() {
    assert_eq!(
        read_message(b"\x00\x01\x02 just bytes", &Limits::default()).err(),
        Some(ReadError::NotMail)
    );
}

#[test]
fn blank_lines_before_the_first_header_are_skipped() {
    for lead in ["\r\n", "\n\n", "  \r\n\t\r\n"] {
        let raw = format!(
            "{lead}From: Olga <o@example.com>\r\nSubject: meeting\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n{ICS}"
        );
        let read = read(raw.as_bytes());
        assert_eq!(
            read.from.as_ref().map(|m| m.email.as_str()),
            Some("o@example.com"),
            "{lead:?}"
        );
        assert_eq!(read.subject.as_deref(), Some("meeting"), "{lead:?}");
        assert_eq!(read.events().count(), 1, "{lead:?}");
    }
}

#[test]
fn a_bare_calendar_in_windows_1252_reads_its_accents() {
    let raw = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:u1\r\n\
        DTSTAMP:20270101T000000Z\r\nDTSTART:20270102T100000Z\r\nSUMMARY:Caf\xE9 \x96 R\xE9union\r\n\
        ORGANIZER:mailto:o@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert_eq!(summaries(raw), ["Caf\u{e9} \u{2013} R\u{e9}union"]);
}
