//! The pages whose URL is a capability: `/r/{token}` (an invitee's own page) and `/u/{token}`
//! (unsubscribe, RFC 8058 one-click included).

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Site, form, hidden_token, site};
use rollcall_core::ports::{InviteeStore, SuppressionStore};
use rollcall_core::tokens::Purpose;

async fn site_with_invitee() -> (Site, String, String) {
    let site = site().await;
    let reply = site.rsvp("Ann", "ann@example.com", "yes").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let id = site.invitee_of("ann@example.com").await;
    let page = format!("/r/{}", site.tokens.token(Purpose::Page, &id));
    let unsubscribe = format!("/u/{}", site.tokens.token(Purpose::Unsubscribe, &id));
    (site, page, unsubscribe)
}

/// The organizer's calendar changes the stored event (as an update by mail would).
async fn change_event(site: &Site, change: impl FnOnce(&mut rollcall_core::event::Event)) {
    use rollcall_core::ports::{Commit, EventStore, EventWrite};
    let mut event = site
        .store
        .event(&site.event)
        .await
        .expect("store")
        .expect("event");
    let expected = event.version;
    change(&mut event);
    event.version += 1;
    let commit = Commit {
        events: vec![EventWrite {
            event,
            expected_version: Some(expected),
        }],
        ..Default::default()
    };
    site.store.commit(&commit).await.expect("the event changed");
}

#[tokio::test]
async fn get_and_head_on_every_page_change_nothing() {
    let (site, page, unsubscribe) = site_with_invitee().await;
    let before = site.snapshot().await;
    for path in [site.event_page(), page.clone(), unsubscribe.clone()] {
        for _ in 0..3 {
            assert_eq!(site.get(&path).await.status, StatusCode::OK, "GET {path}");
            let head = site.head(&path).await;
            assert_eq!(head.status, StatusCode::OK, "HEAD {path}");
            assert!(head.body.is_empty());
        }
    }
    assert_eq!(site.snapshot().await, before);
}

#[tokio::test]
async fn an_invitee_changes_their_answer_on_their_own_page() {
    let (site, page, _) = site_with_invitee().await;
    let html = site.get(&page).await.body;
    assert!(
        common::unescape(&html).contains("aria-current=\"true\">Yes, I'll come"),
        "{html}"
    );
    let body = form(&[("answer", "no"), ("form_token", &hidden_token(&html))]);
    let reply = site.post(&page, &body).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), page);
    let html = site.get(&page).await.body;
    assert!(html.contains("You said no"), "{html}");
    assert!(html.contains("answered no"));
    let event = site.get(&site.event_page()).await.body;
    assert!(event.contains("0 going · 0 maybe · 1 can"), "{event}");

    let forged = form(&[("answer", "yes"), ("form_token", "1.abc.def")]);
    assert_eq!(
        site.post(&page, &forged).await.status,
        StatusCode::FORBIDDEN
    );
    let event_token = site.rsvp_token(chrono::Duration::minutes(1));
    let wrong_scope = form(&[("answer", "yes"), ("form_token", &event_token)]);
    assert_eq!(
        site.post(&page, &wrong_scope).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(site.get(&page).await.body.contains("You said no"));
}

#[tokio::test]
async fn the_unsubscribe_page_offers_this_event_or_everything_and_one_click_is_this_event() {
    let (site, _, unsubscribe) = site_with_invitee().await;
    let confirm = site.get(&unsubscribe).await;
    assert!(
        confirm.body.contains("Stop emails about this event"),
        "{}",
        confirm.body
    );
    assert!(
        confirm.body.contains("name=\"scope\" value=\"everything\""),
        "{}",
        confirm.body
    );
    // One-click (the mail header's POST) stops this event only.
    site.post(&unsubscribe, "List-Unsubscribe=One-Click").await;
    assert_eq!(
        site.store
            .suppression("ann@example.com")
            .await
            .expect("read"),
        None
    );

    let reply = site.post(&unsubscribe, "scope=everything").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply
            .body
            .contains("You will get no more email from Rollcall"),
        "{}",
        reply.body
    );
    let listed = site
        .store
        .suppression("ann@example.com")
        .await
        .expect("read")
        .expect("suppressed for every event");
    assert_eq!(
        listed.reason,
        rollcall_core::suppression::SuppressionReason::Unsubscribed
    );
}

