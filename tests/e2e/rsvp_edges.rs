//! The RSVP loop at its edges: link scanners, hostile text all the way round, replies that
//! repeat or arrive out of order.

use mail_parser::MessageParser;
use rollcall_core::invitee::InviteeId;
use rollcall_core::tokens::{Purpose, TokenKey};
use rollcall_tests::mail::{Invite, hard_bounce};
use rollcall_tests::rsvp::{invitations_to, outlook_reply, rsvp};
use rollcall_tests::server::{Server, event_id, queue_id};

/// Every link in every message of the outbox, as paths on our server.
fn links_in_outbox(server: &Server) -> Vec<String> {
    let base = format!("http://{}", server.http);
    let mut links = Vec::new();
    for (_, raw) in server.outbox(0) {
        let Some(message) = MessageParser::new().parse(&raw) else {
            continue;
        };
        let mut texts: Vec<String> = message
            .header_raw("List-Unsubscribe")
            .map(str::to_string)
            .into_iter()
            .collect();
        for part in message.parts.iter() {
            if let mail_parser::PartType::Text(text) | mail_parser::PartType::Html(text) =
                &part.body
            {
                texts.push(text.replace("\r\n ", "").replace("\n ", ""));
            }
        }
        for text in texts {
            let mut rest = text.as_str();
            while let Some(at) = rest.find(&base) {
                let tail = &rest[at + base.len()..];
                let end = tail
                    .find(|c: char| c.is_whitespace() || matches!(c, '"' | '<' | '>' | '\'' | ')'))
                    .unwrap_or(tail.len());
                links.push(tail[..end].to_string());
                rest = &tail[end..];
            }
        }
    }
    links.sort();
    links.dedup();
    links
}

