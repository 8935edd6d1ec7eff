//! `/u/{token}`: stop mail about one event, or from Rollcall altogether. GET only asks; POST
//! does it. The POST is also the RFC 8058 one-click target that mail providers call with
//! `List-Unsubscribe=One-Click` and neither a form token nor an `Origin`: the token in the URL
//! is the capability, so any POST with a genuine token unsubscribes from the event, and only
//! the page's second button (`scope=everything`) adds the address to the suppression list.

use super::{not_found, render, unavailable};
use crate::AppState;
use crate::text::clean;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use rollcall_core::event::EventId;
use rollcall_core::rsvp::{self, RsvpError, UnsubscribeScope};
use rollcall_core::tokens::Purpose;

#[derive(Template)]
#[template(path = "pages/unsubscribe.html")]
struct UnsubscribePage {
    title: String,
    action: String,
    /// They were unsubscribed before this page was shown.
    already: bool,
    /// This request unsubscribed them.
    done: bool,
    /// From everything Rollcall sends (the address is suppressed deployment-wide).
    everything: bool,
}

async fn event_title(state: &AppState, id: &EventId) -> Result<String, Response> {
    match state.store.event(id).await {
        Ok(Some(event)) => Ok(clean(event.title())),
        Ok(None) => Ok("this event".to_string()),
        Err(error) => Err(unavailable("reading event failed", error)),
    }
}

pub async fn confirm(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(id) = state.tokens.verify(Purpose::Unsubscribe, &token) else {
        return not_found().await;
    };
    let invitee = match state.store.invitee(&id).await {
        Ok(Some(invitee)) => invitee,
        Ok(None) => return not_found().await,
        Err(error) => return unavailable("reading invitee failed", error),
    };
    let title = match event_title(&state, &invitee.event_id).await {
        Ok(title) => title,
        Err(response) => return response,
    };
    let page = UnsubscribePage {
        title,
        action: format!("/u/{}", state.tokens.token(Purpose::Unsubscribe, &id)),
        already: invitee.status.value("reachability") == Some("unsubscribed"),
        done: false,
        everything: false,
    };
    render(StatusCode::OK, page.render())
}

pub async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: String,
) -> Response {
    let Some(id) = state.tokens.verify(Purpose::Unsubscribe, &token) else {
        return not_found().await;
    };
    // The body is a tiny form (`List-Unsubscribe=One-Click`, or the page's `scope=everything`);
    // anything else is this event only.
    let everything = body.len() < 256 && body.split('&').any(|pair| pair == "scope=everything");
    let scope = if everything {
        UnsubscribeScope::Everything
    } else {
        UnsubscribeScope::ThisEvent
    };
    let invitee = match rsvp::unsubscribe(&id, scope, state.store.as_ref(), Utc::now()).await {
        Ok(invitee) => invitee,
        Err(RsvpError::UnknownInvitee | RsvpError::UnknownEvent) => return not_found().await,
        Err(error) => return unavailable("unsubscribing failed", error),
    };
    let title = match event_title(&state, &invitee.event_id).await {
        Ok(title) => title,
        Err(response) => return response,
    };
    let page = UnsubscribePage {
        title,
        action: format!("/u/{}", state.tokens.token(Purpose::Unsubscribe, &id)),
        already: false,
        done: true,
        everything,
    };
    render(StatusCode::OK, page.render())
}