#[tokio::test]
async fn one_click_unsubscribe_works_without_a_form_token_or_origin() {
    let (site, page, unsubscribe) = site_with_invitee().await;
    let confirm = site.get(&unsubscribe).await;
    assert!(
        confirm
            .body
            .contains("Stop emails about <span dir=\"auto\">Spring party</span>?"),
        "{}",
        confirm.body
    );
    assert!(confirm.body.contains("method=\"post\""));

    let reply = site.post(&unsubscribe, "List-Unsubscribe=One-Click").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply
            .body
            .contains("You will get no more email about this event")
    );
    let id = site
        .tokens
        .verify(Purpose::Unsubscribe, unsubscribe.trim_start_matches("/u/"))
        .expect("token");
    let invitee = site.invitee(&id).await;
    assert_eq!(invitee.status.value("reachability"), Some("unsubscribed"));
    assert_eq!(
        invitee.status.value("response"),
        Some("accepted"),
        "the answer stays"
    );

    let again = site.post(&unsubscribe, "List-Unsubscribe=One-Click").await;
    assert_eq!(again.status, StatusCode::OK, "a repeated one-click is fine");
    assert!(
        site.get(&unsubscribe)
            .await
            .body
            .contains("You already get no email")
    );
    assert!(
        site.get(&page)
            .await
            .body
            .contains("You get no more email about this event")
    );

    // Some providers send multipart; the body is not needed at all.
    let multipart = Request::builder()
        .method(Method::POST)
        .uri(&unsubscribe)
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
        .body(Body::from("--x\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--x--\r\n"))
        .expect("request");
    assert_eq!(site.call(multipart).await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_unsubscribed_invitee_asks_for_mail_again_on_their_own_page() {
    let (site, page, unsubscribe) = site_with_invitee().await;
    site.post(&unsubscribe, "scope=everything").await;
    let html = site.get(&page).await.body;
    assert!(html.contains("for any event"), "{html}");
    assert!(html.contains("Email me about this event again"), "{html}");
    let action = format!("{page}/resubscribe");
    assert!(html.contains(&format!("action=\"{action}\"")), "{html}");
    let token = hidden_token(&html);
    let back = site.post(&action, &form(&[("form_token", &token)])).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    let id = site
        .tokens
        .verify(Purpose::Page, page.trim_start_matches("/r/"))
        .expect("token");
    assert_eq!(
        site.invitee(&id).await.status.value("reachability"),
        Some("ok")
    );
    assert_eq!(
        site.store
            .suppression("ann@example.com")
            .await
            .expect("read"),
        None
    );
    let html = site.get(&page).await.body;
    assert!(!html.contains("Email me about this event again"), "{html}");
    assert!(
        html.contains("asked for email again"),
        "the history says so: {html}"
    );
    // The same button pressed again (its nonce) is the same fact.
    site.post(&action, &form(&[("form_token", &token)])).await;
    let history = site.store.signals_of(&id).await.expect("history");
    let resubscribes = history
        .iter()
        .filter(|r| r.signal.kind == rollcall_core::status::SignalKind::Resubscribed)
        .count();
    assert_eq!(resubscribes, 1);
}

#[tokio::test]
async fn a_wrong_token_is_404() {
    let (site, page, unsubscribe) = site_with_invitee().await;
    let page_token = page.trim_start_matches("/r/").to_string();
    let unsubscribe_token = unsubscribe.trim_start_matches("/u/").to_string();
    let mut flipped = page_token.clone().into_bytes();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == b'a' { b'b' } else { b'a' };
    let flipped = String::from_utf8(flipped).expect("ascii");
    let before = site.snapshot().await;
    for path in [
        format!("/r/{flipped}"),
        format!("/r/{unsubscribe_token}"),
        format!("/u/{page_token}"),
        "/r/nonsense".to_string(),
        "/u/".to_string() + &"a".repeat(42),
    ] {
        assert_eq!(
            site.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
        let post = site.post(&path, "answer=no&form_token=x").await;
        assert_eq!(post.status, StatusCode::NOT_FOUND, "POST {path}");
        assert_eq!(post.header(header::REFERRER_POLICY), "no-referrer");
    }
    assert_eq!(site.snapshot().await, before);
}

#[tokio::test]
async fn token_pages_send_no_referrer_and_are_never_stored() {
    let (site, page, unsubscribe) = site_with_invitee().await;
    for reply in [
        site.get(&page).await,
        site.get(&unsubscribe).await,
        site.post(&unsubscribe, "List-Unsubscribe=One-Click").await,
    ] {
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header(header::REFERRER_POLICY), "no-referrer");
        assert_eq!(reply.header(header::CACHE_CONTROL), "no-store");
        assert!(
            reply
                .header(header::CONTENT_SECURITY_POLICY)
                .contains("frame-ancestors 'none'")
        );
        assert!(reply.body.contains("noindex"));
    }
    let event = site.get(&site.event_page()).await;
    assert_eq!(
        event.header(header::REFERRER_POLICY),
        "strict-origin-when-cross-origin"
    );
}

#[tokio::test]
async fn a_cancelled_event_takes_no_answer_changes() {
    use rollcall_core::event::EventState;
    let (site, page, _) = site_with_invitee().await;
    let html = site.get(&page).await.body;
    let token = hidden_token(&html);
    change_event(&site, |event| event.state = EventState::Cancelled).await;
    let reply = site
        .post(&page, &form(&[("answer", "no"), ("form_token", &token)]))
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let html = site.get(&page).await.body;
    assert!(html.contains("This event has been cancelled"));
    assert!(!html.contains("Change your answer"));
    assert!(
        html.contains("The organizer cancelled this event. You had said yes."),
        "{html}"
    );
    assert!(!html.contains("changed the time"), "{html}");
}

#[tokio::test]
async fn a_past_event_takes_no_answer_changes() {
    use rollcall_core::ical::TimeValue;
    let (site, page, _) = site_with_invitee().await;
    let html = site.get(&page).await.body;
    let token = hidden_token(&html);
    // The organizer's calendar moves the event into the past (an old event, re-sent).
    let at = |hour: u32| TimeValue::Zoned {
        utc: chrono::DateTime::parse_from_rfc3339(&format!("2020-03-05T{hour}:00:00Z"))
            .expect("a time")
            .to_utc(),
        local: chrono::NaiveDate::from_ymd_opt(2020, 3, 5)
            .and_then(|d| d.and_hms_opt(hour + 1, 0, 0))
            .expect("a time"),
        tzid: "Europe/Berlin".into(),
        source_tzid: None,
    };
    change_event(&site, |event| {
        event.details.start = Some(at(17));
        event.details.end = Some(at(20));
    })
    .await;
    let reply = site
        .post(&page, &form(&[("answer", "no"), ("form_token", &token)]))
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.body.contains("This event is over"), "{}", reply.body);
    let html = site.get(&page).await.body;
    assert!(html.contains("This event is over"), "{html}");
    assert!(!html.contains("Change your answer"), "{html}");
    assert!(
        html.contains("This event is over. You had said yes."),
        "{html}"
    );
}

