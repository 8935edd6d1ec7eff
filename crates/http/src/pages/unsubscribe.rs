//! `/u/{token}`: stop mail about one event, or from Rollcall altogether. GET only asks; POST
//! does it. The POST is also the RFC 8058 one-click target that mail providers call with
//! `List-Unsubscribe=One-Click` and neither a form token nor an `Origin`: the token in the URL
//! is the capability, so any POST with a genuine token unsubscribes from the event, and only
//! the page's second button (`scope=everything`) adds the address to the suppression list.

use super::{Found, OrUnavailable, PageError, render};
use crate::AppState;
use crate::text::clean;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use rollcall_core::event::EventId;
use rollcall_core::tokens::Purpose;
use rollcall_core::usecase::rsvp::{self, RsvpError, UnsubscribeScope};

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

async fn event_title(state: &AppState, id: &EventId) -> Result<String, PageError> {
    let event = state.store.event(id).await;
    let event = event.or_unavailable("reading event failed")?;
    Ok(event.map_or_else(|| "this event".to_string(), |e| clean(e.title())))
}

pub async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let id = state.tokens.verify(Purpose::Unsubscribe, &token);
    let id = id.ok_or_else(PageError::not_found)?;
    let invitee = state.store.invitee(&id).await;
    let invitee = invitee.found("reading invitee failed")?;
    let title = event_title(&state, &invitee.event_id).await?;
    let page = UnsubscribePage {
        title,
        action: format!("/u/{}", state.tokens.token(Purpose::Unsubscribe, &id)),
        already: invitee.status.value("reachability") == Some("unsubscribed"),
        done: false,
        everything: false,
    };
    Ok(render(StatusCode::OK, page.render()))
}

pub async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: String,
) -> Result<Response, PageError> {
    let id = state.tokens.verify(Purpose::Unsubscribe, &token);
    let id = id.ok_or_else(PageError::not_found)?;
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
        Err(RsvpError::UnknownInvitee | RsvpError::UnknownEvent) => {
            return Err(PageError::not_found());
        }
        Err(error) => return Err(PageError::unavailable("unsubscribing failed", error)),
    };
    let title = event_title(&state, &invitee.event_id).await?;
    let page = UnsubscribePage {
        title,
        action: format!("/u/{}", state.tokens.token(Purpose::Unsubscribe, &id)),
        already: false,
        done: true,
        everything,
    };
    Ok(render(StatusCode::OK, page.render()))
}
