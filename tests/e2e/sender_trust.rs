//! Sender trust end to end (DESIGN §6): a server in open SMTP mode whose trusted networks do
//! not include loopback, so the test's own mail arrives unauthenticated (and, with no DNS
//! answers here, fails DMARC). It creates nothing until the claimed organizer confirms
//! through the link Rollcall mails them.

use mail_parser::MessageParser;
use rollcall_tests::mail::Invite;
use rollcall_tests::rsvp::form_token;
use rollcall_tests::server::{DOMAIN, Server, header, queue_id};

fn open_server() -> Server {
    Server::start_with(&[
        "--smtp-open",
        "--trusted-networks",
        "192.0.2.0/24",
        "--dns-timeout",
        "2",
        // The test's own connections come from an untrusted network: skip the early-talker
        // wait.
        "--smtp-greet-delay",
        "0",
    ])
}

/// `(subject, text body, To address)` of an outbox file.
fn read(raw: &[u8]) -> (String, String, String) {
    let mail = MessageParser::new().parse(raw).expect("outbox mail parses");
    (
        mail.subject().unwrap_or_default().to_string(),
        mail.body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default(),
        mail.to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_string(),
    )
}

#[test]
fn unauthenticated_mail_creates_nothing_until_the_organizer_confirms_by_link() {
    let server = open_server();
    let reply = server.send_invite(&Invite::default().to_mail());
    assert_eq!(reply.code, 250, "{reply:?}");
    let id = queue_id(&reply);
    let outcome = server.outcome_of(&id);
    assert!(
        outcome
            .starts_with("awaiting the organizer's confirmation (sender not authenticated: dmarc="),
        "{outcome}"
    );
    assert!(
        outcome.contains("would create a new event \"Team lunch\""),
        "{outcome}"
    );
    let row = server
        .inbox()
        .into_iter()
        .find(|r| r["id"] == id.as_str())
        .expect("listed");
    assert_eq!(row["status"], "pending");

    // One mail: the question to the claimed organizer, with the link.
    let outbox = server.outbox(1);
    assert_eq!(outbox.len(), 1, "only the confirmation mail");
    let (subject, text, to) = read(&outbox[0].1);
    assert_eq!(to, "organizer@example.com");
    assert_eq!(
        subject,
        "Please confirm: did you send \"Team lunch\" to Rollcall?"
    );
    assert!(
        text.contains("could not confirm that you sent it"),
        "{text}"
    );
    let base = format!("http://{}", server.http);
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with(&format!("{base}/c/")))
        .expect("a confirmation link")
        .trim_start_matches(&base)
        .to_string();

    // Opening the link (as a link scanner would) changes nothing.
    for _ in 0..2 {
        let page = server.get(&link).expect("confirmation page");
        assert_eq!(page.0, 200, "{}", page.2);
        assert_eq!(header(&page, "referrer-policy"), Some("no-referrer"));
        assert!(
            page.2.contains("Did you send this invitation?"),
            "{}",
            page.2
        );
        assert!(page.2.contains("organizer@example.com"), "{}", page.2);
        assert!(page.2.contains("Team lunch"), "{}", page.2);
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(server.outbox(0).len(), 1, "a GET sends nothing");
    assert_eq!(server.outcome_of(&id), outcome, "a GET applies nothing");

    // Pressing Confirm creates the event and shows its public page's link.
    let page = server.get(&link).expect("confirmation page");
    let confirmed = server
        .post_form(&link, &[("form_token", &form_token(&page.2))])
        .expect("confirm");
    assert_eq!(confirmed.0, 200, "{}", confirmed.2);
    assert!(
        confirmed.2.contains("<h1>Confirmed</h1>"),
        "{}",
        confirmed.2
    );
    let marker = format!("{base}/e/");
    let start = confirmed.2.find(&marker).expect("public link") + marker.len();
    let event_id: String = confirmed.2[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let event = server.get(&format!("/e/{event_id}")).expect("event page");
    assert_eq!(event.0, 200, "{}", event.2);
    assert!(event.2.contains(">Team lunch</h1>"), "{}", event.2);

    // The organizer gets the usual acknowledgement, and only one.
    let outbox = server.outbox(2);
    assert_eq!(
        outbox.len(),
        2,
        "{:?}",
        outbox.iter().map(|o| &o.0).collect::<Vec<_>>()
    );
    let acks: Vec<_> = outbox
        .iter()
        .map(|(_, raw)| read(raw))
        .filter(|(subject, _, _)| subject == "Rollcall is tracking \"Team lunch\"")
        .collect();
    assert_eq!(acks.len(), 1, "one acknowledgement");
    assert_eq!(acks[0].2, "organizer@example.com");
    assert!(
        acks[0].1.contains(&format!("/e/{event_id}")),
        "{}",
        acks[0].1
    );

    // Confirming again changes nothing; the inbox says what confirming did.
    let again = server
        .post_form(&link, &[("form_token", &form_token(&page.2))])
        .expect("confirm again");
    assert_eq!(again.0, 200, "{}", again.2);
    assert!(again.2.contains(&format!("/e/{event_id}")), "{}", again.2);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(server.outbox(0).len(), 2);
    let listing = std::process::Command::new(rollcall_tests::server::binary())
        .args(["inbox", "--data-dir"])
        .arg(&server.data_dir)
        .output()
        .expect("rollcall inbox");
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(
        listing.contains(&format!(
            "confirmed by the organizer: created event {event_id}"
        )),
        "{listing}"
    );
}

#[test]
fn an_open_server_relays_nothing_for_untrusted_clients() {
    let server = open_server();
    let refused = server
        .send(
            "someone@example.com",
            &["victim@elsewhere.example"],
            &Invite::default().to_mail(),
        )
        .expect_err("relaying is denied");
    assert_eq!(refused.code, 550, "{refused:?}");
    assert!(refused.text.contains("5.7.1"), "{refused:?}");
    assert!(refused.text.contains("relaying denied"), "{refused:?}");
    let ours = server
        .send(
            "someone@example.com",
            &[&format!("invites@{DOMAIN}")],
            &Invite::default().to_mail(),
        )
        .expect("our own address is served");
    assert_eq!(ours.code, 250);
}
