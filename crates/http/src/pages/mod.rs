//! Public pages. No GET changes anything: mail link scanners open every link they see.

pub mod confirm;
pub mod event;
pub mod invitee;
pub mod rsvp_form;
pub mod sign_in;
pub mod unsubscribe;

use crate::AppState;
use crate::text::{clean, clean_opt, linkify};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use rollcall_core::event::{Event, EventState, Exceptions};
use rollcall_core::ical::TimeValue;
use rollcall_core::present::{occurrence_text, when_text};
use rollcall_core::recurrence::{self, OccurrenceState};
use std::fmt::Display;

/// What the event, invitee and unsubscribe pages show about an event; every text cleaned of
/// disguising characters (and escaped by the templates).
#[derive(Debug, Clone)]
pub struct EventView {
    pub title: String,
    /// In the event's own zone, as the organizer's mails say it.
    pub when: String,
    /// The same time on the timeline, which `local-time.js` shows in the viewer's zone.
    pub viewer_time: Option<ViewerTime>,
    /// Why the time cannot be shown in the viewer's zone, when it cannot.
    pub time_note: Option<&'static str>,
    /// How a series repeats ("every Tuesday, 10 times, from …"); `None` for a one-off event.
    pub repeats: Option<String>,
    /// A series' next occurrences, cancelled and moved ones marked.
    pub occurrences: Vec<OccurrenceLine>,
    /// More occurrences follow the ones listed (the calendar file has them all).
    pub more_occurrences: bool,
    pub location: Option<String>,
    /// Escaped, with plain web links made clickable.
    pub description_html: Option<String>,
    /// The name only: the organizer's address is never published.
    pub organizer: Option<String>,
    pub status: &'static str,
    pub cancelled: bool,
    /// Its last occurrence has ended (`rollcall_core::schedule`); not set when cancelled.
    pub over: bool,
    /// The organizer's meeting link, a web link (checked when it was read).
    pub meeting_url: Option<String>,
    /// The event does not make its attendees busy.
    pub transparent: bool,
}

impl EventView {
    /// Whether its pages offer a way to answer.
    pub fn takes_answers(&self) -> bool {
        !self.cancelled && !self.over
    }
}

/// One coming occurrence of a series as the pages list it.
#[derive(Debug, Clone)]
pub struct OccurrenceLine {
    pub text: String,
    /// `scheduled`, `moved` or `cancelled`: the class the page styles it with.
    pub state: &'static str,
}

/// How many coming occurrences the pages list.
pub(crate) const OCCURRENCES_SHOWN: usize = 6;

#[derive(Debug, Clone)]
pub struct ViewerTime {
    /// RFC 3339 in UTC (`2026-03-05T16:00:00Z`), for `<time datetime>`.
    pub start: String,
    pub end: Option<String>,
    /// The fallback text without script: the time in UTC.
    pub utc_text: String,
}

impl EventView {
    pub fn of(event: &Event) -> EventView {
        let start = event.details.start.as_ref();
        let end = event.details.end.as_ref();
        let time_note = match start {
            Some(TimeValue::Floating(_)) => Some(
                "The organizer gave this time without a time zone: it is the same clock time \
                 wherever you are.",
            ),
            Some(TimeValue::UnknownZone { .. }) => Some(
                "This time is in a time zone Rollcall does not know, so it cannot be shown in \
                 yours; check with the organizer if you are elsewhere.",
            ),
            _ => None,
        };
        let now = Utc::now();
        let over = event.state != EventState::Cancelled && event.is_over(now);
        let coming = recurrence::upcoming(
            &event.details,
            Exceptions::of(event),
            now,
            OCCURRENCES_SHOWN,
        );
        EventView {
            title: clean(event.title()),
            when: clean(&when_text(start, end)),
            viewer_time: start.and_then(|s| viewer_time(s, end)),
            time_note,
            repeats: recurrence::describe(&event.details).map(|r| clean(&r)),
            occurrences: coming
                .occurrences
                .iter()
                .map(|o| OccurrenceLine {
                    text: clean(&occurrence_text(o)),
                    state: match o.state {
                        OccurrenceState::Scheduled => "scheduled",
                        OccurrenceState::Moved => "moved",
                        OccurrenceState::Cancelled => "cancelled",
                    },
                })
                .collect(),
            more_occurrences: coming.more,
            location: clean_opt(event.details.location.as_deref()),
            description_html: clean_opt(event.details.description.as_deref()).map(|d| linkify(&d)),
            organizer: clean_opt(event.organizer_name.as_deref()),
            status: match event.state {
                EventState::Active | EventState::Updated if over => "Over",
                EventState::Active => "Scheduled",
                EventState::Updated => "Scheduled (updated by the organizer)",
                EventState::Cancelled => "Cancelled",
            },
            cancelled: event.state == EventState::Cancelled,
            over,
            meeting_url: event.details.meeting_url.clone(),
            transparent: event.details.transparent,
        }
    }
}

