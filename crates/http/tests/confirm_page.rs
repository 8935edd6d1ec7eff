//! `/c/{token}`: the claimed organizer of an unauthenticated message confirms it. GET shows
//! and changes nothing; POST (form token, Origin) applies the message once.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{Duration, Utc};
use common::{BASE_URL, Reply, form, hidden_token, request, unescape};
use rollcall_core::Limits;
use rollcall_core::outcome::OutcomeStatus;
use rollcall_core::ports::{EventStore, OutboxStore};
use rollcall_core::tokens::TokenKey;
use rollcall_core::usecase::ingest::{
    InboundMessage, IngestSettings, Recipient, SenderTrust, ingest,
};
use rollcall_http::{AppState, HttpSettings, router};
use rollcall_testkit::{InMemoryStore, MemoryRawMail, SequentialIds};
use std::sync::Arc;
use tower::ServiceExt;

const ORGANIZER: &str = "olga@example.org";
const UID: &str = "party-1@example.org";

fn invitation(summary: &str) -> Vec<u8> {
    format!(
        "From: \"Olga <b>Organizer</b>\" <{ORGANIZER}>\r\nTo: invites@rollcall.test\r\n\
         Subject: Invitation: {summary}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n\
         BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Rollcall tests//EN\r\nMETHOD:REQUEST\r\n\
         BEGIN:VEVENT\r\nUID:{UID}\r\nSEQUENCE:0\r\nDTSTAMP:20260201T120000Z\r\n\
         DTSTART;TZID=Europe/Berlin:20370305T180000\r\nDTEND;TZID=Europe/Berlin:20370305T210000\r\n\
         SUMMARY:{summary}\r\nORGANIZER;CN=Olga:mailto:{ORGANIZER}\r\n\
         ATTENDEE;RSVP=TRUE:mailto:invites@rollcall.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    .into_bytes()
}

struct Confirming {
    store: Arc<InMemoryStore>,
    raw_mail: Arc<MemoryRawMail>,
    ids: Arc<SequentialIds>,
    tokens: TokenKey,
    app: Router,
}

fn state(store: &Arc<InMemoryStore>, ids: &Arc<SequentialIds>, tokens: &TokenKey) -> AppState {
    AppState::new(
        store.clone(),
        ids.clone(),
        tokens.clone(),
        HttpSettings {
            base_url: BASE_URL.to_string(),
            domain: "rollcall.test".to_string(),
        },
    )
}

fn confirming() -> Confirming {
    let store = Arc::new(InMemoryStore::new());
    let ids = Arc::new(SequentialIds::new());
    let tokens = TokenKey::from_bytes([7; 32]);
    let raw_mail = Arc::new(MemoryRawMail::new());
    let app = router(state(&store, &ids, &tokens).with_raw_mail(raw_mail.clone()));
    Confirming {
        store,
        raw_mail,
        ids,
        tokens,
        app,
    }
}

impl Confirming {
    /// Receives `raw` as message `id` from an unauthenticated sender, `age` ago.
    async fn receive_untrusted(&self, id: &str, raw: &[u8], age: Duration) {
        self.raw_mail.put(id, raw);
        let settings = IngestSettings::new(Limits::default(), "rollcall.test", self.tokens.clone());
        let message = InboundMessage {
            id,
            raw,
            recipient: Recipient::Organizer,
            trust: SenderTrust::Untrusted("dmarc=fail".into()),
        };
        let outcome = ingest(
            &message,
            &settings,
            self.store.as_ref(),
            self.ids.as_ref(),
            Utc::now() - age,
        )
        .await
        .expect("ingest");
        assert_eq!(outcome.status(), OutcomeStatus::Pending, "{outcome}");
    }

    fn link(&self, id: &str) -> String {
        format!("/c/{}", self.tokens.confirm_token(id))
    }

    async fn call(&self, request: Request<Body>) -> Reply {
        call(&self.app, request).await
    }

    async fn get(&self, uri: &str) -> Reply {
        self.call(request(Method::GET, uri, None)).await
    }

    async fn post(&self, uri: &str, body: &str) -> Reply {
        self.call(request(Method::POST, uri, Some(body))).await
    }

    /// Loads the page and presses Confirm, like a browser.
    async fn press_confirm(&self, link: &str) -> Reply {
        let page = self.get(link).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let body = form(&[("form_token", &hidden_token(&page.body))]);
        self.post(link, &body).await
    }

    async fn event_exists(&self) -> bool {
        self.store
            .event_by_uid(ORGANIZER, UID)
            .await
            .expect("store answers")
            .is_some()
    }

    async fn outbox_ids(&self) -> Vec<String> {
        self.store
            .due_outbox(Utc::now() + Duration::days(3650), 100)
            .await
            .expect("outbox")
            .into_iter()
            .map(|d| d.message.id)
            .collect()
    }
}

async fn call(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body reads");
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

#[tokio::test]
async fn the_page_says_what_would_happen_and_who_it_claims_to_be_from_and_changes_nothing() {
    let site = confirming();
    site.receive_untrusted(
        "m1",
        &invitation("<script>alert(1)</script> Party"),
        Duration::zero(),
    )
    .await;
    let link = site.link("m1");
    let before = site.outbox_ids().await;
    for method in [Method::GET, Method::HEAD, Method::GET] {
        let reply = site.call(request(method.clone(), &link, None)).await;
        assert_eq!(reply.status, StatusCode::OK, "{method} {}", reply.body);
        assert_eq!(reply.header(header::REFERRER_POLICY), "no-referrer");
        assert_eq!(reply.header(header::CACHE_CONTROL), "no-store");
    }
    assert!(!site.event_exists().await, "a GET creates nothing");
    assert_eq!(site.outbox_ids().await, before, "a GET sends nothing");

    let page = site.get(&link).await.body;
    assert!(!page.contains("<script>alert"), "escaped: {page}");
    assert!(!page.contains("<b>Organizer"), "escaped: {page}");
    let text = unescape(&page);
    for needle in [
        "Did you send this invitation?",
        "olga@example.org",
        "Invitation: <script>alert(1)</script> Party",
        "<dt>Why Rollcall asks</dt><dd><bdi>sender not authenticated: dmarc=fail</bdi></dd>",
        "Create a new event</strong>: <bdi dir=\"auto\"><script>alert(1)</script> Party</bdi>, \
         Thursday 5 March 2037, 18:00–21:00 (Europe/Berlin)",
        &format!("action=\"{link}\""),
        "value=\"confirm\">Confirm</button>",
        "value=\"refuse\">Refuse</button>",
    ] {
        assert!(text.contains(needle), "{needle:?} in {page}");
    }
}

#[tokio::test]
async fn confirming_creates_the_event_once_and_shows_its_public_link() {
    let site = confirming();
    site.receive_untrusted("m1", &invitation("Spring party"), Duration::zero())
        .await;
    let link = site.link("m1");
    let reply = site.press_confirm(&link).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.header(header::REFERRER_POLICY), "no-referrer");
    let event = site.store.event_by_uid(ORGANIZER, UID).await.expect("read");
    let event = event.expect("confirming created the event");
    let public = format!("{BASE_URL}/e/{}", event.id);
    assert!(reply.body.contains("<h1>Confirmed</h1>"), "{}", reply.body);
    assert!(
        reply
            .body
            .contains(&format!("<a href=\"{public}\">{public}</a>")),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("Created event"), "{}", reply.body);
    assert_eq!(site.outbox_ids().await, ["m1-confirm", "m1.confirmed-0"]);

    // The button pressed again (a second tab still showing the form): the same answer,
    // nothing new.
    let second_tab = form(&[(
        "form_token",
        &site
            .tokens
            .form_token("confirm:m1", Utc::now().timestamp(), "second-tab"),
    )]);
    let again = site.post(&link, &second_tab).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert!(again.body.contains(&public), "{}", again.body);
    assert_eq!(site.outbox_ids().await, ["m1-confirm", "m1.confirmed-0"]);
    let page = site.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Already confirmed"), "{}", page.body);
    assert!(!page.body.contains("form_token"), "no second button");
    let still = site.store.event_by_uid(ORGANIZER, UID).await.expect("read");
    assert_eq!(still.map(|e| e.id), Some(event.id));
}

#[tokio::test]
async fn a_confirmation_needs_our_form_token_and_origin() {
    let site = confirming();
    site.receive_untrusted("m1", &invitation("Spring party"), Duration::zero())
        .await;
    let link = site.link("m1");
    let missing = site.post(&link, "").await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN, "{}", missing.body);
    let forged = site
        .post(&link, &form(&[("form_token", "1.abc.def")]))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // A token of another message's form does not confirm this one.
    site.receive_untrusted("m2", &invitation("Other"), Duration::zero())
        .await;
    let other_page = site.get(&site.link("m2")).await.body;
    let wrong_scope = form(&[("form_token", &hidden_token(&other_page))]);
    assert_eq!(
        site.post(&link, &wrong_scope).await.status,
        StatusCode::FORBIDDEN
    );
    let page = site.get(&link).await.body;
    let mut cross_site = request(
        Method::POST,
        &link,
        Some(&form(&[("form_token", &hidden_token(&page))])),
    );
    cross_site.headers_mut().insert(
        header::ORIGIN,
        header::HeaderValue::from_static("https://evil.example"),
    );
    assert_eq!(site.call(cross_site).await.status, StatusCode::FORBIDDEN);
    assert!(!site.event_exists().await, "nothing was confirmed");
}

