//! The web site's limits over real sockets: what may spend a rate-limit budget (only a genuine
//! post from our own pages), whose bucket a visitor behind a reverse proxy falls in, and what
//! a locked database answers.

use rollcall_tests::mail::Invite;
use rollcall_tests::rsvp::{form_token, invitations_to, personal_page};
use rollcall_tests::server::{Response, Server, event_id, header};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Posts per minute one client may make (`RateLimits::default`).
const CLIENT_LIMIT: usize = 10;

/// What a taken answer on the public form gets: the neutral "check your email" page (it
/// hands out no personal link; that arrives by mail).
const TAKEN: u16 = 200;

/// A new event on `server` and a genuine form token of its RSVP form.
fn event_and_token(server: &Server) -> (String, String) {
    let event = event_id(&server.deliver(&Invite::default().to_mail()));
    let page = server.get(&format!("/e/{event}")).expect("event page");
    assert_eq!(page.0, 200, "{}", page.2);
    (event, form_token(&page.2))
}

/// An RSVP (yes) from `email` with `token` and extra request headers.
fn answer(
    server: &Server,
    event: &str,
    email: &str,
    token: &str,
    headers: &[(&str, &str)],
) -> Response {
    server
        .request(
            "POST",
            &format!("/e/{event}/rsvp"),
            &[
                ("form_token", token),
                ("name", ""),
                ("email", email),
                ("answer", "yes"),
            ],
            headers,
        )
        .expect("rsvp post")
}

#[test]
fn posts_without_a_form_token_or_from_another_site_spend_no_ones_budget() {
    let server = Server::start();
    let (event, token) = event_and_token(&server);
    let ours = format!("http://{}", server.http);
    // More refused posts than the client may make in a minute, of every kind.
    for n in 0..=CLIENT_LIMIT {
        let email = format!("forger{n}@example.org");
        let tokenless = answer(&server, &event, &email, "", &[]);
        assert_eq!(tokenless.0, 403, "no form token: {}", tokenless.2);
        let refusals: [&[(&str, &str)]; 3] = [
            &[("Sec-Fetch-Site", "cross-site")],
            &[("Sec-Fetch-Site", "same-site")],
            &[("Origin", "https://evil.example")],
        ];
        for refused in refusals {
            let reply = answer(&server, &event, &email, &token, refused);
            assert_eq!(reply.0, 403, "{refused:?}: {}", reply.2);
        }
    }
    // A genuine answer from the same client (the same address) still goes through.
    let genuine = answer(
        &server,
        &event,
        "ann@example.org",
        &token,
        &[("Origin", &ours), ("Sec-Fetch-Site", "same-origin")],
    );
    assert_eq!(genuine.0, TAKEN, "{}", genuine.2);

    // The personal page's form (its `no-referrer` policy makes browsers send `Origin: null`)
    // takes `same-origin` posts and refuses a sibling host's.
    let invitation = invitations_to(&server, "ann@example.org", 1);
    let page = personal_page(&invitation[0].raw).expect("the invitation links her page");
    let personal = server.get(&page).expect("personal page");
    let change_token = form_token(&personal.2);
    let change = |fetch_site: &str| {
        server
            .request(
                "POST",
                &page,
                &[("form_token", &change_token), ("answer", "no")],
                &[("Origin", "null"), ("Sec-Fetch-Site", fetch_site)],
            )
            .expect("answer change")
    };
    assert_eq!(change("same-site").0, 403);
    let changed = change("same-origin");
    assert_eq!(changed.0, 303, "{}", changed.2);
}

