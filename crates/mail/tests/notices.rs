//! The organizer's notices, rendered from hostile input: HTML is escaped, headers stay single
//! lines, and the text says what Rollcall understood.

use mail_parser::MessageParser;
use rollcall_core::Limits;
use rollcall_core::event::{Event, EventId};
use rollcall_core::ical::read_calendars;
use rollcall_core::imip::Mailbox;
use rollcall_core::itip::{Action, apply};
use rollcall_core::notice::{Notice, OutboxMessage};
use rollcall_core::ports::Composer;
use rollcall_mail::{MailComposer, MailSettings};

fn event(summary: &str, location: &str) -> Event {
    let ics = format!(
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTAMP:20270101T000000Z\r\n\
         DTSTART;TZID=Europe/Paris:20270305T180000\r\nDTEND;TZID=Europe/Paris:20270305T193000\r\n\
         SUMMARY:{summary}\r\nLOCATION:{location}\r\nORGANIZER;CN=Org:mailto:org@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
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

fn compose(notice: Notice, event: Event) -> Vec<u8> {
    let composer = MailComposer::new(MailSettings {
        sender: None,
        base_url: "https://rsvp.example/".into(),
        domain: "rsvp.example".into(),
        tokens: rollcall_core::tokens::TokenKey::from_bytes([1; 32]),
    });
    let message = OutboxMessage {
        id: "m1-0".into(),
        to: Mailbox {
            email: "org@example.com".into(),
            name: Some("Org\r\nBcc: x@example.com".into()),
        },
        notice,
        event,
        created_at: chrono::DateTime::UNIX_EPOCH,
    };
    composer.compose(&message).expect("composes").raw
}

#[test]
fn the_acknowledgement_says_what_was_understood_with_the_public_link() {
    let raw = compose(
        Notice::EventCreated { sign_in: None },
        event("Board dinner", "Le Procope\\, Paris"),
    );
    let mail = MessageParser::new().parse(&raw).expect("parses");
    assert_eq!(
        mail.subject(),
        Some("Rollcall is tracking \"Board dinner\"")
    );
    assert_eq!(mail.message_id(), Some("m1-0@rsvp.example"));
    let text = mail.body_text(0).expect("text");
    assert!(
        text.contains("When:  Friday 5 March 2027, 18:00–19:30 (Europe/Paris)"),
        "{text}"
    );
    assert!(text.contains("Where: Le Procope, Paris"), "{text}");
    let id = EventId::from_random([7; 12]);
    assert!(
        text.contains(&format!("https://rsvp.example/e/{id}")),
        "{text}"
    );
    let html = mail.body_html(0).expect("html");
    assert!(
        html.contains(&format!("href=\"https://rsvp.example/e/{id}\"")),
        "{html}"
    );
}

#[test]
fn hostile_titles_are_escaped_in_html_and_cannot_add_headers() {
    let raw = compose(
        Notice::EventCreated { sign_in: None },
        event(
            "<img src=x onerror=alert(1)> \\n Bcc: victim@example.com",
            "<b>loud</b>",
        ),
    );
    let mail = MessageParser::new().parse(&raw).expect("parses");
    let html = mail.body_html(0).expect("html");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(!html.contains("<b>loud</b>"), "{html}");
    assert!(
        html.contains("&#60;img src=x onerror=alert(1)&#62;"),
        "{html}"
    );
    assert!(
        mail.header_raw("Bcc").is_none(),
        "no header may be injected"
    );
    assert!(
        mail.subject()
            .is_some_and(|s| !s.contains('\n') && s.contains("Bcc: victim@example.com"))
    );
    let to = mail.to().and_then(|a| a.first()).expect("to");
    assert_eq!(to.address(), Some("org@example.com"));
}

#[test]
fn updates_and_cancellations_get_their_own_short_notes() {
    let updated = MessageParser::new()
        .parse(&compose(
            Notice::EventUpdated { from_sequence: 0 },
            event("Standup", "Room 1"),
        ))
        .and_then(|m| m.subject().map(str::to_string));
    assert_eq!(updated.as_deref(), Some("Updated: \"Standup\""));
    let raw = compose(
        Notice::OccurrenceCancelled {
            recurrence_id: "2027-03-12T17:00:00Z".into(),
        },
        event("Standup", "Room 1"),
    );
    let mail = MessageParser::new().parse(&raw).expect("parses");
    assert_eq!(mail.subject(), Some("Cancelled: \"Standup\""));
    assert!(
        mail.body_text(0)
            .is_some_and(|t| t.contains("cancellation of the occurrence of 2027-03-12T17:00:00Z"))
    );
}

#[test]
fn the_confirmation_mail_says_why_what_and_where_to_confirm_with_everything_escaped() {
    use rollcall_core::outcome::PendingChange;
    use rollcall_core::tokens::TokenKey;
    let hostile = "<b>Party</b> & \"friends\"";
    let notice = Notice::ConfirmSender {
        message_id: "1763884800000-1a2b3c4d".into(),
        reason: "sender not authenticated: dmarc=fail (dkim=none spf=fail) header.from=<evil>"
            .into(),
        delegate: None,
        changes: vec![PendingChange::new(
            &Action::Create,
            None,
            ("org@example.com", "u1"),
            hostile,
            "Friday 5 March 2027, 18:00–19:30 (Europe/Paris)".into(),
        )],
        expires_at: chrono::DateTime::UNIX_EPOCH + chrono::Duration::days(7),
    };
    let raw = compose(notice, event(hostile, "Somewhere"));
    let mail = MessageParser::new().parse(&raw).expect("parses");
    assert_eq!(
        mail.subject(),
        Some("Please confirm: did you send \"<b>Party</b> & \"friends\"\" to Rollcall?")
    );
    assert_eq!(mail.message_id(), Some("m1-0@rsvp.example"));
    assert!(mail.header("Bcc").is_none(), "the name stays in one header");
    let token = TokenKey::from_bytes([1; 32]).confirm_token("1763884800000-1a2b3c4d");
    let link = format!("https://rsvp.example/c/{token}");
    let text = mail.body_text(0).expect("text");
    for needle in [
        "could not confirm that you sent it",
        "dmarc=fail (dkim=none spf=fail)",
        "Nothing has happened yet",
        "- Create a new event",
        "What:  <b>Party</b> & \"friends\"",
        "When:  Friday 5 March 2027, 18:00–19:30 (Europe/Paris)",
        &link,
        "Thursday 8 January 1970, 00:00 UTC",
        "If you did not send or ask for this invitation, ignore this message",
    ] {
        assert!(text.contains(needle), "{needle:?} in {text}");
    }
    let html = mail.body_html(0).expect("html");
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    assert!(!html.contains("<b>Party"), "escaped: {html}");
    assert!(!html.contains("<evil>"), "escaped: {html}");
    assert!(
        html.contains("&#60;b&#62;Party&#60;/b&#62; &#38; "),
        "{html}"
    );
    assert!(
        html.contains("named org@example.com as its organizer"),
        "{html}"
    );
    // The ordinary acknowledgement keeps its own footer.
    let ack = compose(
        Notice::EventCreated { sign_in: None },
        event("Board dinner", "Paris"),
    );
    let ack = MessageParser::new().parse(&ack).expect("parses");
    let html = ack.body_html(0).expect("html");
    assert!(
        html.contains("added invites@rsvp.example to a calendar event"),
        "{html}"
    );
}

#[test]
fn the_acknowledgement_and_the_sign_in_mail_carry_the_dashboard_link_and_the_button() {
    let link = || {
        Some(rollcall_core::notice::SignInLink {
            token: "s3cr3tt0ken".into(),
            expires_at: chrono::DateTime::UNIX_EPOCH,
        })
    };
    let ack = compose(
        Notice::EventCreated { sign_in: link() },
        event("<b>Board</b> dinner", "Paris"),
    );
    let ack = MessageParser::new().parse(&ack).expect("parses");
    let text = ack.body_text(0).expect("text");
    assert!(
        text.contains("https://rsvp.example/o/s3cr3tt0ken"),
        "{text}"
    );
    assert!(
        text.contains("00:00 UTC on 1 January 1970"),
        "the expiry: {text}"
    );
    assert!(
        text.contains("ask for a new link at https://rsvp.example/signin"),
        "names the sign-in page for when the link is used or expired: {text}"
    );
    // The button snippet escapes the organizer's title; the HTML mail shows it as text.
    assert!(
        text.contains("RSVP: &lt;b&gt;Board&lt;/b&gt; dinner</a>"),
        "{text}"
    );
    let html = ack.body_html(0).expect("html");
    assert!(
        html.contains("href=\"https://rsvp.example/o/s3cr3tt0ken\""),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"https://rsvp.example/signin\">"),
        "{html}"
    );
    assert!(
        html.contains("&#60;a href=&#34;https://rsvp.example/e/"),
        "the snippet is shown as code, not a live link: {html}"
    );

    let without = compose(
        Notice::EventCreated { sign_in: None },
        event("Board dinner", "Paris"),
    );
    let without = MessageParser::new().parse(&without).expect("parses");
    assert!(!without.body_text(0).expect("text").contains("/o/"));

    let sign_in = compose(
        Notice::SignIn { sign_in: link() },
        event("Board dinner", "Paris"),
    );
    let sign_in = MessageParser::new().parse(&sign_in).expect("parses");
    assert_eq!(
        sign_in.subject(),
        Some("Your Rollcall sign-in link for org@example.com")
    );
    let text = sign_in.body_text(0).expect("text");
    assert!(
        text.contains("https://rsvp.example/o/s3cr3tt0ken"),
        "{text}"
    );
    assert!(text.contains("Continue"), "{text}");
}
