//! `POST /e/{event_id}/rsvp`: what the RSVP form accepts, and everything it refuses.

mod common;

use axum::http::{Method, StatusCode, header};
use chrono::Duration;
use common::{BASE_URL, form, hidden_token, post_from, request, site, unescape};
use rollcall_core::usecase::rsvp::MAX_NAME_CHARS;

#[tokio::test]
async fn a_valid_rsvp_says_check_your_email_and_the_invitee_page_shows_the_answer() {
    let site = site().await;
    let reply = site.rsvp("Ann Example", "Ann@Example.com", "yes").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("Check your email"), "{}", reply.body);
    assert!(!reply.body.contains("/r/"), "the page names nobody's page");
    let id = site.invitee_of("ann@example.com").await;
    let invitee = site.invitee(&id).await;
    assert_eq!(invitee.email, "ann@example.com");
    assert_eq!(invitee.status.value("response"), Some("accepted"));

    let page = site.get(&site.page_of(&id)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("You said yes"), "{}", page.body);
    assert!(page.body.contains("Ann Example"));
    assert!(page.body.contains("answered yes"), "history: {}", page.body);
    assert!(page.body.contains("<table>"));
    assert!(page.body.contains("href=\"/u/"), "unsubscribe link");
    assert!(page.body.contains("Spring party"));

    let snapshot = site.snapshot().await;
    assert_eq!(snapshot.outbox.len(), 1, "one personal invitation queued");
}

#[tokio::test]
async fn the_same_form_sent_twice_records_one_answer() {
    let site = site().await;
    let page = site.get(&site.event_page()).await;
    let body = form(&[
        ("name", "Ann"),
        ("email", "ann@example.com"),
        ("answer", "maybe"),
        ("form_token", &hidden_token(&page.body)),
    ]);
    let first = site.post(&site.rsvp_action(), &body).await;
    let second = site.post(&site.rsvp_action(), &body).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(first.body, second.body);
    let html = site.get(&site.event_page()).await.body;
    assert!(html.contains("0 going · 1 maybe · 0 can"), "{html}");
}

#[tokio::test]
async fn a_bad_email_re_renders_the_form_with_the_error_and_the_escaped_typed_value() {
    let site = site().await;
    let reply = site
        .rsvp("<b>Ann</b>", "\"><script>alert(1)</script>", "maybe")
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = &reply.body;
    assert!(
        html.contains("Please enter a valid email address"),
        "{html}"
    );
    assert!(!html.contains("<b>Ann"), "{html}");
    let text = unescape(html);
    assert!(
        text.contains("value=\"\"><script>alert(1)</script>\""),
        "typed value kept: {html}"
    );
    assert!(text.contains("value=\"<b>Ann</b>\""), "{html}");
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(
        html.contains("value=\"maybe\" required checked"),
        "the chosen answer stays chosen"
    );
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("role=\"alert\""));
    assert!(site.snapshot().await.invitees.is_empty());
}

#[tokio::test]
async fn missing_answers_and_overlong_fields_are_explained() {
    let site = site().await;
    let reply = site.rsvp("Ann", "ann@example.com", "").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("Please choose yes, maybe or no."));

    let long_name = "n".repeat(MAX_NAME_CHARS + 1);
    let reply = site.rsvp(&long_name, "ann@example.com", "yes").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .body
            .contains(&format!("at most {MAX_NAME_CHARS} characters"))
    );

    let long_email = format!("{}@example.com", "a".repeat(250));
    let reply = site.rsvp("Ann", &long_email, "yes").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains("at most 254 characters"),
        "{}",
        reply.body
    );

    let huge = form(&[("name", &"x".repeat(20_000)), ("email", "a@b.org")]);
    let reply = site.post(&site.rsvp_action(), &huge).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.body.contains("could not be read"));
    assert!(site.snapshot().await.invitees.is_empty());
}

