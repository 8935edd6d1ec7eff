//! Personal invitations as messages: the structure that makes Outlook, Gmail and Apple Mail
//! show their answer buttons, the headers, and the bodies people read.

mod support;

use mail_parser::{Encoding, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use rollcall_core::ical::CalendarEvent;
use rollcall_mail::{
    Exceptions, InvitationMethod, PersonalInvitation, build_invitation, write_icalendar,
};
use support::*;

fn parse(raw: &[u8]) -> Message<'_> {
    MessageParser::new().parse(raw).expect("a message")
}

fn children<'a>(mail: &'a Message, part: &MessagePart) -> Vec<&'a MessagePart<'a>> {
    match &part.body {
        PartType::Multipart(ids) => ids.iter().filter_map(|id| mail.part(*id)).collect(),
        _ => Vec::new(),
    }
}

fn mime_type(part: &MessagePart) -> String {
    part.content_type()
        .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()))
        .unwrap_or_default()
}

/// The parts, checked against the shape Google and Stalwart send.
struct Shape<'a> {
    calendar: &'a MessagePart<'a>,
    attachment: &'a MessagePart<'a>,
    text: String,
    html: String,
}

fn shape<'a>(mail: &'a Message<'a>) -> Shape<'a> {
    let root = mail.part(0).expect("root");
    assert_eq!(mime_type(root), "multipart/mixed");
    let mixed = children(mail, root);
    assert_eq!(mixed.len(), 2);
    assert_eq!(mime_type(mixed[0]), "multipart/alternative");
    let alternative = children(mail, mixed[0]);
    let types: Vec<String> = alternative.iter().map(|p| mime_type(p)).collect();
    assert_eq!(types, ["text/plain", "text/html", "text/calendar"]);
    assert_eq!(mime_type(mixed[1]), "application/ics");
    Shape {
        calendar: alternative[2],
        attachment: mixed[1],
        text: alternative[0]
            .text_contents()
            .unwrap_or_default()
            .to_string(),
        html: alternative[1]
            .text_contents()
            .unwrap_or_default()
            .to_string(),
    }
}

fn build(inv: &PersonalInvitation) -> (Vec<u8>, String) {
    (build_invitation(inv), write_icalendar(inv))
}

/// Structural rules Outlook and Gmail apply before they offer Yes/Maybe/No.
fn assert_buttons_work(mail: &Message, calendar_text: &str) {
    let shape = shape(mail);
    let lines = unfolded(calendar_text);
    let method = lines
        .iter()
        .find_map(|l| l.strip_prefix("METHOD:"))
        .expect("METHOD");
    let ct = shape.calendar.content_type().expect("content type");
    assert_eq!(ct.attribute("method"), Some(method));
    assert_eq!(ct.attribute("charset"), Some("utf-8"));
    assert_ne!(
        shape.calendar.encoding,
        Encoding::Base64,
        "no buttons for base64"
    );
    assert_eq!(shape.calendar.text_contents(), Some(calendar_text));
    assert_eq!(shape.attachment.contents(), calendar_text.as_bytes());
    assert_eq!(shape.attachment.attachment_name(), Some("invite.ics"));
    assert_eq!(
        shape
            .attachment
            .content_type()
            .and_then(|c| c.attribute("name")),
        Some("invite.ics")
    );
    let address = |prefix: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit_once("mailto:"))
            .map(|(_, a)| a.to_string())
            .expect("an address")
    };
    let organizer = address("ORGANIZER");
    assert_ne!(organizer, address("ATTENDEE"));
    // Gmail applies updates only when the sender is the ORGANIZER.
    let from = mail.from().and_then(|f| f.first()).expect("From");
    assert_eq!(from.address(), Some(organizer.as_str()));
    // A VTIMEZONE for every TZID referenced.
    for line in &lines {
        if let Some((_, rest)) = line.split_once(";TZID=") {
            let tzid = rest.split([':', ';']).next().unwrap_or_default();
            assert!(
                lines.contains(&format!("TZID:{tzid}")),
                "no VTIMEZONE for {tzid}"
            );
        }
    }
}

#[test]
fn the_message_has_the_shape_calendar_clients_turn_into_buttons() {
    for event in [outlook_weekly(), new_york_meeting(), all_day(), hostile()] {
        let inv = invitation(&event);
        let (raw, calendar) = build(&inv);
        assert_buttons_work(&parse(&raw), &calendar);
    }
}