#[test]
fn behind_a_trusted_proxy_each_visitor_has_their_own_bucket() {
    let server = Server::start_with(&["--trusted-proxies", "127.0.0.0/8"]);
    let (event, token) = event_and_token(&server);
    let first = [("X-Forwarded-For", "203.0.113.1")];
    for n in 0..CLIENT_LIMIT {
        let reply = answer(
            &server,
            &event,
            &format!("a{n}@example.org"),
            &token,
            &first,
        );
        assert_eq!(reply.0, TAKEN, "visitor 1, answer {n}: {}", reply.2);
    }
    let limited = answer(&server, &event, "a-last@example.org", &token, &first);
    assert_eq!(limited.0, 429, "visitor 1 used up their minute");
    assert!(header(&limited, "retry-after").is_some());

    let second = answer(
        &server,
        &event,
        "b@example.org",
        &token,
        &[("X-Forwarded-For", "203.0.113.2")],
    );
    assert_eq!(
        second.0, TAKEN,
        "visitor 2 has their own bucket: {}",
        second.2
    );
    let third = answer(
        &server,
        &event,
        "c@example.org",
        &token,
        &[("Forwarded", "for=\"[2001:db8::3]:4711\";proto=https")],
    );
    assert_eq!(third.0, TAKEN, "RFC 7239 names visitor 3: {}", third.2);
    let spoofing = answer(
        &server,
        &event,
        "a-spoof@example.org",
        &token,
        &[("X-Forwarded-For", "198.51.100.9, 203.0.113.1")],
    );
    assert_eq!(
        spoofing.0, 429,
        "visitor 1 cannot pick another bucket by writing to the left of what the proxy added"
    );
}

#[test]
fn forwarded_headers_from_an_untrusted_peer_are_ignored() {
    // Loopback is not in the trusted network: our client is not a proxy.
    let server = Server::start_with(&["--trusted-proxies", "10.0.0.0/8"]);
    let (event, token) = event_and_token(&server);
    for n in 0..CLIENT_LIMIT {
        let spoofed = format!("203.0.113.{n}");
        let reply = answer(
            &server,
            &event,
            &format!("s{n}@example.org"),
            &token,
            &[("X-Forwarded-For", &spoofed), ("Forwarded", "for=10.9.9.9")],
        );
        assert_eq!(reply.0, TAKEN, "{}", reply.2);
    }
    let limited = answer(
        &server,
        &event,
        "s-last@example.org",
        &token,
        &[("X-Forwarded-For", "198.51.100.1")],
    );
    assert_eq!(limited.0, 429, "every spoofed address is the one peer");
}

/// A JSON POST over a fresh connection: (status, headers lower-cased, body).
fn post_json(server: &Server, path: &str, body: &str) -> Response {
    let mut stream = TcpStream::connect(server.http).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        server.http,
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("send head");
    stream.write_all(body.as_bytes()).expect("send body");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read the answer");
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

/// Waits until the sender has worked off the outbox, so no write of its own waits on the lock
/// the test takes.
fn outbox_settled(db: &rusqlite::Connection) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let pending: i64 = db
            .query_row(
                "SELECT count(*) FROM outbox WHERE state = 'pending'",
                [],
                |r| r.get(0),
            )
            .expect("count pending");
        if pending == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "the outbox did not settle");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_locked_database_is_waited_for_a_bounded_time_then_answered_503_with_retry_after() {
    let server = Server::start();
    let (event, token) = event_and_token(&server);
    let db = rusqlite::Connection::open(server.data_dir.join("rollcall.sqlite")).expect("open");
    db.busy_timeout(Duration::from_secs(20)).expect("timeout");
    outbox_settled(&db);

    // Another process holds the write lock and never lets go in time.
    db.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let locked = answer(&server, &event, "ann@example.org", &token, &[]);
    assert_eq!(locked.0, 503, "{}", locked.2);
    assert_eq!(header(&locked, "retry-after"), Some("5"));
    assert!(locked.2.contains("try again"), "{}", locked.2);
    let api = post_json(
        &server,
        "/api/v1/session/link",
        r#"{"email": "a@example.org"}"#,
    );
    assert_eq!(api.0, 503, "{}", api.2);
    assert_eq!(header(&api, "retry-after"), Some("5"));
    assert!(api.2.contains(r#""error":"unavailable""#), "{}", api.2);
    db.execute_batch("COMMIT").expect("unlock");
    outbox_settled(&db);

    // Held for a moment only: the answer waits for it and goes through.
    db.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        db.execute_batch("COMMIT").expect("unlock");
        db
    });
    let waited = answer(&server, &event, "bo@example.org", &token, &[]);
    assert_eq!(waited.0, TAKEN, "waited for the lock: {}", waited.2);
    let db = release.join().expect("the lock holder");

    let after = answer(&server, &event, "ann@example.org", &token, &[]);
    assert_eq!(after.0, TAKEN, "once released, all is well: {}", after.2);
    let answered: i64 = db
        .query_row("SELECT count(*) FROM invitees", [], |r| r.get(0))
        .expect("count");
    assert_eq!(answered, 2, "Ann (after the 503) and Bo");
}