#[test]
fn a_link_scanner_opening_every_link_changes_nothing() {
    let server = Server::start();
    let event = event_id(&server.deliver(&Invite::default().to_mail()));
    let page = rsvp(&server, &event, "Ann", "ann@example.org", "yes");
    let moved = Invite {
        sequence: 1,
        dtstamp: "20270102T100000Z",
        summary: "Team lunch (new place)",
        ..Invite::default()
    };
    server.deliver(&moved.to_mail());
    invitations_to(&server, "ann@example.org", 2);
    // Both messages have left and say so in her history: nothing else is due.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while server
        .get(&page)
        .expect("page")
        .2
        .matches("sent</td>")
        .count()
        < 2
    {
        assert!(std::time::Instant::now() < deadline, "both sends recorded");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let before = (
        server.outbox(0).len(),
        server.inbox().len(),
        server.get(&page).expect("page").2,
    );
    let links = links_in_outbox(&server);
    assert!(
        links.iter().any(|l| l.starts_with("/u/")),
        "the unsubscribe link is among them: {links:?}"
    );
    assert!(
        links.iter().any(|l| l.starts_with("/r/")) && links.iter().any(|l| l.starts_with("/e/")),
        "{links:?}"
    );
    for link in &links {
        for method in ["GET", "HEAD"] {
            let status = server.request(method, link, &[], &[]).expect("request").0;
            assert!(status < 500, "{method} {link}: {status}");
        }
    }
    let after = (
        server.outbox(0).len(),
        server.inbox().len(),
        server.get(&page).expect("page").2,
    );
    assert_eq!(before.0, after.0, "no mail was queued by a GET or HEAD");
    assert_eq!(before.1, after.1);
    let history = |html: &str| html.matches("<tr><td>").count();
    assert_eq!(
        history(&before.2),
        history(&after.2),
        "no signal was recorded"
    );
    assert!(
        !after.2.contains("unsubscribed"),
        "opening the unsubscribe link does not unsubscribe"
    );
}

#[test]
fn hostile_text_goes_round_the_loop_escaped_and_without_injecting_anything() {
    let server = Server::start();
    let summary = "<script>alert(1)</script> Lunch\\nBEGIN:VALARM\\nTRIGGER:-PT5M \u{202E}evil";
    let event = event_id(
        &server.deliver(
            &Invite {
                summary,
                ..Invite::default()
            }
            .to_mail(),
        ),
    );
    let name = "<b>Ann</b>\u{202E} Bcc: x@example.com";
    let page_path = rsvp(&server, &event, name, "ann@example.org", "yes");

    for path in [format!("/e/{event}"), page_path] {
        let html = server.get(&path).expect("page").2;
        assert!(
            !html.contains("<script>alert") && !html.contains("<b>Ann</b>"),
            "{path}: {html}"
        );
        assert!(
            !html.contains('\u{202E}'),
            "{path}: the RTL override is neutralized"
        );
    }
    let invitation = &invitations_to(&server, "ann@example.org", 1)[0];
    let head = String::from_utf8_lossy(&invitation.raw);
    let head = head.split("\r\n\r\n").next().unwrap_or_default();
    assert_eq!(
        head.lines()
            .filter(|l| l.to_ascii_lowercase().starts_with("subject:"))
            .count(),
        1,
        "{head}"
    );
    assert!(
        !head
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "{head}"
    );
    let raw = String::from_utf8_lossy(&invitation.raw);
    assert!(!raw.contains("\nBEGIN:VALARM"), "no component was injected");
    let calendar = invitation.event();
    assert_eq!(calendar.attendees.len(), 1);
    assert_eq!(
        calendar.attendees[0].email.as_deref(),
        Some("ann@example.org")
    );
    let got = calendar.summary.clone().unwrap_or_default();
    assert!(
        got.starts_with("<script>alert(1)</script> Lunch\nBEGIN:VALARM\nTRIGGER:-PT5M"),
        "{got:?}"
    );
    assert_eq!(invitation.read.calendars.len(), 1);
    assert!(
        invitation.read.calendars[0]
            .object
            .other_components
            .is_empty()
    );
}

#[test]
fn replies_that_repeat_or_arrive_out_of_order_end_in_the_answer_given_last() {
    let server = Server::start();
    let event = event_id(&server.deliver(&Invite::default().to_mail()));
    let page = rsvp(&server, &event, "Ann", "ann@example.org", "yes");
    let invitation = &invitations_to(&server, "ann@example.org", 1)[0];
    let reply_to = invitation.reply_address();

    // The same REPLY twice: the same answer, recorded twice, applied once.
    let declined = outlook_reply(
        invitation,
        "ann@example.org",
        "DECLINED",
        "20200101T000000Z",
    );
    for _ in 0..2 {
        let reply = server
            .send("ann@example.org", &[&reply_to], &declined)
            .expect("accepted");
        let outcome = server.outcome_of(&queue_id(&reply));
        assert_eq!(
            outcome,
            format!("reply from ann@example.org for {event}: declined")
        );
    }
    // Given in 2020, before the web answer: the later web "yes" stands.
    let html = server.get(&page).expect("page").2;
    assert!(html.contains("You said yes"), "{html}");
    assert!(
        html.contains("no change"),
        "the old reply is in the history as superseded: {html}"
    );

    // A calendar answer given now wins over the web one given a moment ago.
    // (DTSTAMP has whole seconds: wait so that "now" is surely after the web answer.)
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let now = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let tentative = outlook_reply(invitation, "ann@example.org", "TENTATIVE", &now);
    let reply = server
        .send("ann@example.org", &[&reply_to], &tentative)
        .expect("accepted");
    server.outcome_of(&queue_id(&reply));
    let html = server.get(&page).expect("page").2;
    let answer = html
        .lines()
        .find(|l| l.contains("class=\"answer\""))
        .unwrap_or_default();
    assert!(answer.contains("maybe"), "{answer}");
}

#[test]
fn a_reply_that_arrives_before_the_invitation_is_sent_still_counts() {
    let server = Server::start();
    let event = event_id(&server.deliver(&Invite::default().to_mail()));
    let page = rsvp(&server, &event, "Ann", "ann@example.org", "maybe");
    // The reply address is derived from the server's secret; compute it without waiting for
    // the invitation to be sent.
    let secret: [u8; 32] = std::fs::read(server.data_dir.join("secret.key"))
        .expect("secret")
        .try_into()
        .expect("32 bytes");
    let token = page.trim_start_matches("/r/");
    let invitee = TokenKey::from_bytes(secret)
        .verify(Purpose::Page, token)
        .expect("page token");
    let key = TokenKey::from_bytes(secret).token(
        Purpose::Reply,
        &InviteeId::parse(invitee.as_str()).expect("id"),
    );
    let reply_to = format!("rsvp+{key}@rollcall.test");
    let raw = format!(
        "From: ann@example.org\r\nTo: {reply_to}\r\nSubject: Accepted\r\nContent-Type: text/calendar; method=REPLY\r\n\r\n\
         BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:whatever\r\nDTSTAMP:{}\r\n\
         ATTENDEE;PARTSTAT=ACCEPTED:mailto:ann@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
    );
    let reply = server
        .send("ann@example.org", &[&reply_to], raw.as_bytes())
        .expect("accepted");
    assert_eq!(
        server.outcome_of(&queue_id(&reply)),
        format!("reply from ann@example.org for {event}: accepted")
    );
}

#[test]
fn a_bounce_of_a_personal_invitation_stops_further_mail_to_that_address() {
    let server = Server::start();
    let event = event_id(&server.deliver(&Invite::default().to_mail()));
    rsvp(&server, &event, "Ann", "ann@example.org", "yes");
    let invitation = &invitations_to(&server, "ann@example.org", 1)[0];
    let reply_to = invitation.reply_address();
    let dsn = hard_bounce(&reply_to, "ann@example.org");
    let reply = server
        .send("", &[&reply_to], dsn.as_bytes())
        .expect("accepted");
    assert_eq!(
        server.outcome_of(&queue_id(&reply)),
        format!(
            "bounce for ann@example.org ({event}): permanent failure 5.1.1; no more mail to this address"
        )
    );
    let moved = Invite {
        sequence: 1,
        dtstamp: "20270102T100000Z",
        start: "20370306T150000",
        ..Invite::default()
    };
    server.deliver(&moved.to_mail());
    // The organizer's note and the fan-out job are queued together and worked off in one pass:
    // once the note is out, the fan-out has run.
    let noted = (0..200).any(|_| {
        let found = server.outbox(0).iter().any(|(_, raw)| {
            MessageParser::new()
                .parse(raw)
                .and_then(|m| m.subject().map(|s| s.starts_with("Updated:")))
                .unwrap_or(false)
        });
        if !found {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        found
    });
    assert!(noted, "the organizer's update note was sent");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        invitations_to(&server, "ann@example.org", 1).len(),
        1,
        "no update to a bounced address"
    );
}

#[test]
fn a_web_answer_change_updates_the_invitees_calendar_copy() {
    let server = Server::start();
    let event = event_id(&server.deliver(&Invite::default().to_mail()));
    let page = rsvp(&server, &event, "Ann", "ann@example.org", "yes");
    let first = invitations_to(&server, "ann@example.org", 1);
    assert_eq!(first[0].partstat(), "ACCEPTED");

    // She changes her mind on her own page.
    let html = server.get(&page).expect("her page").2;
    let token = rollcall_tests::rsvp::form_token(&html);
    let changed = server
        .post_form(&page, &[("form_token", &token), ("answer", "no")])
        .expect("answer change");
    assert_eq!(changed.0, 303, "{}", changed.2);

    // Her calendar copy follows: the same UID, the next SEQUENCE, her new PARTSTAT.
    let both = invitations_to(&server, "ann@example.org", 2);
    assert_eq!(both.len(), 2, "one update, no more");
    let update = &both[1];
    assert_eq!(update.method(), "REQUEST");
    assert_eq!(update.event().uid, first[0].event().uid);
    assert_eq!(update.event().sequence, first[0].event().sequence + 1);
    assert_eq!(update.partstat(), "DECLINED");
    assert!(
        update
            .read
            .subject
            .as_deref()
            .is_some_and(|s| s.starts_with("Your answer: ")),
        "the mail says it is her answer, not an organizer's change: {:?}",
        update.read.subject
    );
}

#[test]
fn a_transparent_event_with_a_teams_link_keeps_both_in_every_copy() {
    let server = Server::start();
    let teams = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc";
    let mail = String::from_utf8(Invite::default().to_mail())
        .expect("utf-8")
        .replace(
            "STATUS:CONFIRMED\r\n",
            &format!(
                "STATUS:CONFIRMED\r\nTRANSP:TRANSPARENT\r\nX-MICROSOFT-SKYPETEAMSMEETINGURL:{teams}\r\n"
            ),
        );
    let event = event_id(&server.deliver(mail.as_bytes()));

    let page = server.get(&format!("/e/{event}")).expect("event page").2;
    assert!(page.contains(&format!("href=\"{teams}\"")), "{page}");
    assert!(page.contains("Shown as free"), "{page}");
    let public = server.get(&format!("/e/{event}.ics")).expect("ics").2;
    assert!(public.contains("TRANSP:TRANSPARENT"), "{public}");

    rsvp(&server, &event, "Ann", "ann@example.org", "yes");
    let invitation = &invitations_to(&server, "ann@example.org", 1)[0];
    let raw = String::from_utf8_lossy(&invitation.raw);
    assert!(
        raw.contains("TRANSP:TRANSPARENT"),
        "her calendar keeps her free"
    );
    assert!(invitation.event().transparent);
    assert_eq!(invitation.event().meeting_url.as_deref(), Some(teams));
    assert!(
        raw.contains(&format!("Online: {teams}")),
        "the body names the link"
    );
}