#[test]
fn a_cancel_of_one_occurrence_has_the_same_shape() {
    let event = outlook_weekly();
    let rid = occurrence(&event, 2);
    let mut inv = invitation(&event);
    inv.method = InvitationMethod::Cancel;
    inv.recurrence_id = Some(&rid);
    let (raw, calendar) = build(&inv);
    let mail = parse(&raw);
    assert_buttons_work(&mail, &calendar);
    let ct = shape(&mail).calendar.content_type().cloned().expect("type");
    assert_eq!(ct.attribute("method"), Some("CANCEL"));
}

#[test]
fn an_ascii_calendar_is_sent_7bit_and_any_other_quoted_printable() {
    let mut event = new_york_meeting();
    let mut inv = invitation(&event);
    inv.organizer_name = "Joerg Example";
    let raw = build_invitation(&inv);
    assert!(String::from_utf8_lossy(&raw).contains(
        "Content-Type: text/calendar; method=\"REQUEST\"; charset=\"utf-8\"\r\n\
             Content-Transfer-Encoding: 7bit\r\n"
    ));
    // Mostly non-ASCII text would make mail-builder choose base64 on its own.
    event.summary = Some("会議".repeat(200));
    let inv = invitation(&event);
    let (raw, calendar) = build(&inv);
    let mail = parse(&raw);
    assert_eq!(shape(&mail).calendar.encoding, Encoding::QuotedPrintable);
    assert_buttons_work(&mail, &calendar);
}

