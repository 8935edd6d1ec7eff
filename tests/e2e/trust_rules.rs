//! Who may act as whom (DESIGN §6), against a real `rollcall serve` over SMTP and HTTP:
//! delegates that name themselves in SENT-BY, the public form handed a known address,
//! Rollcall's own addresses, malformed From headers, open mode and a trusted front server,
//! and the data folder's secrets.

use mail_parser::MessageParser;
use rollcall_tests::mail::Invite;
use rollcall_tests::rsvp::{form_token, invitations_to, personal_page, post_rsvp, rsvp};
use rollcall_tests::server::{DOMAIN, Server, event_id, header, queue_id};

/// (To address, subject, text body) of every outbox file.
fn mails(server: &Server, at_least: usize) -> Vec<(String, String, String)> {
    server
        .outbox(at_least)
        .into_iter()
        .filter_map(|(_, raw)| {
            let mail = MessageParser::new().parse(&raw)?;
            Some((
                mail.to()?.first()?.address()?.to_string(),
                mail.subject().unwrap_or_default().to_string(),
                mail.body_text(0)
                    .map(|t| t.into_owned())
                    .unwrap_or_default(),
            ))
        })
        .collect()
}

fn confirmation_link(server: &Server, text: &str) -> String {
    let base = format!("http://{}", server.http);
    text.split_whitespace()
        .find(|w| w.starts_with(&format!("{base}/c/")))
        .expect("a confirmation link")
        .trim_start_matches(&base)
        .to_string()
}

#[test]
fn a_self_declared_delegate_creates_and_cancels_nothing_and_only_the_organizer_is_asked() {
    let server = Server::start();
    let real = server.deliver(&Invite::default().to_mail());
    let event = event_id(&real);
    let page = rsvp(&server, &event, "Ann", "ann@example.org", "yes");
    let before = mails(&server, 2).len();

    // Mallory, on the trusted network, names herself the organizer's SENT-BY and cancels.
    let cancel = Invite {
        method: "CANCEL",
        sequence: 1,
        dtstamp: "20270102T100000Z",
        from: "mallory@example.net",
        sent_by: Some("mallory@example.net"),
        ..Invite::default()
    };
    let outcome = server.deliver(&cancel.to_mail());
    assert!(
        outcome.starts_with("awaiting the organizer's confirmation (sent by mallory@example.net on the organizer's behalf (SENT-BY), a delegate the organizer has not allowed)"),
        "{outcome}"
    );
    let body = server.page_containing(&format!("/e/{event}"), "Team lunch");
    assert!(
        !body.contains("Cancelled"),
        "the event is not cancelled: {body}"
    );
    assert!(server.get(&page).expect("page").2.contains("Team lunch"));
    // One new mail: the question, to the organizer; Ann's calendar hears nothing.
    let after = mails(&server, before + 1);
    assert_eq!(after.len(), before + 1, "{after:?}");
    let question = after
        .iter()
        .find(|(_, subject, _)| subject.starts_with("Please confirm"))
        .expect("a question");
    assert_eq!(question.0, "organizer@example.com", "never to the sender");
    assert_eq!(
        question.1,
        "Please confirm: may mallory@example.net send \"Team lunch\" for you?"
    );
    assert!(
        question
            .2
            .contains("mallory@example.net sent Rollcall a calendar invitation on your behalf"),
        "{}",
        question.2
    );
    assert_eq!(invitations_to(&server, "ann@example.org", 1).len(), 1);
    assert!(
        !after.iter().any(|(to, _, _)| to == "mallory@example.net"),
        "nothing to the forger"
    );
}

#[test]
fn an_organizer_allows_a_delegate_once_for_good_and_revokes_them() {
    let server = Server::start();
    let assistant = Invite {
        from: "assistant@example.com",
        sent_by: Some("assistant@example.com"),
        ..Invite::default()
    };
    let outcome = server.deliver(&assistant.to_mail());
    assert!(
        outcome.starts_with("awaiting the organizer's confirmation"),
        "{outcome}"
    );
    let question = mails(&server, 1)
        .into_iter()
        .find(|(_, subject, _)| subject.starts_with("Please confirm"))
        .expect("a question");
    assert_eq!(question.0, "organizer@example.com");
    let link = confirmation_link(&server, &question.2);

    let page = server.get(&link).expect("confirmation page");
    assert_eq!(page.0, 200, "{}", page.2);
    for button in ["allow-event", "allow-always", "confirm", "refuse"] {
        assert!(
            page.2
                .contains(&format!("name=\"choice\" value=\"{button}\"")),
            "{button}: {}",
            page.2
        );
    }
    assert!(page.2.contains("assistant@example.com"), "{}", page.2);
    let answered = server
        .post_form(
            &link,
            &[
                ("form_token", &form_token(&page.2)),
                ("choice", "allow-always"),
            ],
        )
        .expect("answer");
    assert_eq!(answered.0, 200, "{}", answered.2);
    assert!(answered.2.contains("<h1>Confirmed</h1>"), "{}", answered.2);

    // The assistant's next message applies at once.
    let moved = Invite {
        sequence: 1,
        dtstamp: "20270102T100000Z",
        summary: "Team lunch (moved)",
        ..assistant.clone()
    };
    let outcome = server.deliver(&moved.to_mail());
    assert!(outcome.starts_with("updated "), "{outcome}");

    // The organizer sees and revokes the allowance through the API.
    let auth = format!("Bearer {}", server.api_token("organizer@example.com"));
    let (status, _, body) = server
        .request("GET", "/api/v1/delegates", &[], &[("Authorization", &auth)])
        .expect("api");
    assert_eq!(status, 200, "{body}");
    let listed: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(listed["delegates"][0]["delegate"], "assistant@example.com");
    assert_eq!(listed["delegates"][0]["scope"], "all-events");
    let (status, _, body) = server
        .request(
            "DELETE",
            "/api/v1/delegates/assistant@example.com",
            &[],
            &[("Authorization", &auth)],
        )
        .expect("api");
    assert_eq!(status, 204, "{body}");

    // Revoked: the next message waits for the organizer again.
    let later = Invite {
        sequence: 2,
        dtstamp: "20270103T100000Z",
        summary: "Team lunch (moved again)",
        ..assistant
    };
    let outcome = server.deliver(&later.to_mail());
    assert!(
        outcome.starts_with("awaiting the organizer's confirmation"),
        "{outcome}"
    );
}

