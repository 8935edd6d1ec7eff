//! The dashboard session: its cookie, its CSRF token, and who a request speaks for (a session
//! cookie or an API token). Only hashes of secrets reach the store (`core::access`).

use crate::AppState;
use crate::forms::from_our_site;
use axum::http::{HeaderMap, Method, header};
use chrono::{DateTime, Duration, Utc};
use rollcall_core::ports::StoreError;
use rollcall_core::tokens::constant_time_eq;
use rollcall_core::usecase::access::{self, Viewer, hash_secret};
use std::time::Instant;

/// `__Host-` binds the cookie to our host, path `/` and HTTPS; plain-HTTP loopback (a local
/// `rollcall serve`) cannot use it, nor `Secure`.
fn cookie_name(state: &AppState) -> &'static str {
    if secure(state) {
        "__Host-rollcall_session"
    } else {
        "rollcall_session"
    }
}

fn secure(state: &AppState) -> bool {
    state.settings.base_url.starts_with("https://")
}

/// The `Set-Cookie` value for a new session.
pub fn cookie(state: &AppState, secret: &str, lifetime: Duration) -> String {
    format!(
        "{}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        cookie_name(state),
        lifetime.num_seconds(),
        if secure(state) { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(state: &AppState) -> String {
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        cookie_name(state),
        if secure(state) { "; Secure" } else { "" }
    )
}

/// The session secret the browser sent, if any.
pub fn cookie_secret(headers: &HeaderMap, state: &AppState) -> Option<String> {
    let name = cookie_name(state);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_string())
        .filter(|v| !v.is_empty() && v.len() <= 64)
}

/// The CSRF token of a session: derived from its secret, so nothing more is stored, and
/// useless without the cookie it belongs to.
pub fn csrf_token(secret: &str) -> String {
    hash_secret(&format!("csrf:{secret}"))[..32].to_string()
}

/// Who a request speaks for.
#[derive(Debug, Clone)]
pub struct Caller {
    pub viewer: Viewer,
    /// The session's secret and end, when signed in by cookie (not by API token).
    pub session: Option<(String, DateTime<Utc>)>,
}

#[derive(Debug)]
pub enum AuthError {
    SignedOut,
    /// A cookie-authenticated write without the session's CSRF token or from another origin.
    Csrf,
    Store(StoreError),
}

/// Authenticates a request: `Authorization: Bearer rc_…`, else the session cookie. Writes
/// made with the cookie must carry `X-CSRF-Token` and come from our site (`Origin`,
/// `Sec-Fetch-Site`).
pub async fn caller(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Caller, AuthError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let Some(token) = bearer {
        return match access::bearer(state.store.as_ref(), token.trim(), &state.access, now).await {
            Ok(Some(viewer)) => Ok(Caller {
                viewer,
                session: None,
            }),
            Ok(None) => Err(AuthError::SignedOut),
            Err(error) => Err(AuthError::Store(error)),
        };
    }
    let secret = cookie_secret(headers, state).ok_or(AuthError::SignedOut)?;
    let (viewer, ends) = access::session(state.store.as_ref(), &secret, &state.access, now)
        .await
        .map_err(AuthError::Store)?
        .ok_or(AuthError::SignedOut)?;
    let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        let sent = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let expected = csrf_token(&secret);
        let matches = constant_time_eq(sent.as_bytes(), expected.as_bytes());
        if !matches || !from_our_site(headers, &state.settings.base_url) {
            return Err(AuthError::Csrf);
        }
    }
    Ok(Caller {
        viewer,
        session: Some((secret, ends)),
    })
}

#[derive(Debug)]
pub enum LinkRequestError {
    RateLimited(u64),
    Store(StoreError),
}

/// Queues a sign-in request for `email`: the sender mails a link if the address has events
/// (`access::request_sign_in_link`), so this does the same work for every address. Limited
/// per address (the client's own limit is checked by the caller), so nobody can fill an
/// organizer's inbox.
pub async fn request_link(
    state: &AppState,
    email: &str,
    now: DateTime<Utc>,
) -> Result<(), LinkRequestError> {
    state
        .limits
        .per_address
        .check(&email.to_ascii_lowercase(), Instant::now())
        .map_err(|wait| {
            LinkRequestError::RateLimited(crate::rate_limit::retry_after_seconds(wait))
        })?;
    access::request_sign_in_link(state.store.as_ref(), email, &state.access, now)
        .await
        .map_err(LinkRequestError::Store)?;
    Ok(())
}

/// What a link request answers, whether or not the address has events.
pub fn link_requested_message(email: &str) -> String {
    format!(
        "If {email} organizes events on Rollcall, a sign-in link is on its way. It works \
         once, for a short time."
    )
}