#[tokio::test]
async fn forged_unknown_and_expired_links_are_refused() {
    let site = confirming();
    site.receive_untrusted("m1", &invitation("Spring party"), Duration::days(8))
        .await;
    let link = site.link("m1");

    let expired = site.get(&link).await;
    assert_eq!(expired.status, StatusCode::GONE, "{}", expired.body);
    assert!(expired.body.contains("expired"), "{}", expired.body);
    assert_eq!(expired.header(header::REFERRER_POLICY), "no-referrer");
    let body = form(&[(
        "form_token",
        &site
            .tokens
            .form_token("confirm:m1", Utc::now().timestamp(), "nonce-1"),
    )]);
    assert_eq!(site.post(&link, &body).await.status, StatusCode::GONE);
    assert!(!site.event_exists().await);

    // A tag that does not match: not found, as for any made-up link.
    let token = site.tokens.confirm_token("m1");
    let forged = format!("/c/{}", token.replace('.', ".a"));
    assert_eq!(site.get(&forged).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        site.post(&forged, &body).await.status,
        StatusCode::NOT_FOUND
    );
    let other_key = TokenKey::from_bytes([8; 32]).confirm_token("m1");
    assert_eq!(
        site.get(&format!("/c/{other_key}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Genuine, but no such message was processed.
    let unknown = site.get(&site.link("never-received")).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        unknown.body.contains("Nothing to confirm"),
        "{}",
        unknown.body
    );
}

#[tokio::test]
async fn without_a_raw_mail_source_confirmation_answers_503() {
    let site = confirming();
    site.receive_untrusted("m1", &invitation("Spring party"), Duration::zero())
        .await;
    let app = router(state(&site.store, &site.ids, &site.tokens));
    let link = site.link("m1");
    let page = call(&app, request(Method::GET, &link, None)).await;
    assert_eq!(
        page.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        page.body
    );
    assert!(page.body.contains("cannot confirm"), "{}", page.body);
    let body = form(&[(
        "form_token",
        &site
            .tokens
            .form_token("confirm:m1", Utc::now().timestamp(), "nonce-1"),
    )]);
    let post = call(&app, request(Method::POST, &link, Some(&body))).await;
    assert_eq!(post.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!site.event_exists().await);
}