#[tokio::test]
async fn the_page_remembers_the_answer_given_before_the_time_changed_and_a_proposal() {
    use rollcall_core::ports::{Commit, EventStore, InviteeWrite};
    use rollcall_core::status::{Channel, Provenance, Signal, SignalKind};
    let (site, page, _) = site_with_invitee().await;
    let id = site
        .tokens
        .verify(Purpose::Page, page.trim_start_matches("/r/"))
        .expect("token");
    let mut invitee = site.invitee(&id).await;
    let later = chrono::Utc::now() + chrono::Duration::seconds(5);
    let signal = |key: &str, kind: SignalKind| Signal {
        dedupe_key: key.to_string(),
        kind,
        occurred_at: later,
        received_at: later,
        channel: Channel::CalendarReply,
        provenance: Provenance::default(),
        comment: None,
    };
    let counter = SignalKind::Counter {
        proposed_start: Some("2037-03-06T17:00:00Z".into()),
        proposed_end: Some("2037-03-06T20:00:00Z".into()),
        comment: Some("Friday suits me \u{202E}better".into()),
    };
    let mut reconfirm = signal("reconfirm:1", SignalKind::Reconfirm);
    reconfirm.channel = Channel::OrganizerList;
    let tracked =
        rollcall_core::tracking::track(&mut invitee, vec![reconfirm, signal("counter:1", counter)]);
    let expected = invitee.version;
    invitee.version += 1;
    site.store
        .commit(&Commit {
            invitees: vec![InviteeWrite {
                invitee,
                expected_version: Some(expected),
            }],
            signals: tracked.records,
            counters: tracked.counters,
            ..Default::default()
        })
        .await
        .expect("committed");

    let html = common::unescape(&site.get(&page).await.body);
    assert!(
        html.contains("The organizer changed the time. Please answer again."),
        "{html}"
    );
    assert!(
        html.contains("You had said yes before the time changed."),
        "{html}"
    );
    assert!(
        html.contains(
            "You proposed another time: from 2037-03-06T17:00:00Z to 2037-03-06T20:00:00Z."
        )
    );
    assert!(html.contains("Friday suits me better"), "{html}");
    assert!(
        html.contains("the organizer changed the time"),
        "history row"
    );
    assert!(html.contains("proposed another time"));
    assert!(!html.contains("aria-current"), "no answer is current now");

    // Then the organizer cancels: the page no longer asks for an answer.
    change_event(&site, |event| {
        event.state = rollcall_core::event::EventState::Cancelled;
    })
    .await;
    let html = common::unescape(&site.get(&page).await.body);
    assert!(
        html.contains("The organizer cancelled this event."),
        "{html}"
    );
    assert!(!html.contains("Please answer again"), "{html}");
}
