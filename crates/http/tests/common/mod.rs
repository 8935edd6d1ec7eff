//! A Rollcall site over the in-memory store, and small helpers to talk to it through
//! `tower::ServiceExt::oneshot`.

#![allow(dead_code)]

pub mod openapi;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{Duration, Utc};
use rollcall_core::Limits;
use rollcall_core::event::{EventId, EventState};
use rollcall_core::ical::read_calendars;
use rollcall_core::invitee::{Invitee, InviteeId};
use rollcall_core::itip::{self, Action};
use rollcall_core::ports::{
    Commit, EventStore, EventWrite, IdSource, InviteeStore, OutboxStore, SignalRecord,
};
use rollcall_core::tokens::{Purpose, TokenKey};
use rollcall_http::{AppState, HttpSettings, router};
use rollcall_testkit::{InMemoryStore, SequentialIds};
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

pub const BASE_URL: &str = "https://rsvp.example.org";

pub struct Site {
    pub store: Arc<InMemoryStore>,
    pub tokens: TokenKey,
    pub app: Router,
    pub event: EventId,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn location(&self) -> &str {
        self.header(header::LOCATION)
    }
}

/// A one-event calendar: 18:00–21:00 in Berlin on 5 March 2037 (17:00–20:00 UTC).
pub fn ics(summary: &str, description: &str, location: &str) -> String {
    ics_with_times(
        summary,
        description,
        location,
        "DTSTART;TZID=Europe/Berlin:20370305T180000\r\nDTEND;TZID=Europe/Berlin:20370305T210000",
    )
}

