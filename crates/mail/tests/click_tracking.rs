//! Links that carry a capability token must never be rewritten by the provider's click
//! tracking (SES configuration sets may have it on): a rewritten link sends the token through
//! the provider's redirector, and a link scanner "clicking" it there is recorded as the
//! invitee's click. SES leaves a link alone when the anchor has the `ses:no-track` attribute.

use mail_parser::{MessageParser, MimeHeaders};
use rollcall_core::Limits;
use rollcall_core::event::{Event, EventId};
use rollcall_core::ical::read_calendars;
use rollcall_core::imip::Mailbox;
use rollcall_core::invitee::{Invitee, InviteeId};
use rollcall_core::itip::{Action, apply};
use rollcall_core::notice::{InvitationKind, Notice, OutboxMessage};
use rollcall_core::ports::Composer;
use rollcall_core::status::{Channel, INVITEE_MODEL, InviteeStatus};
use rollcall_mail::{MailComposer, MailSettings};
use std::collections::BTreeSet;
use std::path::Path;

/// Paths whose second segment is a capability token: an invitee's page, unsubscribe, the sender
/// confirmation, and the organizer's magic link into the dashboard.
const TOKEN_PATHS: [&str; 4] = ["/r/", "/u/", "/o/", "/c/"];

/// The mail templates (one folder per message with an HTML body) that `every_message` renders.
const RENDERED: [&str; 8] = [
    "confirm_sender",
    "event_cancelled",
    "event_created",
    "event_updated",
    "invitation",
    "own_link",
    "sign_in",
    "webhook_disabled",
];

fn event() -> Event {
    let ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTAMP:20270101T000000Z\r\n\
         DTSTART:20270305T180000Z\r\nDTEND:20270305T193000Z\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\n\
         SUMMARY:Board dinner\r\nORGANIZER;CN=Org:mailto:org@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let calendars = read_calendars(ics.as_bytes(), &Limits::default()).expect("readable");
    let incoming = &calendars[0].events[0];
    let now = chrono::DateTime::UNIX_EPOCH;
    apply(
        None,
        &Action::Create,
        incoming,
        None,
        || EventId::from_random([7; 12]),
        now,
    )
}

fn invitee(event: &Event) -> Invitee {
    let id = InviteeId::from_random([3; InviteeId::LEN]);
    Invitee {
        uid: format!("{id}@rsvp.example"),
        id,
        event_id: event.id.clone(),
        email: "dana@example.org".into(),
        name: Some("Dana".into()),
        joined_via: Channel::Web,
        sequence: 1,
        sent: Default::default(),
        status: InviteeStatus::initial(&INVITEE_MODEL),
        created_at: chrono::DateTime::UNIX_EPOCH,
        updated_at: chrono::DateTime::UNIX_EPOCH,
        version: 1,
    }
}

/// Every kind of mail Rollcall sends, composed as it would be sent: (what, raw MIME).
fn every_message() -> Vec<(String, Vec<u8>)> {
    let composer = MailComposer::new(MailSettings {
        sender: None,
        base_url: "https://rsvp.example".into(),
        domain: "rsvp.example".into(),
        tokens: rollcall_core::tokens::TokenKey::from_bytes([1; 32]),
    });
    let event = event();
    let dana = invitee(&event);
    let occurrence = event.details.start.clone().expect("a start");
    let link = || {
        Some(rollcall_core::notice::SignInLink {
            token: "s3cr3t".into(),
            expires_at: chrono::DateTime::UNIX_EPOCH,
        })
    };
    let mut notices = vec![
        Notice::EventCreated { sign_in: None },
        Notice::EventCreated { sign_in: link() },
        Notice::SignIn { sign_in: link() },
        Notice::EventUpdated { from_sequence: 0 },
        Notice::EventCancelled,
        Notice::OccurrenceUpdated {
            recurrence_id: "20270312T180000Z".into(),
        },
        Notice::OccurrenceCancelled {
            recurrence_id: "20270312T180000Z".into(),
        },
        Notice::ConfirmSender {
            message_id: "m1".into(),
            reason: "dmarc=fail".into(),
            delegate: None,
            changes: Vec::new(),
            expires_at: chrono::DateTime::UNIX_EPOCH,
        },
        Notice::ConfirmSender {
            message_id: "m1".into(),
            reason: "sent by a delegate".into(),
            delegate: Some("assistant@example.com".into()),
            changes: Vec::new(),
            expires_at: chrono::DateTime::UNIX_EPOCH,
        },
        Notice::OwnLink {
            invitee: Box::new(dana.clone()),
        },
        Notice::WebhookDisabled {
            endpoint: "ep_0123456789abcdef".into(),
            url: "https://hooks.example.com/rollcall".into(),
            reason: "the endpoint answered 410 Gone on 2027-03-05 10:00 UTC".into(),
        },
    ];
    for method in [InvitationKind::Request, InvitationKind::Cancel] {
        for recurrence_id in [None, Some(occurrence.clone())] {
            notices.push(Notice::Invitation {
                invitee: Box::new(dana.clone()),
                method,
                recurrence_id,
                sequence: 1,
                cause: rollcall_core::notice::InvitationCause::Organizer,
            });
        }
    }
    notices.push(Notice::Invitation {
        invitee: Box::new(dana.clone()),
        method: InvitationKind::Request,
        recurrence_id: None,
        sequence: 2,
        cause: rollcall_core::notice::InvitationCause::AnswerChanged,
    });
    notices
        .into_iter()
        .map(|notice| {
            let what = match &notice {
                Notice::Invitation {
                    method,
                    recurrence_id,
                    ..
                } => format!("invitation {method:?}, occurrence {recurrence_id:?}"),
                other => format!("{other:?}"),
            };
            let message = OutboxMessage {
                id: "m1-0".into(),
                to: Mailbox {
                    email: "org@example.com".into(),
                    name: None,
                },
                notice,
                event: event.clone(),
                created_at: chrono::DateTime::UNIX_EPOCH,
            };
            (what, composer.compose(&message).expect("composes").raw)
        })
        .collect()
}