fn viewer_time(start: &TimeValue, end: Option<&TimeValue>) -> Option<ViewerTime> {
    let start = start.utc()?;
    let end = end.and_then(TimeValue::utc).filter(|e| *e > start);
    let day = |t: DateTime<Utc>| t.format("%A %-d %B %Y").to_string();
    let utc_text = match end {
        Some(end) if end.date_naive() == start.date_naive() => format!(
            "{}, {}–{} UTC",
            day(start),
            start.format("%H:%M"),
            end.format("%H:%M")
        ),
        Some(end) => format!(
            "{}, {} to {}, {} UTC",
            day(start),
            start.format("%H:%M"),
            day(end),
            end.format("%H:%M")
        ),
        None => format!("{}, {} UTC", day(start), start.format("%H:%M")),
    };
    let iso = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    Some(ViewerTime {
        start: iso(start),
        end: end.map(iso),
        utc_text,
    })
}

#[derive(Template)]
#[template(path = "pages/not_found.html")]
struct NotFoundPage;

#[derive(Template)]
#[template(path = "pages/message.html")]
struct MessagePage<'a> {
    title: &'a str,
    message: &'a str,
    /// A way on: (href, text).
    link: Option<(&'a str, &'a str)>,
}

#[derive(Template)]
#[template(path = "pages/home.html")]
struct HomePage {
    /// Where organizers add Rollcall as a guest.
    inbox: String,
}

/// `/`: what Rollcall is and where to go, for someone who typed the site's address.
pub async fn home(State(state): State<AppState>) -> Response {
    let page = HomePage {
        inbox: format!("invites@{}", state.settings.domain),
    };
    render(StatusCode::OK, page.render())
}

/// The site's icon (an SVG: every current browser takes one).
pub async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../favicon.svg"),
    )
}

pub async fn healthz() -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({ "status": "ok" })),
    )
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../site.css"),
    )
}

pub async fn local_time_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../local-time.js"),
    )
}

/// The router's fallback: the 404 page.
pub async fn not_found() -> Response {
    PageError::not_found().into_response()
}

/// A page that refuses or fails, as the one error type page handlers return with `?`: the
/// page that says so. Store failures are logged with what was being done and shown as a 503.
/// Boxed: a response is large, and the happy path should not carry its size.
#[derive(Debug)]
pub struct PageError(Box<Response>);

impl PageError {
    pub fn not_found() -> PageError {
        render(StatusCode::NOT_FOUND, NotFoundPage.render()).into()
    }

    pub fn unavailable(context: &str, error: impl Display) -> PageError {
        unavailable(context, error).into()
    }

    pub fn message(status: StatusCode, title: &str, text: &str) -> PageError {
        message(status, title, text).into()
    }
}