#[test]
fn the_headers_name_the_organizer_via_rollcall_and_offer_one_click_unsubscribe() {
    let event = outlook_weekly();
    let inv = invitation(&event);
    let raw = build_invitation(&inv);
    let mail = parse(&raw);
    let from = mail.from().and_then(|f| f.first()).expect("From");
    assert_eq!(from.name(), Some("Jörg Example via Rollcall"));
    assert_eq!(from.address(), Some(REPLY));
    let to = mail.to().and_then(|t| t.first()).expect("To");
    assert_eq!(
        (to.name(), to.address()),
        (Some("Dana Invitee"), Some(INVITEE))
    );
    assert_eq!(mail.message_id(), Some(inv.message_id));
    assert_eq!(
        mail.date().map(|d| d.to_timestamp()),
        Some(inv.dtstamp.timestamp())
    );
    let raw_header = |name: &'static str| mail.header_raw(name).map(str::trim);
    assert_eq!(
        raw_header("List-Unsubscribe"),
        Some("<https://rollcall.example/u/unsub3TOKENtoken>")
    );
    assert_eq!(
        raw_header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    assert_eq!(raw_header("Auto-Submitted"), Some("auto-generated"));
    assert_eq!(
        mail.subject(),
        Some(
            "Invitation: Team sync – Überblick, Q1; plan @ Tuesday 12 January 2027, 10:00–11:00 (Europe/Berlin)"
        )
    );
}

fn subject(event: &CalendarEvent, method: InvitationMethod, sequence: i64) -> String {
    let mut inv = invitation(event);
    inv.method = method;
    inv.sequence = sequence;
    let raw = build_invitation(&inv);
    parse(&raw).subject().unwrap_or_default().to_string()
}

#[test]
fn subjects_say_invitation_update_or_cancellation() {
    let event = all_day();
    let when = "Thursday 10 June 2027 to Friday 11 June 2027 (all day)";
    assert_eq!(
        subject(&event, InvitationMethod::Request, 1),
        format!("Invitation: Offsite @ {when}"),
        "an invitee's first invitation carries SEQUENCE 1"
    );
    assert_eq!(
        subject(&event, InvitationMethod::Request, 2),
        format!("Updated invitation: Offsite @ {when}")
    );
    assert_eq!(
        subject(&event, InvitationMethod::Cancel, 3),
        format!("Cancelled: Offsite @ {when}")
    );
}

#[test]
fn organizer_text_cannot_add_headers_and_is_escaped_in_html() {
    let mut event = hostile();
    event.summary = Some("<script>alert(1)</script>\r\nBcc: victim@example.com".into());
    event.location = Some("<img src=x onerror=alert(2)>".into());
    let mut inv = invitation(&event);
    inv.organizer_name = "Mallory <m@evil.example>\r\nBcc: victim@example.com";
    inv.invitee_name = Some("Dana\r\nCc: other@example.com");
    let raw = build_invitation(&inv);
    let mail = parse(&raw);
    for name in ["Bcc", "Cc"] {
        assert!(mail.header_raw(name).is_none(), "{name} injected");
    }
    let from = mail.from().and_then(|f| f.first()).expect("From");
    assert_eq!(from.address(), Some(REPLY));
    assert!(from.name().is_some_and(|n| n.ends_with(" via Rollcall")));
    let shape = shape(&mail);
    assert!(
        !shape.html.contains("<script>") && !shape.html.contains("<img"),
        "{}",
        shape.html
    );
    assert!(
        shape
            .html
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
    );
    assert!(
        shape
            .text
            .contains("What:  <script>alert(1)</script> Bcc: victim@example.com")
    );
}

#[test]
fn the_bodies_say_what_when_where_and_link_the_personal_page() {
    let event = outlook_weekly();
    let inv = invitation(&event);
    let raw = build_invitation(&inv);
    let mail = parse(&raw);
    let shape = shape(&mail);
    for body in [&shape.text, &shape.html] {
        assert!(body.contains("Jörg Example invited you to this event."));
        assert!(body.contains("Tuesday 12 January 2027, 10:00–11:00 (Europe/Berlin)"));
        assert!(body.contains("Raum 4.12, Berlin"));
        assert!(body.contains(inv.personal_url));
        assert!(body.contains(inv.unsubscribe_url));
    }
    assert!(shape.html.contains("Team sync – Überblick, Q1; plan"));
}

#[test]
fn the_bodies_say_why_the_invitee_receives_the_mail() {
    let event = outlook_weekly();
    let answered = invitation(&event);
    let added = PersonalInvitation {
        added_by_organizer: true,
        ..invitation(&event)
    };
    let answered_raw = build_invitation(&answered);
    let answered_mail = parse(&answered_raw);
    let answered_shape = shape(&answered_mail);
    for body in [&answered_shape.text, &answered_shape.html] {
        assert!(
            body.contains(
                "You receive this because you answered an invitation sent through Rollcall."
            ),
            "{body}"
        );
    }
    // Someone the organizer put on the list answered nothing: the mail must not say so.
    let added_raw = build_invitation(&added);
    let added_mail = parse(&added_raw);
    let added_shape = shape(&added_mail);
    for body in [&added_shape.text, &added_shape.html] {
        assert!(
            body.contains(
                "You receive this because Jörg Example added you to the guest list of this event in Rollcall."
            ),
            "{body}"
        );
        assert!(!body.contains("you answered"), "{body}");
    }
}

#[test]
fn an_answer_change_says_so_rather_than_that_the_organizer_changed_the_event() {
    let event = outlook_weekly();
    let changed = PersonalInvitation {
        sequence: 2,
        partstat: "DECLINED",
        answer_changed: true,
        ..invitation(&event)
    };
    let raw = build_invitation(&changed);
    let mail = parse(&raw);
    assert!(
        mail.subject()
            .is_some_and(|s| s.starts_with("Your answer: ")),
        "{:?}",
        mail.subject()
    );
    let bodies = shape(&mail);
    for body in [&bodies.text, &bodies.html] {
        assert!(body.contains("You changed your answer to no."), "{body}");
        assert!(!body.contains("updated this event"), "{body}");
    }
    // An update the organizer made still says so.
    let update = PersonalInvitation {
        sequence: 2,
        ..invitation(&event)
    };
    let raw = build_invitation(&update);
    let mail = parse(&raw);
    let text = shape(&mail).text.to_string();
    assert!(text.contains("Jörg Example updated this event."), "{text}");
}

#[test]
fn a_late_copy_of_a_series_says_how_it_repeats_and_which_dates_changed() {
    let (series, overrides, cancelled) = outlook_weekly_with_exceptions();
    let inv = PersonalInvitation {
        exceptions: Exceptions {
            overrides: &overrides,
            cancelled: &cancelled,
        },
        ..invitation(&series)
    };
    let raw = build_invitation(&inv);
    let mail = parse(&raw);
    let parts = shape(&mail);
    for body in [&parts.text, &parts.html] {
        assert!(
            body.contains("every Tuesday, 10 times, from Tuesday 12 January 2027"),
            "{body}"
        );
        assert!(
            body.contains("Tuesday 9 February 2027: cancelled"),
            "{body}"
        );
        assert!(
            body.contains(
                "Tuesday 16 February 2027: moved to Wednesday 17 February 2027, 15:00–16:00"
            ),
            "{body}"
        );
    }
    // The copy of one occurrence says nothing about the series.
    let rid = occurrence(&series, 2);
    let one = PersonalInvitation {
        recurrence_id: Some(&rid),
        ..inv
    };
    let raw = build_invitation(&one);
    let mail = parse(&raw);
    assert!(!shape(&mail).text.contains("Repeats"));
}
