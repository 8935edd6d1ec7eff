//! Organizers sign in with a link sent by mail (DESIGN §5: `/o/<token>`). GET only shows a
//! "Continue" button (mail scanners open every link); the POST uses the link up and starts a
//! session. `/signin` asks for a new link: it answers the same whether or not the address has
//! events, and is limited per client and per address.

use super::{OrUnavailable, PageError, checked_form, render, unavailable};
use crate::AppState;
use crate::forms::{self, ClientKey};
use crate::pages::TokenForm;
use crate::session;
use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rollcall_core::usecase::access::{self, SignInError, hash_secret};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ContinueInput {
    form_token: String,
}

impl TokenForm for ContinueInput {
    fn form_token(&self) -> &str {
        &self.form_token
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RequestInput {
    form_token: String,
    email: String,
}

impl TokenForm for RequestInput {
    fn form_token(&self) -> &str {
        &self.form_token
    }
}

struct ContinueForm {
    action: String,
    token: String,
}

#[derive(Template)]
#[template(path = "pages/sign_in.html")]
struct SignInPage {
    heading: &'static str,
    lead: String,
    continue_form: Option<ContinueForm>,
    /// One button that mails a fresh link to the address an old link was for.
    renew_form: Option<ContinueForm>,
    request_form: Option<String>,
}

const REQUEST_SCOPE: &str = "sign-in-request";

/// The form scope of one link's Continue button: a form token works for that link only.
fn continue_scope(token: &str) -> String {
    format!("sign-in:{}", &hash_secret(token)[..16])
}

/// The form scope of one old link's "mail me a new link" button.
fn renew_scope(token: &str) -> String {
    format!("sign-in-renew:{}", &hash_secret(token)[..16])
}

const EXPIRED: (&str, &str) = (
    "This link has expired",
    "Sign-in links work for a short time only.",
);
const SPENT: (&str, &str) = (
    "This link no longer works",
    "It was used already, or you signed in with another link since.",
);

/// The page of a link that no longer works: one button that mails a fresh link to the address
/// it was for, while Rollcall remembers the link; else the form that asks for an address.
async fn old_link_page(
    state: &AppState,
    token: &str,
    (heading, why): (&'static str, &str),
) -> Response {
    let now = Utc::now();
    match access::renewal_address(state.store.as_ref(), token, now).await {
        Ok(Some(_)) => {
            let page = SignInPage {
                heading,
                lead: format!(
                    "{why} One click mails a new link to the address this one was sent to."
                ),
                continue_form: None,
                renew_form: Some(ContinueForm {
                    action: format!("/o/{token}/renew"),
                    token: forms::issue(&state.tokens, &renew_scope(token), now),
                }),
                request_form: None,
            };
            render(StatusCode::GONE, page.render())
        }
        Ok(None) => request_page(
            state,
            StatusCode::GONE,
            heading,
            &format!("{why} Ask for a new one here."),
        ),
        Err(error) => unavailable("sign-in link", error),
    }
}

fn request_page(
    state: &AppState,
    status: StatusCode,
    heading: &'static str,
    lead: &str,
) -> Response {
    let page = SignInPage {
        heading,
        lead: lead.to_string(),
        continue_form: None,
        renew_form: None,
        request_form: Some(forms::issue(&state.tokens, REQUEST_SCOPE, Utc::now())),
    };
    render(status, page.render())
}

/// `GET /signin`: ask for a link.
pub async fn ask(State(state): State<AppState>) -> Response {
    request_page(
        &state,
        StatusCode::OK,
        "Sign in to Rollcall",
        "Rollcall has no passwords: enter the address you organize events from, and it \
         mails you a link that signs you in.",
    )
}

/// `POST /signin`: queue a link if the address has events; the same answer either way.
pub async fn request(
    State(state): State<AppState>,
    client: ClientKey,
    headers: HeaderMap,
    form: Result<Form<RequestInput>, FormRejection>,
) -> Result<Response, PageError> {
    let now = Utc::now();
    let (input, _) = checked_form(
        &state,
        &client,
        &headers,
        form,
        None,
        REQUEST_SCOPE,
        "/signin",
        now,
    )?;
    let email = input.email.trim().to_ascii_lowercase();
    if email.is_empty() || email.len() > forms::MAX_EMAIL_CHARS {
        return Ok(request_page(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Sign in to Rollcall",
            "Please enter your email address.",
        ));
    }
    let lead = session::link_requested_message(&email);
    Ok(link_requested(&state, &email, &lead, now).await)
}

/// Asks for a link for `email` (within the per-address limit) and answers with `lead`.
async fn link_requested(state: &AppState, email: &str, lead: &str, now: DateTime<Utc>) -> Response {
    match session::request_link(state, email, now).await {
        Ok(()) => request_page(state, StatusCode::OK, "Check your email", lead),
        Err(session::LinkRequestError::RateLimited(seconds)) => super::too_many_requests(seconds),
        Err(session::LinkRequestError::Store(error)) => unavailable("sign-in request", error),
    }
}

/// `GET /o/{token}`: the Continue button (nothing is used up by opening the link).
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let now = Utc::now();
    let link = state.store.credential(&hash_secret(&token)).await;
    let link = (link.or_unavailable("sign-in link")?)
        .filter(|c| c.kind == rollcall_core::ports::CredentialKind::SignInLink);
    Ok(match link {
        Some(link) if link.expires_at.is_none_or(|at| at > now) => {
            let page = SignInPage {
                heading: "Continue to your dashboard",
                lead: format!("You are signing in as {}.", link.organizer),
                continue_form: Some(ContinueForm {
                    action: format!("/o/{token}"),
                    token: forms::issue(&state.tokens, &continue_scope(&token), now),
                }),
                renew_form: None,
                request_form: None,
            };
            render(StatusCode::OK, page.render())
        }
        Some(_) => old_link_page(&state, &token, EXPIRED).await,
        None => old_link_page(&state, &token, SPENT).await,
    })
}

/// `POST /o/{token}/renew`: mails a fresh link to the address an old link was for, with the
/// same limits as `/signin`, and answers like it.
pub async fn renew(
    State(state): State<AppState>,
    Path(token): Path<String>,
    client: ClientKey,
    headers: HeaderMap,
    form: Result<Form<ContinueInput>, FormRejection>,
) -> Result<Response, PageError> {
    let now = Utc::now();
    let scope = renew_scope(&token);
    let reload = format!("/o/{token}");
    checked_form(&state, &client, &headers, form, None, &scope, &reload, now)?;
    let address = access::renewal_address(state.store.as_ref(), &token, now).await;
    let Some(address) = address.or_unavailable("sign-in link")? else {
        return Ok(old_link_page(&state, &token, SPENT).await);
    };
    let lead = "A new sign-in link is on its way to the address this one was sent to. It works \
                once, for a short time.";
    Ok(link_requested(&state, &address, lead, now).await)
}

/// `POST /o/{token}`: uses the link up, starts a session (a new id; any session the browser
/// had is ended) and goes to the dashboard.
pub async fn sign_in(
    State(state): State<AppState>,
    Path(token): Path<String>,
    client: ClientKey,
    headers: HeaderMap,
    form: Result<Form<ContinueInput>, FormRejection>,
) -> Result<Response, PageError> {
    let now = Utc::now();
    let scope = continue_scope(&token);
    let reload = format!("/o/{token}");
    checked_form(&state, &client, &headers, form, None, &scope, &reload, now)?;
    Ok(
        match access::sign_in(state.store.as_ref(), &token, &state.access, now).await {
            Ok(new) => {
                if let Some(old) = session::cookie_secret(&headers, &state) {
                    // Rotation: the id the browser had before signing in is not kept.
                    let _ = access::sign_out(state.store.as_ref(), &old).await;
                }
                let cookie = session::cookie(&state, &new.secret, state.access.session_lifetime);
                (
                    StatusCode::SEE_OTHER,
                    [
                        (axum::http::header::SET_COOKIE, cookie),
                        (axum::http::header::LOCATION, "/app/".to_string()),
                    ],
                )
                    .into_response()
            }
            Err(SignInError::Expired) => old_link_page(&state, &token, EXPIRED).await,
            Err(SignInError::Unknown) => old_link_page(&state, &token, SPENT).await,
            Err(SignInError::Store(error)) => unavailable("sign-in", error),
        },
    )
}
