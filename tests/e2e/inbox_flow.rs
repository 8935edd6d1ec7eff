use mail_parser::MessageParser;
use rollcall_tests::mail::Invite;
use rollcall_tests::server::{Server, event_id};
use rollcall_tests::workspace_root;

#[test]
fn a_google_invitation_creates_an_event_and_acknowledges_the_organizer() {
    let server = Server::start();
    let raw = std::fs::read(workspace_root().join("examples/google-invite.eml")).expect("example");
    let reply = server
        .send("grace@example.com", &["invites@rollcall.test"], &raw)
        .expect("accepted");
    assert_eq!(reply.code, 250);
    let outcome = server.outcome_of(&rollcall_tests::server::queue_id(&reply));
    assert!(outcome.starts_with("created event "), "{outcome}");
    let id = event_id(&outcome);

    let outbox = server.outbox(1);
    assert_eq!(outbox.len(), 1, "exactly one acknowledgement");
    let ack = MessageParser::new()
        .parse(&outbox[0].1)
        .expect("ack parses");
    assert_eq!(
        ack.to().and_then(|a| a.first()).and_then(|a| a.address()),
        Some("grace@example.com")
    );
    assert_eq!(
        ack.subject(),
        Some("Rollcall is tracking \"Compiler team planning\"")
    );
    let text = ack.body_text(0).expect("text part");
    assert!(text.contains(&format!("/e/{id}")), "link in: {text}");
    assert!(
        text.contains("Wednesday 4 March 2037, 11:00–12:00 (America/New_York)"),
        "{text}"
    );
    assert!(text.contains("Room 4, Building B"), "{text}");
    assert!(
        ack.header_raw("Auto-Submitted")
            .is_some_and(|v| v.contains("auto-generated"))
    );

    let (status, headers, body) = server.get(&format!("/e/{id}")).expect("page");
    assert_eq!(status, 200);
    assert!(body.contains(">Compiler team planning</h1>"), "{body}");
    assert!(body.contains("Bring your notes."));
    assert!(body.contains("Grace Hopper"));
    assert!(
        !body.contains("grace@example.com"),
        "the organizer's address is not published"
    );
    let csp = headers
        .iter()
        .find(|(k, _)| k == "content-security-policy")
        .map(|(_, v)| v.as_str());
    assert!(
        csp.is_some_and(|v| v.contains("default-src 'none'")),
        "{headers:?}"
    );
}

#[test]
fn an_update_a_stale_update_and_a_cancellation_follow_rfc_5546() {
    let server = Server::start();
    let first = server.deliver(&Invite::default().to_mail());
    assert!(first.starts_with("created event "), "{first}");
    let id = event_id(&first);

    let moved = Invite {
        sequence: 2,
        dtstamp: "20270102T100000Z",
        start: "20370306T150000",
        summary: "Team lunch (moved)",
        ..Invite::default()
    };
    assert_eq!(
        server.deliver(&moved.to_mail()),
        format!("updated {id} to sequence 2")
    );

    let stale = Invite {
        sequence: 1,
        dtstamp: "20270103T100000Z",
        summary: "Old version",
        ..Invite::default()
    };
    assert_eq!(
        server.deliver(&stale.to_mail()),
        "ignored: stale sequence 1 < 2"
    );

    let page = server.page_containing(&format!("/e/{id}"), "Team lunch (moved)");
    assert!(
        page.contains("Team lunch (moved)")
            && page.contains("Friday 6 March 2037, 15:00–16:00 (Europe/Berlin)"),
        "{page}"
    );

    let cancel = Invite {
        method: "CANCEL",
        sequence: 3,
        dtstamp: "20270104T100000Z",
        summary: "Team lunch (moved)",
        ..Invite::default()
    };
    assert_eq!(server.deliver(&cancel.to_mail()), format!("cancelled {id}"));
    let page = server.page_containing(&format!("/e/{id}"), "This event has been cancelled.");
    assert!(page.contains("This event has been cancelled."), "{page}");

    // Created, updated, cancelled: three notices, and none for the stale one.
    let outbox = server.outbox(3);
    let subjects: Vec<String> = outbox
        .iter()
        .filter_map(|(_, raw)| {
            MessageParser::new()
                .parse(raw)
                .and_then(|m| m.subject().map(str::to_string))
        })
        .collect();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert!(
        subjects.iter().any(|s| s.starts_with("Updated:")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|s| s.starts_with("Cancelled:")),
        "{subjects:?}"
    );
}

#[test]
fn the_same_uid_from_two_organizers_makes_two_events() {
    let server = Server::start();
    let a = server.deliver(&Invite::default().to_mail());
    let other = Invite {
        organizer: "someone-else@example.org",
        from: "someone-else@example.org",
        ..Invite::default()
    };
    let b = server.deliver(&other.to_mail());
    assert!(
        a.starts_with("created event ") && b.starts_with("created event "),
        "{a} / {b}"
    );
    assert_ne!(event_id(&a), event_id(&b));
}

#[test]
fn hostile_text_is_escaped_in_the_page_and_cannot_inject_mail_headers() {
    let server = Server::start();
    let summary = "<script>alert(1)</script> Lunch\\nBcc: victim@example.com";
    let outcome = server.deliver(
        &Invite {
            summary,
            ..Invite::default()
        }
        .to_mail(),
    );
    let id = event_id(&outcome);
    let (_, _, page) = server.get(&format!("/e/{id}")).expect("page");
    assert!(
        !page.contains("<script>alert(1)</script>"),
        "unescaped: {page}"
    );
    assert!(
        page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{page}"
    );

    let outbox = server.outbox(1);
    let ack = MessageParser::new()
        .parse(&outbox[0].1)
        .expect("ack parses");
    assert!(ack.header_raw("Bcc").is_none(), "a Bcc header was injected");
    let subject = ack.subject().unwrap_or_default();
    assert!(
        subject.contains("Lunch Bcc: victim@example.com"),
        "{subject}"
    );
}

#[test]
fn an_unknown_event_page_is_a_404_and_health_is_ok() {
    let server = Server::start();
    assert_eq!(server.get("/e/aaaaaaaaaaaa").expect("page").0, 404);
    assert_eq!(server.get("/e/..%2f..%2fetc").expect("page").0, 404);
    let (status, _, body) = server.get("/healthz").expect("health");
    assert_eq!((status, body.contains("\"ok\"")), (200, true));
}
