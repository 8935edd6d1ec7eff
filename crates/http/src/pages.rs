//! Public pages. No GET changes anything: mail link scanners open every link they see.

use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use rollcall_core::event::{EventId, EventState};
use rollcall_core::present::when_text;

#[derive(Template)]
#[template(path = "pages/event.html")]
struct EventPage<'a> {
    title: &'a str,
    when: String,
    location: Option<&'a str>,
    organizer: Option<&'a str>,
    description: Option<&'a str>,
    status: &'static str,
    cancelled: bool,
}

#[derive(Template)]
#[template(path = "pages/not_found.html")]
struct NotFoundPage;

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
        include_str!("site.css"),
    )
}

pub async fn not_found() -> Response {
    render(StatusCode::NOT_FOUND, NotFoundPage.render())
}

pub async fn event_page(State(state): State<AppState>, Path(raw_id): Path<String>) -> Response {
    let Some(id) = EventId::parse(&raw_id) else {
        return not_found().await;
    };
    let event = match state.events.event(&id).await {
        Ok(Some(event)) => event,
        Ok(None) => return not_found().await,
        Err(error) => {
            tracing::error!(%error, "reading event failed");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "Rollcall is having trouble reading this event; try again shortly.",
            )
                .into_response();
        }
    };
    let page = EventPage {
        title: event.title(),
        when: when_text(event.details.start.as_ref(), event.details.end.as_ref()),
        location: event.details.location.as_deref(),
        // The name only: the organizer's address is not published on a public page.
        organizer: event.organizer_name.as_deref(),
        description: event.details.description.as_deref(),
        status: match event.state {
            EventState::Active => "Scheduled",
            EventState::Updated => "Scheduled (updated by the organizer)",
            EventState::Cancelled => "Cancelled",
        },
        cancelled: event.state == EventState::Cancelled,
    };
    render(StatusCode::OK, page.render())
}

fn render(status: StatusCode, html: Result<String, askama::Error>) -> Response {
    match html {
        Ok(html) => (status, [(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