/// The HTML parts of a message, decoded.
fn html_parts(raw: &[u8]) -> Vec<String> {
    let mail = MessageParser::new().parse(raw).expect("parses");
    mail.parts
        .iter()
        .filter(|part| {
            part.content_type()
                .is_some_and(|t| t.ctype() == "text" && t.subtype() == Some("html"))
        })
        .filter_map(|part| part.text_contents().map(str::to_string))
        .collect()
}

/// Every `<a ...>` start tag in `html`, as written.
fn anchors(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = lower[from..].find("<a").map(|i| from + i) {
        let rest = &lower[start + 2..];
        let end = rest.find('>').map_or(html.len(), |i| start + 2 + i + 1);
        if rest.starts_with(|c: char| c.is_ascii_whitespace()) {
            found.push(&html[start..end]);
        }
        from = end;
    }
    found
}

/// The `href` of an anchor tag.
fn href(tag: &str) -> Option<&str> {
    let start = tag.find("href=\"")? + "href=\"".len();
    let end = tag[start..].find('"')? + start;
    Some(&tag[start..end])
}

/// The path of an absolute or relative URL.
fn path(url: &str) -> &str {
    match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => url,
    }
}

fn untracked(tag: &str) -> bool {
    tag.trim_start_matches("<a")
        .trim_end_matches('>')
        .split_ascii_whitespace()
        .any(|attribute| attribute.eq_ignore_ascii_case("ses:no-track"))
}

#[test]
fn every_link_that_carries_a_token_is_excluded_from_click_tracking() {
    let mut token_links = BTreeSet::new();
    for (what, raw) in every_message() {
        let parts = html_parts(&raw);
        assert!(!parts.is_empty(), "{what}: an HTML part");
        for html in parts {
            for tag in anchors(&html) {
                let Some(url) = href(tag) else { continue };
                let path = path(url);
                if let Some(prefix) = TOKEN_PATHS.iter().find(|p| path.starts_with(**p)) {
                    assert!(untracked(tag), "{what}: {tag}");
                    token_links.insert(*prefix);
                }
            }
        }
    }
    // Not vacuous: the invitee's page and unsubscribe links were among them.
    assert!(token_links.contains("/r/"), "{token_links:?}");
    assert!(token_links.contains("/u/"), "{token_links:?}");
    assert!(token_links.contains("/c/"), "{token_links:?}");
    assert!(token_links.contains("/o/"), "{token_links:?}");
}

#[test]
fn the_anchor_reader_sees_what_the_check_needs() {
    let html = "<p><A ses:no-track HREF=\"x\">a</A> <a href=\"https://h.example/r/t\">b</a> \
                <abbr>c</abbr><a\nhref=\"/u/t\" class=\"x\">d</a></p>";
    let tags = anchors(html);
    assert_eq!(
        tags,
        [
            "<A ses:no-track HREF=\"x\">",
            "<a href=\"https://h.example/r/t\">",
            "<a\nhref=\"/u/t\" class=\"x\">",
        ]
    );
    assert!(untracked(tags[0]));
    assert!(!untracked(tags[1]) && !untracked(tags[2]));
    assert_eq!(href(tags[1]).map(path), Some("/r/t"));
    assert_eq!(href(tags[2]).map(path), Some("/u/t"));
}

#[test]
fn every_mail_template_with_an_html_body_is_rendered_by_the_check() {
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates");
    let mut with_html = BTreeSet::new();
    for entry in std::fs::read_dir(&templates).expect("templates folder") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        // `pages/` are the web site's, never mail.
        if name != "pages" && entry.path().join("body.html").is_file() {
            with_html.insert(name);
        }
    }
    let rendered: BTreeSet<String> = RENDERED.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        with_html, rendered,
        "a new mail template: render it in `every_message`"
    );
}