pub fn ics_with_times(summary: &str, description: &str, location: &str, times: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Rollcall tests//EN\r\nMETHOD:REQUEST\r\n\
         BEGIN:VEVENT\r\nUID:party-1@example.org\r\nSEQUENCE:0\r\nDTSTAMP:20260201T120000Z\r\n\
         {times}\r\nSUMMARY:{summary}\r\nDESCRIPTION:{description}\r\nLOCATION:{location}\r\n\
         ORGANIZER;CN=Olga Organizer:mailto:olga@example.org\r\n\
         ATTENDEE;RSVP=TRUE:mailto:invites@rollcall.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

pub async fn site() -> Site {
    site_with(
        &ics(
            "Spring party",
            "Bring snacks. Map: https://example.org/map",
            "Community hall",
        ),
        EventState::Active,
    )
    .await
}

pub async fn site_with(calendar: &str, state: EventState) -> Site {
    let store = Arc::new(InMemoryStore::new());
    let ids = Arc::new(SequentialIds::new());
    let objects = read_calendars(calendar.as_bytes(), &Limits::DEFAULT).expect("calendar reads");
    let object = objects.first().expect("one calendar");
    let incoming = object.events.first().expect("one event");
    let mut event = itip::apply(
        None,
        &Action::Create,
        incoming,
        object.producer.as_deref(),
        || ids.event_id(),
        Utc::now(),
    );
    event.state = state;
    let id = event.id.clone();
    store
        .commit(&Commit {
            events: vec![EventWrite {
                event,
                expected_version: None,
            }],
            ..Default::default()
        })
        .await
        .expect("event stored");
    let tokens = TokenKey::from_bytes([7; 32]);
    let app = router(AppState::new(
        store.clone(),
        ids,
        tokens.clone(),
        HttpSettings {
            base_url: BASE_URL.to_string(),
            domain: "rollcall.test".to_string(),
        },
    ));
    Site {
        store,
        tokens,
        app,
        event: id,
    }
}

impl Site {
    /// Answers `request`; an API answer must be what the OpenAPI document says.
    pub async fn call(&self, request: Request<Body>) -> Reply {
        let (method, uri) = (request.method().to_string(), request.uri().to_string());
        let response = self
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body reads");
        let reply = Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        if uri.starts_with("/api/v1/") {
            let content_type = reply.header(header::CONTENT_TYPE);
            let checked = openapi::check(&method, &uri, status.as_u16(), content_type, &reply.body);
            if let Err(drift) = checked {
                panic!("the API answer differs from the OpenAPI document: {drift}");
            }
        }
        reply
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.call(request(Method::GET, uri, None)).await
    }

    pub async fn head(&self, uri: &str) -> Reply {
        self.call(request(Method::HEAD, uri, None)).await
    }

    pub async fn post(&self, uri: &str, body: &str) -> Reply {
        self.call(request(Method::POST, uri, Some(body))).await
    }

    pub fn event_page(&self) -> String {
        format!("/e/{}", self.event)
    }

    pub fn rsvp_action(&self) -> String {
        format!("/e/{}/rsvp", self.event)
    }

    /// A form token for the RSVP form, as the page would hand out `age` ago.
    pub fn rsvp_token(&self, age: Duration) -> String {
        let issued = (Utc::now() - age).timestamp();
        self.tokens
            .form_token(&format!("rsvp:{}", self.event), issued, "test-nonce-1")
    }

    /// RSVPs through the page like a browser: reads the form token, posts the form.
    pub async fn rsvp(&self, name: &str, email: &str, answer: &str) -> Reply {
        let page = self.get(&self.event_page()).await;
        let body = form(&[
            ("name", name),
            ("email", email),
            ("answer", answer),
            ("form_token", &hidden_token(&page.body)),
        ]);
        self.post(&self.rsvp_action(), &body).await
    }

    /// The invitee of the site's event with this address (the RSVP page never names them).
    pub async fn invitee_of(&self, email: &str) -> InviteeId {
        self.store
            .invitee_by_email(&self.event, &email.trim().to_ascii_lowercase())
            .await
            .expect("store answers")
            .expect("the address is an invitee")
            .id
    }

    /// An invitee's own page, as their mail links it.
    pub fn page_of(&self, id: &InviteeId) -> String {
        format!("/r/{}", self.tokens.token(Purpose::Page, id))
    }

    pub async fn invitee(&self, id: &InviteeId) -> Invitee {
        self.store
            .invitee(id)
            .await
            .expect("store answers")
            .expect("invitee exists")
    }

    /// Everything a page view must not change: counters, outbox, invitees and their history.
    pub async fn snapshot(&self) -> Snapshot {
        let invitees = self
            .store
            .invitees_of(&self.event, None, 1000)
            .await
            .expect("invitees");
        let mut signals = Vec::new();
        for invitee in &invitees {
            signals.extend(self.store.signals_of(&invitee.id).await.expect("signals"));
        }
        let outbox = self
            .store
            .due_outbox(Utc::now() + Duration::days(3650), 1000)
            .await
            .expect("outbox")
            .into_iter()
            .map(|due| (due.message.id, due.attempts))
            .collect();
        Snapshot {
            counters: self.store.counters(&self.event).await.expect("counters"),
            outbox,
            invitees,
            signals,
        }
    }
}

#[derive(Debug, PartialEq)]
pub struct Snapshot {
    pub counters: Vec<(String, String, i64)>,
    pub outbox: Vec<(String, u32)>,
    pub invitees: Vec<Invitee>,
    pub signals: Vec<SignalRecord>,
}

pub fn request(method: Method, uri: &str, form_body: Option<&str>) -> Request<Body> {
    let builder = Request::builder().method(method).uri(uri);
    match form_body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .expect("request builds")
}

/// A POST from the client at `ip`, as the server passes it on with `ConnectInfo`.
pub fn post_from(ip: [u8; 4], uri: &str, body: &str) -> Request<Body> {
    let mut request = request(Method::POST, uri, Some(body));
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((ip, 40000))));
    request
}

/// `application/x-www-form-urlencoded` for `pairs`.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of the page's hidden `form_token` input.
pub fn hidden_token(html: &str) -> String {
    let marker = "name=\"form_token\" value=\"";
    let start = html.find(marker).expect("page has a form token") + marker.len();
    let end = html[start..].find('"').expect("token ends") + start;
    html[start..end].to_string()
}

/// `html` with the character references askama and our own escaping write turned back into
/// characters, to check what a reader sees. Check for raw markup in the undecoded page.
pub fn unescape(html: &str) -> String {
    [
        ("&#60;", "<"),
        ("&lt;", "<"),
        ("&#62;", ">"),
        ("&gt;", ">"),
        ("&#34;", "\""),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#38;", "&"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(html.to_string(), |text, (entity, c)| {
        text.replace(entity, c)
    })
}
