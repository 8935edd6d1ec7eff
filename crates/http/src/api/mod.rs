//! The dashboard's JSON API, `/api/v1` (docs/api.md; the OpenAPI document is `openapi.json`).
//! Every route answers JSON errors `{"error", "message"}`; an event the caller may not see is
//! 404 like one that does not exist, so ids cannot be probed.

mod changes;
mod delegates;
mod events;
mod export;
mod invitees;
mod occurrences;
mod session;
mod tokens;
mod webhooks;

use crate::AppState;
use crate::session::{AuthError, Caller, caller};
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use chrono::Utc;
use rollcall_core::event::{Event, EventId};
use rollcall_core::ports::StoreError;
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/session",
            get(session::show).delete(session::sign_out),
        )
        .route(
            "/api/v1/session/link",
            axum::routing::post(session::request_link),
        )
        .route("/api/v1/events", get(events::list))
        .route("/api/v1/events/{event_id}", get(events::show))
        .route("/api/v1/events/{event_id}/report", get(events::report))
        .route("/api/v1/events/{event_id}/series", get(events::series))
        .route(
            "/api/v1/events/{event_id}/occurrences",
            get(occurrences::list),
        )
        .route(
            "/api/v1/events/{event_id}/invitees",
            get(invitees::list)
                .post(invitees::add)
                .layer(DefaultBodyLimit::max(invitees::MAX_ADD_BYTES)),
        )
        .route(
            "/api/v1/events/{event_id}/invitees/{invitee_id}/timeline",
            get(invitees::timeline),
        )
        .route("/api/v1/events/{event_id}/export/{file}", get(export::file))
        .route("/api/v1/tokens", get(tokens::list).post(tokens::create))
        .route("/api/v1/tokens/{token_id}", delete(tokens::revoke))
        .route("/api/v1/changes", get(changes::list))
        .route(
            "/api/v1/webhooks",
            get(webhooks::list).post(webhooks::create),
        )
        .route(
            "/api/v1/webhooks/{webhook_id}",
            axum::routing::patch(webhooks::update).delete(webhooks::delete),
        )
        .route(
            "/api/v1/webhooks/{webhook_id}/rotate",
            axum::routing::post(webhooks::rotate),
        )
        .route(
            "/api/v1/webhooks/{webhook_id}/test",
            axum::routing::post(webhooks::test),
        )
        .route(
            "/api/v1/webhooks/{webhook_id}/deliveries",
            get(webhooks::deliveries),
        )
        .route(
            "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend",
            axum::routing::post(webhooks::resend),
        )
        .route(
            "/api/v1/webhooks/{webhook_id}/resend-failed",
            axum::routing::post(webhooks::resend_failed),
        )
        .route("/api/v1/delegates", get(delegates::list))
        .route(
            "/api/v1/delegates/{delegate}",
            delete(delegates::revoke_all),
        )
        .route("/api/openapi.json", get(openapi))
        .route("/api/docs", get(docs))
        .fallback(|| async { ApiError::NotFound })
}

/// An API failure, as JSON.
#[derive(Debug)]
pub enum ApiError {
    SignedOut,
    NotFound,
    BadRequest(String),
    /// The body is larger than the route takes.
    TooLarge(String),
    Csrf,
    Forbidden(&'static str),
    RateLimited(u64),
    Unavailable(StoreError),
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        ApiError::Unavailable(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            ApiError::SignedOut => (
                StatusCode::UNAUTHORIZED,
                "signed-out",
                "Sign in first: ask for a sign-in link on /signin.".to_string(),
            ),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                "not-found",
                "There is no such thing here.".to_string(),
            ),
            ApiError::BadRequest(why) => (StatusCode::BAD_REQUEST, "bad-request", why.clone()),
            ApiError::TooLarge(why) => (StatusCode::PAYLOAD_TOO_LARGE, "too-large", why.clone()),
            ApiError::Csrf => (
                StatusCode::FORBIDDEN,
                "csrf",
                "This request lacks the session's X-CSRF-Token header, or came from another \
                 site. Reload the dashboard and try again."
                    .to_string(),
            ),
            ApiError::Forbidden(why) => (StatusCode::FORBIDDEN, "forbidden", why.to_string()),
            ApiError::RateLimited(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests; wait a few minutes and try again.".to_string(),
            ),
            ApiError::Unavailable(error) => {
                tracing::error!(%error, "api store failure");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "Rollcall is having trouble right now; please try again shortly.".to_string(),
                )
            }
        };
        let mut response = (
            status,
            [(header::CACHE_CONTROL, "no-store")],
            axum::Json(json!({"error": code, "message": message})),
        )
            .into_response();
        let retry_after = match self {
            ApiError::RateLimited(seconds) => Some(seconds),
            ApiError::Unavailable(_) => Some(crate::pages::UNAVAILABLE_RETRY_SECONDS),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The authenticated caller of an API route.
pub struct Signed(pub Caller);

impl FromRequestParts<AppState> for Signed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match caller(state, &parts.method, &parts.headers, Utc::now()).await {
            Ok(caller) => Ok(Signed(caller)),
            Err(AuthError::SignedOut) => Err(ApiError::SignedOut),
            Err(AuthError::Csrf) => Err(ApiError::Csrf),
            Err(AuthError::Store(error)) => Err(ApiError::Unavailable(error)),
        }
    }
}

/// The event `caller` may see, or 404.
pub async fn visible_event(
    state: &AppState,
    caller: &Caller,
    event_id: &str,
) -> Result<Event, ApiError> {
    let id = EventId::parse(event_id).ok_or(ApiError::NotFound)?;
    let event = state.store.event(&id).await?.ok_or(ApiError::NotFound)?;
    if caller.viewer.may_see(&event) {
        Ok(event)
    } else {
        Err(ApiError::NotFound)
    }
}

/// JSON that no cache keeps: every answer is about one organizer's data.
pub fn private_json(value: serde_json::Value) -> Response {
    (
        [(header::CACHE_CONTROL, "private, no-store")],
        axum::Json(value),
    )
        .into_response()
}

async fn openapi(State(state): State<AppState>) -> Response {
    let document = include_str!("openapi.json").replace("{{BASE_URL}}", &state.settings.base_url);
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        document,
    )
        .into_response()
}

async fn docs() -> Response {
    crate::pages::render(
        StatusCode::OK,
        askama::Template::render(&ApiDocsPage {
            routes: route_list(),
        }),
    )
}

#[derive(askama::Template)]
#[template(path = "pages/api_docs.html")]
struct ApiDocsPage {
    routes: Vec<(String, String, String)>,
}

/// (method, path, summary) of every operation in the OpenAPI document.
pub fn route_list() -> Vec<(String, String, String)> {
    let document: serde_json::Value =
        serde_json::from_str(include_str!("openapi.json")).unwrap_or_default();
    let mut routes = Vec::new();
    if let Some(paths) = document["paths"].as_object() {
        for (path, operations) in paths {
            if let Some(operations) = operations.as_object() {
                for (method, operation) in operations {
                    routes.push((
                        method.to_uppercase(),
                        path.clone(),
                        operation["summary"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                    ));
                }
            }
        }
    }
    routes
}
