//! `/api/v1/session`: who is signed in (with the CSRF token), signing out, asking for a link.

use super::{ApiError, Signed, private_json};
use crate::AppState;
use crate::forms::{ClientKey, from_our_site, rate_limit};
use crate::session::{LinkRequestError, clear_cookie, csrf_token, link_requested_message};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rollcall_core::usecase::access;
use serde::Deserialize;
use serde_json::json;

pub async fn show(State(state): State<AppState>, Signed(caller): Signed) -> Response {
    private_json(json!({
        "inbox_address": format!("invites@{}", state.settings.domain),
        "organizer": caller.viewer.organizer,
        "domain_admin": caller.viewer.domain_admin,
        "csrf_token": caller.session.as_ref().map(|(secret, _)| csrf_token(secret)),
        "expires_at": caller.session.as_ref().map(|(_, ends)| ends.to_rfc3339()),
    }))
}

pub async fn sign_out(State(state): State<AppState>, Signed(caller): Signed) -> Response {
    if let Some((secret, _)) = &caller.session
        && let Err(error) = access::sign_out(state.store.as_ref(), secret).await
    {
        return ApiError::from(error).into_response();
    }
    (
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, clear_cookie(&state))],
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
pub struct LinkRequest {
    email: String,
}

/// Needs no session and no CSRF token: it only ever mails the address itself. A request a
/// browser says came from another site is refused before it costs any rate-limit budget.
pub async fn request_link(
    State(state): State<AppState>,
    client: ClientKey,
    headers: HeaderMap,
    body: Result<Json<LinkRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    if !from_our_site(&headers, &state.settings.base_url) {
        return Err(ApiError::Forbidden(
            "This request came from another web site; ask for a link on /signin.",
        ));
    }
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    rate_limit(&state, &client, None).map_err(ApiError::RateLimited)?;
    let email = body.email.trim().to_ascii_lowercase();
    if email.is_empty() || email.len() > crate::forms::MAX_EMAIL_CHARS {
        return Err(ApiError::BadRequest("Please give an email address.".into()));
    }
    match crate::session::request_link(&state, &email, Utc::now()).await {
        Ok(()) => Ok((
            StatusCode::ACCEPTED,
            Json(json!({"message": link_requested_message(&email)})),
        )
            .into_response()),
        Err(LinkRequestError::RateLimited(seconds)) => Err(ApiError::RateLimited(seconds)),
        Err(LinkRequestError::Store(error)) => Err(error.into()),
    }
}
