use rollcall_tests::mail::Invite;
use rollcall_tests::server::{Server, queue_id};

fn delivered_outcome(server: &Server, raw: &[u8]) -> String {
    let reply = server
        .send("someone@example.com", &["invites@rollcall.test"], raw)
        .expect("accepted");
    assert_eq!(reply.code, 250, "{reply:?}");
    server.outcome_of(&queue_id(&reply))
}

#[test]
fn mail_without_a_calendar_is_rejected_with_its_reason() {
    let server = Server::start();
    let raw =
        b"From: a@example.com\r\nTo: invites@rollcall.test\r\nSubject: hello\r\n\r\nJust text.\r\n";
    assert_eq!(
        delivered_outcome(&server, raw),
        "rejected: no calendar part (text/calendar, application/ics or .ics attachment) found"
    );
}

#[test]
fn a_tnef_only_invitation_is_rejected_as_unsupported() {
    let server = Server::start();
    let raw = b"From: a@example.com\r\nTo: invites@rollcall.test\r\nSubject: Meeting\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n\
        --b\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\nContent-Transfer-Encoding: base64\r\n\r\n\
        eJ8+IgAAAA==\r\n--b--\r\n";
    let outcome = delivered_outcome(&server, raw);
    assert!(
        outcome.starts_with("rejected: unsupported TNEF"),
        "{outcome}"
    );
}

#[test]
fn a_sender_who_is_not_the_organizer_changes_nothing() {
    let server = Server::start();
    let forged = Invite {
        from: "mallory@example.net",
        ..Invite::default()
    };
    assert_eq!(
        server.deliver(&forged.to_mail()),
        "ignored: sender mallory@example.net is not the organizer organizer@example.com (nor its SENT-BY)"
    );
    assert!(
        server.outbox(0).is_empty(),
        "no acknowledgement for a refused message"
    );
}

#[test]
fn a_malformed_calendar_is_rejected_not_dropped() {
    let server = Server::start();
    let raw = b"From: a@example.com\r\nTo: invites@rollcall.test\r\nSubject: x\r\n\
        Content-Type: text/calendar; method=REQUEST\r\n\r\nThis is not a calendar.\r\n";
    let outcome = delivered_outcome(&server, raw);
    assert_eq!(
        outcome,
        "rejected: calendar could not be parsed: no BEGIN:VCALENDAR found"
    );
}

#[test]
fn unknown_recipients_and_oversized_messages_are_refused_at_smtp() {
    let server = Server::start();
    let refused = server
        .send(
            "a@example.com",
            &["someone@rollcall.test"],
            b"Subject: x\r\n\r\nx\r\n",
        )
        .expect_err("550");
    assert_eq!(refused.code, 550, "{refused:?}");
    let huge = vec![b'a'; 11 * 1024 * 1024];
    let mut raw = b"Subject: big\r\n\r\n".to_vec();
    for chunk in huge.chunks(998) {
        raw.extend_from_slice(chunk);
        raw.extend_from_slice(b"\r\n");
    }
    let reply = server
        .send("a@example.com", &["invites@rollcall.test"], &raw)
        .expect("transaction completes");
    assert_eq!(reply.code, 552, "{reply:?}");
    assert!(server.inbox().is_empty(), "nothing refused is stored");
}

#[test]
fn a_reply_to_an_unknown_rsvp_address_is_recorded_without_effect() {
    let server = Server::start();
    let raw = Invite {
        method: "REPLY",
        ..Invite::default()
    }
    .to_mail();
    let reply = server
        .send("guest@example.com", &["rsvp+abcdef123@rollcall.test"], &raw)
        .expect("accepted");
    let outcome = server.outcome_of(&queue_id(&reply));
    assert_eq!(
        outcome,
        "ignored: reply address does not belong to any invitee"
    );
}
