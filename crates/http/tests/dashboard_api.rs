//! The dashboard's sign-in, authorization and API over the real router: links that work
//! once, cookies, CSRF, one organizer never seeing another's data, exports, the app files.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{Duration, Utc};
use common::{Reply, Site, form, site};
use rollcall_core::event::EventId;
use rollcall_core::notice::Notice;
use rollcall_core::ports::{
    Commit, ComposedMail, EventStore, EventWrite, InviteeStore, OutboxStore,
};
use rollcall_core::usecase::access::{MAX_LIVE_SIGN_IN_LINKS, mint_sign_in_link};
use rollcall_core::usecase::deliver::{DeliverySettings, Outlets, deliver_due};
use rollcall_http::{AppState, HttpSettings, WebAssets, router};
use rollcall_testkit::{PlainComposer, RecordingMailer, SequentialIds};
use serde_json::Value;

const OLGA: &str = "olga@example.org";

/// The hidden form token of the page's form.
fn form_token(html: &str) -> String {
    let start = html
        .find("name=\"form_token\" value=\"")
        .expect("a form token")
        + 25;
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Signs `email` in through a fresh link; the session cookie's `name=value`.
async fn signed_in(site: &Site, email: &str) -> String {
    let link = mint_sign_in_link(
        site.store.as_ref(),
        email,
        Duration::minutes(15),
        Utc::now(),
    )
    .await
    .expect("link");
    let page = site.get(&format!("/o/{}", link.token)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let posted = site
        .post(
            &format!("/o/{}", link.token),
            &form(&[("form_token", &form_token(&page.body))]),
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let cookie = posted.header(header::SET_COOKIE).to_string();
    cookie.split(';').next().unwrap_or_default().to_string()
}

async fn api(site: &Site, method: Method, uri: &str, cookie: &str, body: Option<&str>) -> Reply {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, cookie);
    if body.is_some() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    let request = builder
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .expect("request");
    site.call(request).await
}

async fn session(site: &Site, cookie: &str) -> Value {
    let reply = api(site, Method::GET, "/api/v1/session", cookie, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("json")
}

/// The JSON body of a GET made with `cookie`.
async fn get_json(site: &Site, uri: &str, cookie: &str) -> Value {
    let reply = api(site, Method::GET, uri, cookie, None).await;
    serde_json::from_str(&reply.body).expect("json")
}

/// A write with the session's CSRF token, as the app sends it.
async fn write(site: &Site, method: Method, uri: &str, cookie: &str, body: &str) -> Reply {
    let csrf = session(site, cookie).await["csrf_token"]
        .as_str()
        .expect("csrf")
        .to_string();
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-csrf-token", csrf)
        .header(header::ORIGIN, common::BASE_URL)
        .body(Body::from(body.to_string()))
        .expect("request");
    site.call(request).await
}

/// Another organizer's event in the same store.
async fn bobs_event(site: &Site) -> EventId {
    let mut event = site
        .store
        .event(&site.event)
        .await
        .expect("read")
        .expect("event");
    event.id = EventId::parse("BBBBBBBBBBBB").expect("id");
    event.organizer_email = "bob@example.net".into();
    event.uid = "bobs@example.net".into();
    let commit = Commit {
        events: vec![EventWrite {
            event: event.clone(),
            expected_version: None,
        }],
        ..Commit::default()
    };
    site.store.commit(&commit).await.expect("stored");
    event.id
}

#[tokio::test]
async fn a_link_signs_in_once_with_a_host_only_secure_cookie() {
    let site = site().await;
    let link = mint_sign_in_link(site.store.as_ref(), OLGA, Duration::minutes(15), Utc::now())
        .await
        .expect("link");
    let uri = format!("/o/{}", link.token);
    let page = site.get(&uri).await;
    assert!(
        page.body.contains("Continue to your dashboard"),
        "{}",
        page.body
    );
    assert_eq!(page.header(header::REFERRER_POLICY), "no-referrer");
    // Opening the link (twice, as scanners do) uses nothing up.
    let page = site.get(&uri).await;
    let token = form_token(&page.body);
    let posted = site.post(&uri, &form(&[("form_token", &token)])).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    assert_eq!(posted.location(), "/app/");
    let cookie = posted.header(header::SET_COOKIE);
    for part in [
        "__Host-rollcall_session=",
        "Path=/",
        "HttpOnly",
        "SameSite=Lax",
        "Secure",
    ] {
        assert!(cookie.contains(part), "{part} in {cookie}");
    }
    let cookie = cookie.split(';').next().unwrap_or_default().to_string();
    assert_eq!(session(&site, &cookie).await["organizer"], OLGA);

    let again = site.post(&uri, &form(&[("form_token", &token)])).await;
    assert_eq!(again.status, StatusCode::GONE, "a used link fails cleanly");
    assert!(again.body.contains("no longer works"), "{}", again.body);
    assert!(
        again.body.contains(&format!("action=\"{uri}/renew\"")),
        "and offers one button for a new one: {}",
        again.body
    );
    assert!(
        !again.body.contains(OLGA),
        "without showing whom it was for"
    );
}

/// The sign-in requests (jobs) waiting in the outbox for `address`.
async fn sign_in_requests(site: &Site, address: &str) -> usize {
    site.store
        .due_outbox(Utc::now() + Duration::days(1), 100)
        .await
        .expect("outbox")
        .iter()
        .filter(|due| {
            matches!(due.message.notice, Notice::SignInRequest { .. })
                && due.message.to.email == address
        })
        .count()
}

#[tokio::test]
async fn an_old_acknowledgements_link_mails_a_fresh_one_in_one_click() {
    let site = site().await;
    let now = Utc::now();
    // Yesterday's link, used then; today's, never used, expired.
    let used = mint_sign_in_link(site.store.as_ref(), OLGA, Duration::minutes(15), now)
        .await
        .expect("link");
    let uri = format!("/o/{}", used.token);
    let page = site.get(&uri).await;
    let posted = site
        .post(&uri, &form(&[("form_token", &form_token(&page.body))]))
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    let expired = mint_sign_in_link(
        site.store.as_ref(),
        OLGA,
        Duration::minutes(15),
        now - Duration::hours(2),
    )
    .await
    .expect("link");

    for old in [&used.token, &expired.token] {
        let uri = format!("/o/{old}");
        let page = site.get(&uri).await;
        assert_eq!(page.status, StatusCode::GONE);
        assert!(
            page.body.contains("Email me a new sign-in link"),
            "{}",
            page.body
        );
        let before = sign_in_requests(&site, OLGA).await;
        let token = form_token(&page.body);
        let renewed = site
            .post(&format!("{uri}/renew"), &form(&[("form_token", &token)]))
            .await;
        assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
        assert!(
            renewed.body.contains("Check your email"),
            "{}",
            renewed.body
        );
        assert_eq!(
            sign_in_requests(&site, OLGA).await,
            before + 1,
            "a link is requested for the address the old one was for"
        );
        // The old link still lets nobody in.
        let again = site.post(&uri, &form(&[("form_token", &token)])).await;
        assert_ne!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
        assert!(again.header(header::SET_COOKIE).is_empty());
        let taken = rollcall_core::usecase::access::sign_in(
            site.store.as_ref(),
            old,
            &rollcall_core::usecase::access::AccessSettings::default(),
            Utc::now(),
        )
        .await;
        assert!(taken.is_err(), "{taken:?}");
    }

    // A token Rollcall never made offers the address form, and its renew button does nothing.
    let page = site.get("/o/never-made-this-one").await;
    assert!(page.body.contains("action=\"/signin\""), "{}", page.body);
    assert!(!page.body.contains("/renew"), "{}", page.body);
}

#[tokio::test]
async fn expired_and_unknown_links_and_forged_cookies_get_nowhere() {
    let site = site().await;
    let past = Utc::now() - Duration::hours(1);
    let old = mint_sign_in_link(site.store.as_ref(), OLGA, Duration::minutes(15), past)
        .await
        .expect("link");
    let page = site.get(&format!("/o/{}", old.token)).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains("expired"), "{}", page.body);
    assert_eq!(
        site.get("/o/not-a-real-token").await.status,
        StatusCode::GONE
    );

    let forged = api(
        &site,
        Method::GET,
        "/api/v1/events",
        "__Host-rollcall_session=abcdefghijklmnopqrstuvwxyz234567",
        None,
    )
    .await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    let body: Value = serde_json::from_str(&forged.body).expect("json");
    assert_eq!(body["error"], "signed-out");
    let request = Request::builder()
        .uri("/api/v1/events")
        .header(header::AUTHORIZATION, "Bearer rc_forgedforgedforged")
        .body(Body::empty())
        .expect("request");
    assert_eq!(site.call(request).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn one_organizer_never_sees_anothers_event_invitees_timeline_or_export() {
    let site = site().await;
    let bob_event = bobs_event(&site).await;
    // Bob's event gets an invitee through its public form.
    let page = site.get(&format!("/e/{bob_event}")).await;
    let rsvp = site
        .post(
            &format!("/e/{bob_event}/rsvp"),
            &form(&[
                ("form_token", &form_token(&page.body)),
                ("name", "Ann"),
                ("email", "ann@example.org"),
                ("answer", "yes"),
            ]),
        )
        .await;
    assert_eq!(rsvp.status, StatusCode::OK, "{}", rsvp.body);
    let ann = site
        .store
        .invitees_of(&bob_event, None, 10)
        .await
        .expect("read")
        .remove(0);

    let olga = signed_in(&site, OLGA).await;
    let listed = get_json(&site, "/api/v1/events", &olga).await;
    let ids: Vec<&str> = listed["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert_eq!(ids, [site.event.as_str()], "only hers");
    for uri in [
        format!("/api/v1/events/{bob_event}"),
        format!("/api/v1/events/{bob_event}/report"),
        format!("/api/v1/events/{bob_event}/series"),
        format!("/api/v1/events/{bob_event}/invitees"),
        format!("/api/v1/events/{bob_event}/invitees/{}/timeline", ann.id),
        format!("/api/v1/events/{bob_event}/export/invitees.csv"),
        format!("/api/v1/events/{bob_event}/export/signals.json"),
        // Her own event, with his invitee's id: still nothing.
        format!("/api/v1/events/{}/invitees/{}/timeline", site.event, ann.id),
    ] {
        let reply = api(&site, Method::GET, &uri, &olga, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}: {}", reply.body);
        assert!(!reply.body.contains("ann@example.org"), "{uri}");
    }
    let added = write(
        &site,
        Method::POST,
        &format!("/api/v1/events/{bob_event}/invitees"),
        &olga,
        r#"{"text": "eve@example.com"}"#,
    )
    .await;
    assert_eq!(added.status, StatusCode::NOT_FOUND);

    // Bob himself sees it all.
    let bob = signed_in(&site, "bob@example.net").await;
    let timeline = api(
        &site,
        Method::GET,
        &format!("/api/v1/events/{bob_event}/invitees/{}/timeline", ann.id),
        &bob,
        None,
    )
    .await;
    assert_eq!(timeline.status, StatusCode::OK, "{}", timeline.body);
    assert!(
        timeline.body.contains("\"channel\":\"web\""),
        "{}",
        timeline.body
    );
    assert!(
        timeline.body.contains("\"suppression\":null"),
        "{}",
        timeline.body
    );

    // Once the address bounced at any event, the timeline says Rollcall mails it no more.
    let bounced = rollcall_core::ports::Commit {
        suppressions: vec![rollcall_core::suppression::Suppression {
            address: "ann@example.org".into(),
            reason: rollcall_core::suppression::SuppressionReason::Bounced,
            since: Utc::now(),
            event_id: Some(site.event.clone()),
            detail: Some("permanent failure 5.1.1".into()),
        }],
        ..Default::default()
    };
    site.store.commit(&bounced).await.expect("committed");
    let uri = format!("/api/v1/events/{bob_event}/invitees/{}/timeline", ann.id);
    let timeline = get_json(&site, &uri, &bob).await;
    assert_eq!(timeline["suppression"]["reason"], "bounced", "{timeline}");
    assert!(
        timeline["suppression"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("5.1.1")),
        "{timeline}"
    );
}

#[tokio::test]
async fn cookie_writes_need_the_csrf_token_and_our_origin() {
    let site = site().await;
    let olga = signed_in(&site, OLGA).await;
    let bare = api(
        &site,
        Method::POST,
        "/api/v1/tokens",
        &olga,
        Some(r#"{"label": "x"}"#),
    )
    .await;
    assert_eq!(bare.status, StatusCode::FORBIDDEN);
    assert!(bare.body.contains("\"csrf\""), "{}", bare.body);

    let csrf = session(&site, &olga).await["csrf_token"]
        .as_str()
        .expect("csrf")
        .to_string();
    let elsewhere = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/tokens")
        .header(header::COOKIE, &olga)
        .header("x-csrf-token", &csrf)
        .header(header::ORIGIN, "https://evil.example")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"label": "x"}"#))
        .expect("request");
    assert_eq!(site.call(elsewhere).await.status, StatusCode::FORBIDDEN);

    let created = write(
        &site,
        Method::POST,
        "/api/v1/tokens",
        &olga,
        r#"{"label": "CRM sync"}"#,
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let created: Value = serde_json::from_str(&created.body).expect("json");
    let token = created["token"].as_str().expect("shown once").to_string();

    // The token reads as her, needs no CSRF token, but cannot make more tokens.
    let bearer = |method: Method, uri: &str, body: &str| {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request")
    };
    let listed = site.call(bearer(Method::GET, "/api/v1/tokens", "")).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(listed.body.contains("CRM sync") && !listed.body.contains(&token));
    let more = site
        .call(bearer(Method::POST, "/api/v1/tokens", r#"{"label": "y"}"#))
        .await;
    assert_eq!(more.status, StatusCode::FORBIDDEN);

    let id = created["id"].as_str().expect("id");
    let revoked = write(
        &site,
        Method::DELETE,
        &format!("/api/v1/tokens/{id}"),
        &olga,
        "",
    )
    .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let after = site.call(bearer(Method::GET, "/api/v1/tokens", "")).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);

    let out = write(&site, Method::DELETE, "/api/v1/session", &olga, "").await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.header(header::SET_COOKIE).contains("Max-Age=0"));
    let gone = api(&site, Method::GET, "/api/v1/session", &olga, None).await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn reports_exports_and_added_invitees_follow_the_answers() {
    let site = site().await;
    for (name, email, answer) in [
        ("=HYPERLINK(\"http://evil\")", "ann@example.org", "yes"),
        ("Bob", "bob@example.net", "no"),
    ] {
        let reply = site.rsvp(name, email, answer).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let olga = signed_in(&site, OLGA).await;
    let event = site.event.as_str();
    let report = get_json(&site, &format!("/api/v1/events/{event}/report"), &olga).await;
    assert_eq!(report["counts"]["response"]["accepted"], 1);
    assert_eq!(report["counts"]["response"]["declined"], 1);
    assert_eq!(report["funnel"][0]["count"], 2);
    assert_eq!(report["funnel"][4]["count"], 2, "both answered");
    assert_eq!(report["by_channel"][0]["channel"], "web");
    assert_eq!(
        report["by_channel"][0]["count"], 2,
        "now: both answers stand"
    );
    assert_eq!(report["activity"]["answers"], 2);
    assert!(
        report["event"]["embed_html"]
            .as_str()
            .unwrap_or_default()
            .contains("/e/")
    );

    let series = get_json(
        &site,
        &format!("/api/v1/events/{event}/series?granularity=day&tz=Europe/Paris&compare=previous"),
        &olga,
    )
    .await;
    let buckets = series["buckets"].as_array().expect("buckets");
    assert_eq!(buckets.len(), 30);
    assert_eq!(series["previous"].as_array().map(Vec::len), Some(30));
    assert_eq!(
        buckets[29]["counts"]["accepted"], 1,
        "today's bucket: {series}"
    );
    // Two new guests are no "needs-action" activity: the response series charts answers.
    assert!(
        buckets[29]["counts"].get("needs-action").is_none(),
        "{series}"
    );
    assert!(
        !series["values"]
            .as_array()
            .is_some_and(|v| v.iter().any(|v| v == "needs-action")),
        "{series}"
    );
    let bad = api(
        &site,
        Method::GET,
        &format!("/api/v1/events/{event}/series?granularity=hour&from=2020-01-01"),
        &olga,
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "too many buckets");

    let filtered = get_json(
        &site,
        &format!("/api/v1/events/{event}/invitees?response=declined"),
        &olga,
    )
    .await;
    assert_eq!(filtered["total"], 1);
    assert_eq!(filtered["invitees"][0]["email"], "bob@example.net");

    let csv = api(
        &site,
        Method::GET,
        &format!("/api/v1/events/{event}/export/invitees.csv"),
        &olga,
        None,
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header(header::CONTENT_TYPE).starts_with("text/csv"));
    assert!(
        csv.body.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{}",
        csv.body
    );
    assert!(csv.body.contains("bob@example.net"));
    let json = api(
        &site,
        Method::GET,
        &format!("/api/v1/events/{event}/export/signals.json"),
        &olga,
        None,
    )
    .await;
    let signals: Value = serde_json::from_str(&json.body).expect("a JSON array");
    assert!(
        signals.as_array().is_some_and(|s| s.len() >= 4),
        "{signals}"
    );

    let added = write(
        &site,
        Method::POST,
        &format!("/api/v1/events/{event}/invitees"),
        &olga,
        r#"{"text": "Cy <cy@example.com>\nnot-an-address\nann@example.org"}"#,
    )
    .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let added: Value = serde_json::from_str(&added.body).expect("json");
    let results: Vec<&str> = added["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["result"].as_str())
        .collect();
    assert_eq!(results, ["added", "invalid-address", "already-invited"]);
}

/// The results of adding `text` to the site's event, or the refusal.
async fn add_list(site: &Site, cookie: &str, text: &str) -> Reply {
    let body = serde_json::json!({ "text": text }).to_string();
    let uri = format!("/api/v1/events/{}/invitees", site.event);
    write(site, Method::POST, &uri, cookie, &body).await
}

fn added_lines(reply: &Reply) -> Vec<(String, String, Option<String>)> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let added: Value = serde_json::from_str(&reply.body).expect("json");
    added["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["result"].as_str().unwrap_or_default().to_string(),
                r["email"].as_str().unwrap_or_default().to_string(),
                r["name"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_thousand_line_paste_and_real_contacts_exports_are_added() {
    let site = site().await;
    let olga = signed_in(&site, OLGA).await;
    // 1,000 lines, each with a quoted name holding a comma: over the 16 KB of other requests.
    let long: String = (0..1_000)
        .map(|i| format!("\"Guest, Number {i}\",guest{i}@example.org\n"))
        .collect();
    assert!(long.len() > 16 * 1024);
    let lines = added_lines(&add_list(&site, &olga, &long).await);
    assert_eq!(lines.len(), 1_000);
    assert!(
        lines.iter().all(|(result, ..)| result == "added"),
        "{lines:?}"
    );
    assert_eq!(
        lines[7],
        (
            "added".into(),
            "guest7@example.org".into(),
            Some("Guest, Number 7".into())
        )
    );
    let too_many = format!("{long}one-more@example.org\n");
    let refused = add_list(&site, &olga, &too_many).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);

    let outlook = "\u{feff}\"First Name\",\"Middle Name\",\"Last Name\",\"E-mail Address\",\
                   \"E-mail Display Name\",\"Notes\"\r\n\
                   \"John\",\"\",\"Doe\",\"john.doe@example.com\",\"John Doe (john.doe@example.com)\",\
                   \"Met at the fair,\r\nlikes tea\"\r\n";
    assert_eq!(
        added_lines(&add_list(&site, &olga, outlook).await),
        [(
            "added".into(),
            "john.doe@example.com".into(),
            Some("John Doe".into())
        )]
    );
    let google = "First Name,Middle Name,Last Name,Labels,E-mail 1 - Label,E-mail 1 - Value\n\
                  Ann,,Example,* myContacts,* Work,ann@acme.example\n";
    assert_eq!(
        added_lines(&add_list(&site, &olga, google).await),
        [(
            "added".into(),
            "ann@acme.example".into(),
            Some("Ann Example".into())
        )]
    );
    // Beyond the list limit the route refuses the body before reading it.
    let huge = "x".repeat(2 * 1024 * 1024 + 8192);
    let refused = add_list(&site, &olga, &huge).await;
    assert_eq!(
        refused.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn asking_for_a_link_answers_the_same_and_is_limited_per_address() {
    let site = site().await;
    let page = site.get("/signin").await;
    let token = form_token(&page.body);
    let known = site
        .post("/signin", &form(&[("form_token", &token), ("email", OLGA)]))
        .await;
    let unknown = site
        .post(
            "/signin",
            &form(&[("form_token", &token), ("email", "nobody@example.org")]),
        )
        .await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(
        known.body.replace(OLGA, "X"),
        unknown
            .body
            .replace("nobody@example.org", "X")
            .replace(&form_token(&unknown.body), &form_token(&known.body)),
        "the same page whether or not the address has events"
    );
    // The same work for both: one queued request each, nothing looked up yet.
    let queued = site
        .store
        .due_outbox(Utc::now() + Duration::hours(1), 10)
        .await
        .expect("due");
    let jobs: Vec<_> = queued
        .iter()
        .map(|d| (d.message.to.email.as_str(), &d.message.notice))
        .collect();
    let request = Notice::SignInRequest { domain_admin: None };
    assert_eq!(
        jobs,
        [(OLGA, &request), ("nobody@example.org", &request)],
        "one request job per address, organizer or not"
    );
    let mailer = RecordingMailer::new();
    deliver(&site, &mailer).await;
    let to: Vec<String> = mailer.sent().iter().map(|m| m.to.clone()).collect();
    assert_eq!(to, [OLGA], "the sender mails the organizer only");
    for _ in 0..2 {
        site.post("/signin", &form(&[("form_token", &token), ("email", OLGA)]))
            .await;
    }
    let limited = site
        .post("/signin", &form(&[("form_token", &token), ("email", OLGA)]))
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
}

/// Works off the outbox as the sender would, mailing through `mailer`.
async fn deliver(site: &Site, mailer: &RecordingMailer) {
    deliver_due(
        site.store.as_ref(),
        &SequentialIds::new(),
        &Outlets::mail(&PlainComposer, mailer),
        &DeliverySettings::default(),
        Utc::now(),
    )
    .await
    .expect("deliver");
}

/// The sign-in link (`/o/<token>`) of a mail [`PlainComposer`] wrote.
fn link_of(mail: &ComposedMail) -> String {
    let raw = String::from_utf8_lossy(&mail.raw).to_string();
    let token = raw
        .split("/o/")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a sign-in link in the mail");
    format!("/o/{token}")
}

#[tokio::test]
async fn a_flood_of_link_requests_cannot_lock_the_organizer_out() {
    let site = site().await;
    let token = form_token(&site.get("/signin").await.body);
    let ask = async |client: [u8; 4]| {
        let body = form(&[("form_token", &token), ("email", OLGA)]);
        site.call(common::post_from(client, "/signin", &body)).await
    };
    assert_eq!(ask([192, 0, 2, 1]).await.status, StatusCode::OK);
    let mailer = RecordingMailer::new();
    deliver(&site, &mailer).await;
    let hers = link_of(&mailer.sent()[0]);
    // Someone else asks for links in her name, as fast as the limits let them.
    for _ in 0..20 {
        let reply = ask([203, 0, 113, 66]).await;
        assert!(
            [StatusCode::OK, StatusCode::TOO_MANY_REQUESTS].contains(&reply.status),
            "{}",
            reply.status
        );
        deliver(&site, &mailer).await;
    }
    assert!(
        mailer.sent().len() <= MAX_LIVE_SIGN_IN_LINKS,
        "a few links at most: {}",
        mailer.sent().len()
    );
    let page = site.get(&hers).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let posted = site
        .post(&hers, &form(&[("form_token", &form_token(&page.body))]))
        .await;
    assert_eq!(
        posted.status,
        StatusCode::SEE_OTHER,
        "the link she asked for still signs her in: {}",
        posted.body
    );
    for other in &mailer.sent()[1..] {
        let gone = site.get(&link_of(other)).await;
        assert_eq!(gone.status, StatusCode::GONE, "signing in ended the others");
    }
}

#[tokio::test]
async fn the_app_is_served_with_fingerprint_caching_and_route_fallback() {
    let dir = std::env::temp_dir().join(format!("rollcall-web-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("assets")).expect("dir");
    std::fs::write(dir.join("index.html"), "<!doctype html><title>app</title>").expect("write");
    std::fs::write(dir.join("assets/index-abc123.js"), "console.log(1)").expect("write");
    let site = site().await;
    let state = AppState::new(
        site.store.clone(),
        std::sync::Arc::new(rollcall_testkit::SequentialIds::new()),
        site.tokens.clone(),
        HttpSettings {
            base_url: common::BASE_URL.into(),
            domain: "rollcall.test".into(),
        },
    );
    let app = router(state.clone().with_web(WebAssets::Folder(dir.clone())));
    let with_app = Site { app, ..site };
    let index = with_app.get("/app/").await;
    assert_eq!(index.status, StatusCode::OK);
    assert_eq!(index.header(header::CACHE_CONTROL), "no-cache");
    assert!(
        index
            .header(header::CONTENT_SECURITY_POLICY)
            .contains("connect-src 'self'")
    );
    let asset = with_app.get("/app/assets/index-abc123.js").await;
    assert_eq!(
        asset.header(header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert!(
        asset
            .header(header::CONTENT_TYPE)
            .starts_with("text/javascript")
    );
    let route = with_app.get("/app/events/abc/invitees").await;
    assert_eq!(
        (route.status, route.body.as_str()),
        (StatusCode::OK, index.body.as_str())
    );
    assert_eq!(
        with_app.get("/app/assets/missing.js").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        with_app.get("/app/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );

    let empty = std::env::temp_dir().join(format!("rollcall-web-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("dir");
    let unbuilt = Site {
        app: router(state.with_web(WebAssets::Folder(empty.clone()))),
        ..with_app
    };
    let page = unbuilt.get("/app/").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.body.contains("npm run build"), "{}", page.body);
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(empty);
}

#[tokio::test]
async fn every_route_in_the_openapi_document_exists_and_asks_for_a_session() {
    let site = site().await;
    let document = site.get("/api/openapi.json").await;
    assert_eq!(document.status, StatusCode::OK);
    let document: Value = serde_json::from_str(&document.body).expect("JSON");
    assert_eq!(document["servers"][0]["url"], common::BASE_URL);
    let paths = document["paths"].as_object().expect("paths");
    assert!(paths.len() >= 10, "{paths:?}");
    for (path, operations) in paths {
        let uri = path
            .replace("{event_id}", site.event.as_str())
            .replace("{invitee_id}", "aaaaaaaaaaaaaaaa")
            .replace("{file}", "invitees.csv")
            .replace("{token_id}", "abc");
        for method in operations.as_object().expect("operations").keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let reply = api(&site, method.clone(), &uri, "", Some("{}")).await;
            let expected = if path == "/api/v1/session/link" {
                StatusCode::BAD_REQUEST // needs no session: the body lacks `email`
            } else {
                StatusCode::UNAUTHORIZED
            };
            assert_eq!(reply.status, expected, "{method} {uri}: {}", reply.body);
        }
    }
    let docs = site.get("/api/docs").await;
    assert!(
        docs.body.contains("/api/v1/events/{event_id}/series"),
        "{}",
        docs.body
    );
}

#[tokio::test]
async fn the_report_counters_have_time_series_too() {
    let site = site().await;
    for (email, answer) in [("ann@example.org", "yes"), ("bo@example.net", "no")] {
        let reply = site.rsvp("", email, answer).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let olga = signed_in(&site, OLGA).await;
    let uri = format!(
        "/api/v1/events/{}/series?track=answers-by-domain&granularity=month",
        site.event
    );
    let series = api(&site, Method::GET, &uri, &olga, None).await;
    assert_eq!(series.status, StatusCode::OK, "{}", series.body);
    let series: Value = serde_json::from_str(&series.body).expect("json");
    assert_eq!(
        series["values"],
        serde_json::json!(["example.net", "example.org"])
    );
    let last = series["buckets"]
        .as_array()
        .and_then(|b| b.last())
        .expect("a bucket");
    assert_eq!(last["counts"]["example.org"], 1, "{series}");
    let unknown = format!("/api/v1/events/{}/series?track=secrets", site.event);
    assert_eq!(
        api(&site, Method::GET, &unknown, &olga, None).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn counter_proposals_are_counted_listed_and_filtered() {
    use rollcall_core::status::{Channel, Signal, SignalKind};
    let site = site().await;
    for (email, answer) in [("ann@example.org", "yes"), ("bo@example.net", "no")] {
        site.rsvp("", email, answer).await;
    }
    let mut ann = site
        .store
        .invitee_by_email(&site.event, "ann@example.org")
        .await
        .expect("read")
        .expect("Ann");
    let counter = Signal::now(
        "counter:1".into(),
        SignalKind::Counter {
            proposed_start: Some("2037-03-05T18:00:00Z".into()),
            proposed_end: None,
            comment: Some("=later?".into()),
        },
        Channel::CalendarReply,
        Utc::now(),
    );
    let expected = ann.version;
    let tracked = rollcall_core::tracking::track(&mut ann, vec![counter]);
    let commit = tracked
        .into_commit_reading_event(site.store.as_ref(), ann, expected, Utc::now())
        .await
        .expect("read the event");
    site.store.commit(&commit).await.expect("proposal recorded");

    let olga = signed_in(&site, OLGA).await;
    let event = site.event.as_str();
    let report = get_json(&site, &format!("/api/v1/events/{event}/report"), &olga).await;
    assert_eq!(report["proposals"], 1);
    let proposed = get_json(
        &site,
        &format!("/api/v1/events/{event}/invitees?proposed=true"),
        &olga,
    )
    .await;
    assert_eq!(proposed["total"], 1, "{proposed}");
    let invitee = &proposed["invitees"][0];
    assert_eq!(invitee["email"], "ann@example.org");
    assert_eq!(invitee["proposal"]["start"], "2037-03-05T18:00:00Z");
    assert_eq!(invitee["proposal"]["comment"], "=later?");
    let everyone = get_json(&site, &format!("/api/v1/events/{event}/invitees"), &olga).await;
    assert_eq!(everyone["total"], 2);
}

#[tokio::test]
async fn signing_in_again_replaces_the_session_the_browser_had() {
    let site = site().await;
    let first = signed_in(&site, OLGA).await;
    let link = mint_sign_in_link(site.store.as_ref(), OLGA, Duration::minutes(15), Utc::now())
        .await
        .expect("link");
    let uri = format!("/o/{}", link.token);
    let page = site.get(&uri).await;
    let request = Request::builder()
        .method(Method::POST)
        .uri(&uri)
        .header(header::COOKIE, &first)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form(&[("form_token", &form_token(&page.body))])))
        .expect("request");
    let posted = site.call(request).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    let second = posted
        .header(header::SET_COOKIE)
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string();
    assert_ne!(first, second, "a new id");
    let old = api(&site, Method::GET, "/api/v1/session", &first, None).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED, "the old id is gone");
    assert_eq!(session(&site, &second).await["organizer"], OLGA);
}

#[tokio::test]
async fn the_api_names_a_series_occurrences_with_the_organizers_changes() {
    let times = "DTSTART;TZID=Europe/Berlin:20370303T100000\r\nDTEND;TZID=Europe/Berlin:20370303T103000\r\n\
                 RRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE;TZID=Europe/Berlin:20370310T100000";
    let site = common::site_with(
        &common::ics_with_times("Standup", "Daily-ish", "Room 1", times),
        rollcall_core::event::EventState::Active,
    )
    .await;
    let olga = signed_in(&site, OLGA).await;
    let uri = format!("/api/v1/events/{}/occurrences", site.event);
    let all = get_json(&site, &uri, &olga).await;
    assert_eq!(all["recurring"], true);
    assert_eq!(
        all["repeats"],
        "every Tuesday, 4 times, from Tuesday 3 March 2037"
    );
    let ids: Vec<&str> = all["occurrences"]
        .as_array()
        .expect("occurrences")
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "2037-03-03T09:00:00Z",
            "2037-03-10T09:00:00Z",
            "2037-03-17T09:00:00Z",
            "2037-03-24T09:00:00Z"
        ]
    );
    assert_eq!(all["occurrences"][1]["state"], "cancelled");
    assert_eq!(all["occurrences"][2]["end"], "2037-03-17T09:30:00Z");
    assert_eq!(all["more"], false);

    let page = get_json(
        &site,
        &format!("{uri}?from=2037-03-12T00:00:00Z&limit=1"),
        &olga,
    )
    .await;
    assert_eq!(page["occurrences"][0]["id"], "2037-03-17T09:00:00Z");
    assert_eq!(page["more"], true);
    let bad = api(&site, Method::GET, &format!("{uri}?from=soon"), &olga, None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // Ann says yes to the series and no to 17 March alone; each date counts her answer for it.
    site.rsvp("Ann", "ann@example.org", "yes").await;
    let ann = site.invitee_of("ann@example.org").await;
    rollcall_core::usecase::rsvp::answer_occurrence(
        &ann,
        "2037-03-17T09:00:00Z",
        rollcall_core::status::Answer::Declined,
        "n1",
        site.store.as_ref(),
        chrono::Utc::now(),
    )
    .await
    .expect("answered");
    let all = get_json(&site, &uri, &olga).await;
    assert_eq!(all["occurrences"][0]["answers"]["accepted"], 1, "{all}");
    assert_eq!(all["occurrences"][2]["answers"]["accepted"], 0);
    assert_eq!(all["occurrences"][2]["answers"]["declined"], 1);
    // The response series of that date shows her answer for it; other tracks do not narrow.
    let series = |query: &str| {
        format!(
            "/api/v1/events/{}/series?granularity=year&from=2020-01-01{query}",
            site.event
        )
    };
    let that_day = get_json(&site, &series("&occurrence=2037-03-17T09:00:00Z"), &olga).await;
    assert_eq!(that_day["occurrence"], "2037-03-17T09:00:00Z");
    let entered = |value: &Value, answer: &str| -> i64 {
        value["buckets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["counts"][answer].as_i64())
            .sum()
    };
    assert_eq!(entered(&that_day, "declined"), 1, "{that_day}");
    assert_eq!(
        entered(&get_json(&site, &series(""), &olga).await, "declined"),
        0
    );
    for refused in [
        series("&occurrence=2037-03-18T09:00:00Z"),
        series("&occurrence=2037-03-17T09:00:00Z&track=delivery"),
    ] {
        let reply = api(&site, Method::GET, &refused, &olga, None).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{refused}");
    }

    // A one-off event has none; another organizer's is not found.
    let one_off = common::site().await;
    let olga_too = signed_in(&one_off, OLGA).await;
    let none = get_json(
        &one_off,
        &format!("/api/v1/events/{}/occurrences", one_off.event),
        &olga_too,
    )
    .await;
    assert_eq!(none["recurring"], false);
    assert_eq!(none["occurrences"].as_array().map(Vec::len), Some(0));
    let bob = signed_in(&site, "bob@example.net").await;
    let hidden = api(&site, Method::GET, &uri, &bob, None).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
}

#[test]
fn the_document_check_catches_a_field_it_does_not_name_and_a_wrong_type() {
    let check = |body: &str| {
        common::openapi::check("GET", "/api/v1/session", 200, "application/json", body)
    };
    let good = r#"{"organizer": "olga@example.org", "domain_admin": null, "csrf_token": "x",
                   "expires_at": null, "inbox_address": "invites@rsvp.example.org"}"#;
    assert_eq!(check(good), Ok(()));
    let extra = good.replace("\"csrf_token\"", "\"secret\": 1, \"csrf_token\"");
    assert!(check(&extra).is_err_and(|e| e.contains("$.secret: not in the document")));
    let wrong = good.replace("\"olga@example.org\"", "7");
    assert!(check(&wrong).is_err_and(|e| e.contains("$.organizer")));
    let undocumented =
        common::openapi::check("GET", "/api/v1/nothing", 200, "application/json", "{}");
    assert!(undocumented.is_err());
}

/// The `changes` of a change-stream answer as (type, email, new value).
fn change_rows(page: &Value) -> Vec<(String, String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    page["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                text(&c["type"]),
                text(&c["data"]["email"]),
                text(&c["data"]["new"]),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_change_stream_pages_an_organizers_changes_in_commit_order_and_only_hers() {
    let site = site().await;
    let bob_event = bobs_event(&site).await;
    for (email, answer) in [("ann@example.org", "yes"), ("bo@example.net", "no")] {
        site.rsvp("", email, answer).await;
    }
    let page = site.get(&format!("/e/{bob_event}")).await;
    let theirs = form(&[
        ("form_token", &form_token(&page.body)),
        ("name", "Cy"),
        ("email", "cy@example.org"),
        ("answer", "yes"),
    ]);
    let rsvp = site.post(&format!("/e/{bob_event}/rsvp"), &theirs).await;
    assert_eq!(rsvp.status, StatusCode::OK, "{}", rsvp.body);

    let olga = signed_in(&site, OLGA).await;
    let all = get_json(&site, "/api/v1/changes", &olga).await;
    let ann = "ann@example.org".to_string();
    let bo = "bo@example.net".to_string();
    let row = |kind: &str, who: &String, new: &str| (kind.to_string(), who.clone(), new.into());
    assert_eq!(
        change_rows(&all),
        [
            row("invitee.added", &ann, ""),
            row("invitee.answered", &ann, "accepted"),
            row("invitee.delivery", &ann, "queued"),
            row("invitee.added", &bo, ""),
            row("invitee.answered", &bo, "declined"),
            row("invitee.delivery", &bo, "queued"),
        ],
        "hers only, in commit order: {all:#}"
    );
    assert_eq!(all["has_more"], false);
    let first = &all["changes"][0];
    assert_eq!(first["data"]["event_id"], site.event.as_str());
    assert_eq!(first["data"]["event_title"], "Spring party");
    assert_eq!(first["data"]["channel"], "web");
    assert_eq!(first["version"], 1);
    assert!(
        first["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("chg_"))
    );

    // Page by page from the cursors: the same records, each once.
    let mut paged = Vec::new();
    let mut cursor = String::new();
    for _ in 0..10 {
        let uri = format!("/api/v1/changes?limit=4&after={cursor}");
        let page = get_json(&site, &uri, &olga).await;
        paged.extend(change_rows(&page));
        cursor = page["next_cursor"].as_str().expect("cursor").to_string();
        if page["has_more"] == false {
            break;
        }
    }
    assert_eq!(paged, change_rows(&all));
    let after_all = get_json(&site, &format!("/api/v1/changes?after={cursor}"), &olga).await;
    assert_eq!(change_rows(&after_all), []);
    assert_eq!(
        after_all["next_cursor"],
        cursor.as_str(),
        "poll again from there"
    );

    let answers = "/api/v1/changes?types=invitee.answered,invitee.bounced";
    let answers = get_json(&site, answers, &olga).await;
    assert_eq!(
        change_rows(&answers),
        [
            row("invitee.answered", &ann, "accepted"),
            row("invitee.answered", &bo, "declined")
        ]
    );
    let own = format!(
        "/api/v1/changes?event_id={}&types=invitee.added",
        site.event
    );
    assert_eq!(change_rows(&get_json(&site, &own, &olga).await).len(), 2);

    for (uri, status) in [
        (
            format!("/api/v1/changes?event_id={bob_event}"),
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/v1/changes?after=x1".to_string(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/changes?types=invitee.maybe".to_string(),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let reply = api(&site, Method::GET, &uri, &olga, None).await;
        assert_eq!(reply.status, status, "{uri}: {}", reply.body);
    }
    // Bob reads his own stream: Cy's answer, nothing of Olga's.
    let bob = signed_in(&site, "bob@example.net").await;
    let his = get_json(&site, "/api/v1/changes?types=invitee.answered", &bob).await;
    let cy = "cy@example.org".to_string();
    assert_eq!(
        change_rows(&his),
        [row("invitee.answered", &cy, "accepted")]
    );
}