#[tokio::test]
async fn an_expired_or_forged_form_token_is_refused_with_403() {
    let site = site().await;
    let fresh = site.rsvp_token(Duration::minutes(5));
    let expired = site.rsvp_token(Duration::hours(25));
    let forged = fresh.replace("test-nonce-1", "test-nonce-2");
    let other_event =
        site.tokens
            .form_token("rsvp:AAAAAAAAAAAA", chrono::Utc::now().timestamp(), "n");
    let other_key = rollcall_core::tokens::TokenKey::from_bytes([9; 32]).form_token(
        &format!("rsvp:{}", site.event),
        chrono::Utc::now().timestamp(),
        "n",
    );
    for token in [
        expired.as_str(),
        &forged,
        &other_event,
        &other_key,
        "",
        "1.2.3",
    ] {
        let body = form(&[
            ("name", "Ann"),
            ("email", "ann@example.com"),
            ("answer", "yes"),
            ("form_token", token),
        ]);
        let reply = site.post(&site.rsvp_action(), &body).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{token:?}");
        assert!(
            reply
                .body
                .contains("This form has expired, reload the page")
        );
    }
    assert!(site.snapshot().await.invitees.is_empty());
    let body = form(&[
        ("email", "ann@example.com"),
        ("answer", "yes"),
        ("form_token", &fresh),
    ]);
    assert_eq!(
        site.post(&site.rsvp_action(), &body).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_form_posted_from_a_foreign_origin_is_refused() {
    let site = site().await;
    let body = form(&[
        ("email", "ann@example.com"),
        ("answer", "yes"),
        ("form_token", &site.rsvp_token(Duration::minutes(1))),
    ]);
    for origin in ["https://evil.example", "null", "http://rsvp.example.org"] {
        let mut request = request(Method::POST, &site.rsvp_action(), Some(&body));
        request
            .headers_mut()
            .insert(header::ORIGIN, origin.parse().expect("header value"));
        let reply = site.call(request).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{origin}");
    }
    assert!(site.snapshot().await.invitees.is_empty());

    let mut request = request(Method::POST, &site.rsvp_action(), Some(&body));
    request
        .headers_mut()
        .insert(header::ORIGIN, BASE_URL.parse().expect("header value"));
    assert_eq!(site.call(request).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_eleventh_rsvp_from_one_address_in_a_minute_is_429() {
    let site = site().await;
    let token = site.rsvp_token(Duration::minutes(1));
    let body = |n: usize| {
        form(&[
            ("email", &format!("guest{n}@example.com")),
            ("answer", "yes"),
            ("form_token", &token),
        ])
    };
    for n in 0..10 {
        let reply = site
            .call(post_from([192, 0, 2, 1], &site.rsvp_action(), &body(n)))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "RSVP {n}: {}", reply.body);
    }
    let refused = site
        .call(post_from([192, 0, 2, 1], &site.rsvp_action(), &body(10)))
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = refused
        .header(header::RETRY_AFTER)
        .parse()
        .expect("Retry-After seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(
        refused.body.contains("too many answers"),
        "{}",
        refused.body
    );
    assert_eq!(site.snapshot().await.invitees.len(), 10);

    let elsewhere = site
        .call(post_from([198, 51, 100, 7], &site.rsvp_action(), &body(11)))
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::OK,
        "another address has its own limit"
    );
}

/// The public form is no credential: a known address (Ann's, typed by someone else) changes
/// nothing about Ann and the page is the same as for a stranger's address — no redirect, no
/// page token, no hint that the address is known. Ann is mailed her own link.
#[tokio::test]
async fn a_known_address_changes_nothing_and_the_page_says_the_same_as_for_a_new_one() {
    let site = site().await;
    site.rsvp("Ann", "ann@example.com", "yes").await;
    let ann = site.invitee_of("ann@example.com").await;
    let before = site.invitee(&ann).await;
    let known = site.rsvp("Mallory", "ann@example.com", "no").await;
    let new = site.rsvp("Mallory", "mallory@example.net", "no").await;
    assert_eq!((known.status, new.status), (StatusCode::OK, StatusCode::OK));
    assert!(known.header(header::LOCATION).is_empty(), "no redirect");
    assert_eq!(
        known.body.replace("ann@example.com", "X"),
        new.body.replace("mallory@example.net", "X")
    );
    assert_eq!(site.invitee(&ann).await, before, "Ann is untouched");
    let html = site.get(&site.event_page()).await.body;
    assert!(html.contains("1 going · 0 maybe · 1 can"), "{html}");
    let snapshot = site.snapshot().await;
    let link_mails = snapshot
        .outbox
        .iter()
        .filter(|(id, _)| id.starts_with(&format!("link-{ann}-")))
        .count();
    assert_eq!(link_mails, 1, "Ann's own link goes to Ann");
}

#[tokio::test]
async fn rollcalls_own_addresses_are_refused_on_the_form() {
    let site = site().await;
    for address in [
        "invites@rollcall.test",
        "rsvp+abc@rollcall.test",
        "postmaster@Rollcall.Test",
        "a@[127.0.0.1]",
    ] {
        let reply = site.rsvp("", address, "yes").await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{address}");
    }
    assert!(site.snapshot().await.invitees.is_empty());
}