#[test]
fn the_public_form_never_hands_out_an_invitees_page_nor_tells_whether_an_address_is_known() {
    let server = Server::start();
    let event = event_id(&server.deliver(&Invite::default().to_mail()));
    let page = rsvp(&server, &event, "Ann", "ann@example.org", "yes");
    // Every view carries a fresh form token; the rest of the page is what must not change.
    let without_token = |html: &str| html.replace(&form_token(html), "TOKEN");
    // Once her invitation has left (its "sent" lands in her history), nothing else is due.
    let ann_before = without_token(&server.page_containing(&page, "invitation sent"));
    assert!(ann_before.contains("invitation sent"), "{ann_before}");

    // Mallory types Ann's address with another answer; a newcomer types their own.
    let known = post_rsvp(&server, &event, "Mallory", "ann@example.org", "no");
    let new = post_rsvp(&server, &event, "Mallory", "mallory@example.net", "no");
    assert_eq!((known.0, new.0), (200, 200));
    assert_eq!(
        header(&known, "location"),
        None,
        "no redirect to anyone's page"
    );
    assert_eq!(
        known.2.replace("ann@example.org", "ADDRESS"),
        new.2.replace("mallory@example.net", "ADDRESS"),
        "the same page either way"
    );
    assert!(!known.2.contains("/r/"), "{}", known.2);

    // Ann's answer and name are untouched; she is mailed her own link instead.
    assert_eq!(
        without_token(&server.page_containing(&page, "Team lunch")),
        ann_before,
        "Ann's page is unchanged"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let link_mail = loop {
        let found = server
            .outbox(0)
            .into_iter()
            .find(|(file, _)| file.starts_with("link-"));
        match found {
            Some(mail) => break mail,
            None if std::time::Instant::now() > deadline => panic!("no link mail"),
            None => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    };
    let text = MessageParser::new()
        .parse(&link_mail.1)
        .and_then(|m| m.body_text(0).map(|t| t.into_owned()))
        .unwrap_or_default();
    assert!(text.contains("You are already on its guest list"), "{text}");
    assert_eq!(personal_page(&link_mail.1).as_deref(), Some(page.as_str()));
    let to_ann = MessageParser::new()
        .parse(&link_mail.1)
        .and_then(|m| Some(m.to()?.first()?.address()?.to_string()));
    assert_eq!(to_ann.as_deref(), Some("ann@example.org"));

    // Rollcall's own addresses and address literals are refused on the form.
    for address in [
        format!("invites@{DOMAIN}"),
        format!("rsvp+abc@{DOMAIN}"),
        format!("postmaster@{DOMAIN}"),
        "a@[127.0.0.1]".to_string(),
        "a@localhost".to_string(),
    ] {
        let refused = post_rsvp(&server, &event, "", &address, "yes");
        assert_eq!(refused.0, 422, "{address}: {}", refused.2);
    }
}

#[test]
fn mail_from_rollcalls_own_addresses_and_malformed_from_headers_act_for_nobody() {
    let server = Server::start();
    let ours = format!("invites@{DOMAIN}");
    let looped = Invite {
        from: &ours,
        organizer: &ours,
        ..Invite::default()
    };
    assert_eq!(
        server.deliver(&looped.to_mail()),
        format!("ignored: mail from Rollcall's own address {ours} is never an organizer's")
    );
    let reply_address = format!("rsvp+abcdefghijklmnop.x@{DOMAIN}");
    let as_organizer = Invite {
        from: &reply_address,
        organizer: &reply_address,
        ..Invite::default()
    };
    assert!(
        server
            .deliver(&as_organizer.to_mail())
            .starts_with("ignored: mail from Rollcall's own address"),
    );

    let mail = String::from_utf8_lossy(&Invite::default().to_mail()).into_owned();
    let two_headers = format!("From: Mallory <mallory@example.net>\r\n{mail}");
    assert_eq!(
        server.deliver(two_headers.as_bytes()),
        "rejected: malformed From: 2 From headers"
    );
    let two_addresses = mail.replacen(
        "From: Organizer <organizer@example.com>",
        "From: Organizer <organizer@example.com>, Mallory <mallory@example.net>",
        1,
    );
    assert_eq!(
        server.deliver(two_addresses.as_bytes()),
        "rejected: malformed From: 2 addresses in the From header"
    );
    assert!(server.outbox(0).is_empty(), "nobody is asked or answered");
}

#[test]
fn in_open_mode_loopback_is_not_trusted_but_a_named_front_server_vouches() {
    let server = Server::start_with(&[
        "--smtp-open",
        "--trust-authentication-results",
        "front.example.org",
        "--dns-timeout",
        "1",
        // Loopback is an untrusted network here: skip the early-talker wait.
        "--smtp-greet-delay",
        "0",
    ]);
    // Loopback mail without the front server's word: not trusted (no DNS here either).
    let plain = server.deliver(&Invite::default().to_mail());
    assert!(
        plain
            .starts_with("awaiting the organizer's confirmation (sender not authenticated: dmarc="),
        "{plain}"
    );

    let with = |header_lines: &str, uid: &str| {
        let invite = Invite {
            uid,
            ..Invite::default()
        };
        let mut raw = header_lines.as_bytes().to_vec();
        raw.extend_from_slice(&invite.to_mail());
        raw
    };
    let vouched = server.deliver(&with(
        "Authentication-Results: front.example.org; dmarc=pass header.from=example.com\r\n",
        "front-1@example.com",
    ));
    assert!(vouched.starts_with("created event "), "{vouched}");
    let other = server.deliver(&with(
        "Authentication-Results: attacker.example; dmarc=pass header.from=example.com\r\n",
        "front-2@example.com",
    ));
    assert!(
        other.starts_with("awaiting the organizer's confirmation"),
        "{other}"
    );
    // Two confirmation requests and one acknowledgement: wait until the worker wrote all
    // three, or a late one would pass for mail about the spam.
    let before = server.outbox(3).len();
    assert_eq!(before, 3);
    let spam = server.send_invite(&with(
        "X-Spam-Flag: YES\r\nAuthentication-Results: front.example.org; dmarc=pass\r\n",
        "front-3@example.com",
    ));
    let outcome = server.outcome_of(&queue_id(&spam));
    assert!(
        outcome.starts_with("rejected: dropped unread: front server spam verdict FAIL"),
        "{outcome}"
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(server.outbox(0).len(), before, "no mail about spam");
}

#[cfg(unix)]
#[test]
fn the_data_folder_is_owner_only_and_holds_no_reply_key() {
    use std::os::unix::fs::PermissionsExt;
    let temp = tempfile::tempdir().expect("temp dir");
    let data = temp.path().join("data");
    // A folder an older Rollcall (or a careless copy) left readable by everyone.
    std::fs::create_dir_all(data.join("inbox")).expect("mkdir");
    std::fs::write(data.join("inbox/old.eml"), b"Subject: old\r\n\r\nx\r\n").expect("write");
    for path in [data.clone(), data.join("inbox"), data.join("inbox/old.eml")] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let server = Server::start_in(data.clone());
    let event = event_id(&server.deliver(&Invite::default().to_mail()));
    rsvp(&server, &event, "Ann", "ann@example.org", "yes");
    let invitation = &invitations_to(&server, "ann@example.org", 1)[0];
    let reply_address = invitation.reply_address();
    let key = reply_address
        .trim_start_matches("rsvp+")
        .split('@')
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(key.len() > 20, "{reply_address}");
    let reply = rollcall_tests::rsvp::outlook_reply(
        invitation,
        "ann@example.org",
        "DECLINED",
        "20270101T100000Z",
    );
    let sent = server
        .send("ann@example.org", &[&reply_address], &reply)
        .expect("accepted");
    let outcome = server.outcome_of(&queue_id(&sent));
    assert!(
        outcome.starts_with("reply from ann@example.org"),
        "{outcome}"
    );

    let mut pending = vec![data.clone()];
    let mut seen = 0;
    while let Some(path) = pending.pop() {
        let meta = std::fs::symlink_metadata(&path).expect("metadata");
        let mode = meta.permissions().mode() & 0o777;
        if meta.is_dir() {
            assert_eq!(mode, 0o700, "{}", path.display());
            pending.extend(
                std::fs::read_dir(&path)
                    .expect("list")
                    .flatten()
                    .map(|e| e.path()),
            );
        } else {
            assert_eq!(mode, 0o600, "{}", path.display());
            seen += 1;
        }
        // The database (and its write-ahead log) holds no reply key in clear.
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.is_some_and(|n| n.starts_with("rollcall.sqlite")) {
            let bytes = std::fs::read(&path).expect("read");
            let found = bytes.windows(key.len()).any(|w| w == key.as_bytes());
            assert!(!found, "{} holds the reply key", path.display());
        }
    }
    assert!(seen >= 5, "files were checked: {seen}");
}
