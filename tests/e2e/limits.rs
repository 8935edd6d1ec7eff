//! The web site's limits over real sockets: what may spend a rate-limit budget (only a genuine
//! post from our own pages), and whose bucket a visitor behind a reverse proxy falls in.

use rollcall_tests::mail::Invite;
use rollcall_tests::rsvp::form_token;
use rollcall_tests::server::{Response, Server, event_id, header};

/// Posts per minute one client may make (`RateLimits::default`).
const CLIENT_LIMIT: usize = 10;

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
    assert_eq!(genuine.0, 303, "{}", genuine.2);

    // The personal page's form (its `no-referrer` policy makes browsers send `Origin: null`)
    // takes `same-origin` posts and refuses a sibling host's.
    let page = header(&genuine, "location").expect("redirect").to_string();
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
        assert_eq!(reply.0, 303, "visitor 1, answer {n}: {}", reply.2);
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
        second.0, 303,
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
    assert_eq!(third.0, 303, "RFC 7239 names visitor 3: {}", third.2);
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
        assert_eq!(reply.0, 303, "{}", reply.2);
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