/// A refusal already rendered (a form check's, `over()`, `cancelled()`).
impl From<Response> for PageError {
    fn from(response: Response) -> PageError {
        PageError(Box::new(response))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// A page's reads: what was found, else the 404 page, or the 503 page for a failure.
pub trait Found<T> {
    fn found(self, context: &str) -> Result<T, PageError>;
}

impl<T, E: Display> Found<T> for Result<Option<T>, E> {
    fn found(self, context: &str) -> Result<T, PageError> {
        self.map_err(|error| PageError::unavailable(context, error))?
            .ok_or_else(PageError::not_found)
    }
}

/// A page's read that finds something or fails: the 503 page for a failure.
pub trait OrUnavailable<T> {
    fn or_unavailable(self, context: &str) -> Result<T, PageError>;
}

impl<T, E: Display> OrUnavailable<T> for Result<T, E> {
    fn or_unavailable(self, context: &str) -> Result<T, PageError> {
        self.map_err(|error| PageError::unavailable(context, error))
    }
}

/// A page with one message, for refusals and confirmations.
pub fn message(status: StatusCode, title: &str, message_text: &str) -> Response {
    let page = MessagePage {
        title,
        message: message_text,
        link: None,
    };
    render(status, page.render())
}

pub fn message_with_link(
    status: StatusCode,
    title: &str,
    message_text: &str,
    link: (&str, &str),
) -> Response {
    let page = MessagePage {
        title,
        message: message_text,
        link: Some(link),
    };
    render(status, page.render())
}

/// The `Retry-After` of a 503 for a store failure, in seconds. Such failures are mostly
/// passing (a locked or briefly unreachable database, which the store already waited for),
/// so clients and proxies are told to come back soon rather than give up.
pub const UNAVAILABLE_RETRY_SECONDS: u64 = 5;

/// 503 for a store failure, with `Retry-After`: logged for the operator, never shown.
pub fn unavailable(context: &str, error: impl Display) -> Response {
    tracing::error!(%error, "{context}");
    let mut response = message(
        StatusCode::SERVICE_UNAVAILABLE,
        "Please try again shortly",
        "Rollcall is having trouble right now. Nothing was lost; please try again in a moment.",
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(UNAVAILABLE_RETRY_SECONDS),
    );
    response
}

pub fn too_many_requests(retry_after_seconds: u64) -> Response {
    let mut response = message(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many answers at once",
        "Rollcall received too many answers from you or for this event in the last minute. \
         Please wait a minute and try again.",
    );
    if let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

pub fn forbidden_origin() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Form refused",
        "This form was sent from another web site. Open the page on Rollcall and answer there.",
    )
}

/// 403 for a missing, forged or day-old form token; `back` is the page that serves the form.
pub fn expired_form(back: &str) -> Response {
    message_with_link(
        StatusCode::FORBIDDEN,
        "This form has expired",
        "This form has expired, reload the page and answer again.",
        (back, "Reload the page"),
    )
}

pub fn unreadable_form(status: StatusCode) -> Response {
    message(
        status,
        "The form could not be read",
        "The form could not be read (it may be too long). Go back, shorten what you typed \
         and try again.",
    )
}

/// An answer for an event whose last occurrence has ended.
pub fn over() -> Response {
    message(
        StatusCode::CONFLICT,
        "This event is over",
        "This event is over, so it takes no more answers.",
    )
}

pub fn cancelled() -> Response {
    message(
        StatusCode::CONFLICT,
        "This event has been cancelled",
        "This event has been cancelled, so it takes no more answers.",
    )
}

/// The page, never stored by caches: every page with a form carries a fresh form token.
pub fn render(status: StatusCode, html: Result<String, askama::Error>) -> Response {
    match html {
        Ok(html) => (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A posted form that carries one of our form tokens.
pub trait TokenForm {
    fn form_token(&self) -> &str;
}

/// The checks every state-changing form passes, in order: the post comes from our site
/// (`Origin`, `Sec-Fetch-Site`), its body is readable, it carries a genuine unexpired form
/// token for `scope`, and only then the client's (and event's) rate limit. The budget is
/// spent last so that nothing anyone can send without loading our page (a forged, token-less
/// or cross-site post) drains it: before, 130 token-less posts locked an event's RSVPs for
/// everyone. Returns the input and its token (the de-duplication nonce), or the refusal.
// The error is the finished refusal page, returned straight to the client; each argument is
// one thing the checks need, and bundling them would only move the list.
#[allow(clippy::result_large_err, clippy::too_many_arguments)]
pub fn checked_form<T: TokenForm>(
    state: &crate::AppState,
    client: &crate::forms::ClientKey,
    headers: &axum::http::HeaderMap,
    form: Result<axum::Form<T>, axum::extract::rejection::FormRejection>,
    event: Option<&rollcall_core::event::EventId>,
    scope: &str,
    reload: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(T, String), Response> {
    use crate::forms;
    if !forms::from_our_site(headers, &state.settings.base_url) {
        return Err(forbidden_origin());
    }
    let axum::Form(input) = form.map_err(|rejection| unreadable_form(rejection.status()))?;
    let nonce = forms::verify(&state.tokens, scope, input.form_token(), now)
        .ok_or_else(|| expired_form(reload))?
        .to_string();
    forms::rate_limit(state, client, event).map_err(too_many_requests)?;
    Ok((input, nonce))
}
