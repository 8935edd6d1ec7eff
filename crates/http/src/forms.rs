//! What every writing form shares: form tokens (CSRF protection and de-duplication of double
//! submits), the `Origin` check, the client's address for rate limits, and the answer words.

use crate::AppState;
use crate::client_addr::client_ip;
use crate::rate_limit::{client_key, retry_after_seconds};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use chrono::{DateTime, Utc};
use rollcall_core::event::EventId;
use rollcall_core::invitee::InviteeId;
use rollcall_core::status::Answer;
use rollcall_core::tokens::TokenKey;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Instant;

/// A form may be submitted up to a day after the page was served.
pub const FORM_MAX_AGE_SECONDS: i64 = 86_400;
/// Longest address accepted (RFC 5321).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Largest form body accepted.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn rsvp_scope(event: &EventId) -> String {
    format!("rsvp:{event}")
}

pub fn answer_scope(invitee: &InviteeId) -> String {
    format!("answer:{invitee}")
}

/// A fresh form token for `scope`, with a random nonce of 128 bits.
pub fn issue(tokens: &TokenKey, scope: &str, now: DateTime<Utc>) -> String {
    let bytes: [u8; 16] = rand::random();
    let mut nonce = String::with_capacity(32);
    for byte in bytes {
        let _ = write!(nonce, "{byte:02x}");
    }
    tokens.form_token(scope, now.timestamp(), &nonce)
}

/// The token, if it was issued for `scope` by this server within the last day.
pub fn verify<'a>(
    tokens: &TokenKey,
    scope: &str,
    token: &'a str,
    now: DateTime<Utc>,
) -> Option<&'a str> {
    tokens.verify_form_token(scope, token, now.timestamp(), FORM_MAX_AGE_SECONDS)
}

/// `scheme://host[:port]` of a URL, lower-cased.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!scheme.is_empty() && !authority.is_empty())
        .then(|| format!("{scheme}://{authority}").to_ascii_lowercase())
}

/// False when the request names an `Origin` other than our public base URL's (a form posted
/// from another site). Requests without one (older browsers, mail providers) pass: the form
/// token is what protects them.
pub fn origin_allowed(headers: &HeaderMap, base_url: &str) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let (Ok(origin), Some(ours)) = (origin.to_str(), origin_of(base_url)) else {
        return false;
    };
    origin.trim().to_ascii_lowercase() == ours
}

/// False when the browser says the request comes from another site (`Sec-Fetch-Site:
/// cross-site`) or from a sibling host of ours (`same-site`): our forms are served from our
/// own origin only, so a genuine post says `same-origin` (the token pages' `no-referrer`
/// policy nulls `Origin`, not this header), or `none` for one the user started themselves.
/// Browsers that do not send the header, and clients that are not browsers, pass: the form
/// token is what protects them. `same-site` matters most on the token pages, whose
/// `Origin: null` is dropped: there this header alone tells a sibling host's post apart.
pub fn fetch_site_allowed(headers: &HeaderMap) -> bool {
    match headers.get("sec-fetch-site") {
        None => true,
        Some(value) => matches!(value.as_bytes(), b"same-origin" | b"none"),
    }
}

/// Both checks of where a writing request comes from ([`origin_allowed`] and
/// [`fetch_site_allowed`]): made before anything else, so a post from another site costs
/// no one's rate-limit budget.
pub fn from_our_site(headers: &HeaderMap, base_url: &str) -> bool {
    origin_allowed(headers, base_url) && fetch_site_allowed(headers)
}

/// The rate-limit bucket of the client: its address where the server passed it on
/// (`ConnectInfo<SocketAddr>`; behind a trusted proxy the address it forwarded for, see
/// [`client_addr`](crate::client_addr)), otherwise one bucket shared by everyone.
#[derive(Debug, Clone)]
pub struct ClientKey(pub String);

impl FromRequestParts<AppState> for ClientKey {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let key = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| {
                client_key(client_ip(addr.ip(), &parts.headers, &state.trusted_proxies))
            })
            .unwrap_or_else(|| "(unknown client)".to_string());
        Ok(ClientKey(key))
    }
}

/// Takes a token from the client's bucket, then from the event's (if any); `Err(seconds)`
/// to wait when either is empty.
pub fn rate_limit(
    state: &AppState,
    client: &ClientKey,
    event: Option<&EventId>,
) -> Result<(), u64> {
    let now = Instant::now();
    state
        .limits
        .per_client
        .check(&client.0, now)
        .map_err(retry_after_seconds)?;
    if let Some(event) = event {
        state
            .limits
            .per_event
            .check(event.as_str(), now)
            .map_err(retry_after_seconds)?;
    }
    Ok(())
}

/// The form's answer words: `yes`, `maybe`, `no`.
pub fn parse_answer(text: &str) -> Option<Answer> {
    match text.trim() {
        "yes" => Some(Answer::Accepted),
        "maybe" => Some(Answer::Tentative),
        "no" => Some(Answer::Declined),
        _ => None,
    }
}

/// The form word for an answer (`""` for one the form does not offer).
pub fn answer_word(answer: &str) -> &'static str {
    match answer {
        "accepted" => "yes",
        "tentative" => "maybe",
        "declined" => "no",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_our_origin_or_none_is_allowed() {
        let base = "https://rsvp.example.org";
        let mut headers = HeaderMap::new();
        assert!(origin_allowed(&headers, base));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://RSVP.example.org"),
        );
        assert!(origin_allowed(&headers, base));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!origin_allowed(&headers, base));
        headers.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!origin_allowed(&headers, base));
        assert_eq!(
            origin_of("http://127.0.0.1:8080/x"),
            Some("http://127.0.0.1:8080".into())
        );
    }

    #[test]
    fn only_our_own_pages_or_the_user_may_post() {
        let mut headers = HeaderMap::new();
        assert!(fetch_site_allowed(&headers), "no header: an older browser");
        for (value, allowed) in [
            ("same-origin", true),
            ("none", true),
            ("same-site", false),
            ("cross-site", false),
            ("Same-Origin", false),
            ("", false),
        ] {
            headers.insert("sec-fetch-site", HeaderValue::from_static(value));
            assert_eq!(fetch_site_allowed(&headers), allowed, "{value:?}");
        }
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!from_our_site(&headers, "https://rsvp.example.org"));
    }

    #[test]
    fn answers_round_trip() {
        for word in ["yes", "maybe", "no"] {
            let answer = parse_answer(word).map(|a| answer_word(a.as_str()));
            assert_eq!(answer, Some(word));
        }
        assert_eq!(parse_answer("delegated"), None);
    }
}
