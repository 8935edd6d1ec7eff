//! `/e/{event_id}`: the public event page with its RSVP form, and the event as an `.ics` file.
//! What the form posts is handled in [`super::rsvp_form`].

use super::rsvp_form::{FormErrors, RsvpInput};
use super::{EventView, Found, OrUnavailable, PageError, render};
use crate::AppState;
use crate::calendar_links::{CalendarLinks, calendar_links};
use crate::forms::{self, MAX_EMAIL_CHARS, parse_answer, rsvp_scope};
use crate::page_cache;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rollcall_core::event::{EventId, EventState};
use rollcall_core::usecase::rsvp::MAX_NAME_CHARS;

struct RsvpForm {
    action: String,
    token: String,
    name: String,
    email: String,
    answer: &'static str,
    errors: FormErrors,
    max_name: usize,
    max_email: usize,
}

impl RsvpForm {
    /// (value, label, checked) for the answer radios.
    fn choices(&self) -> [(&'static str, &'static str, bool); 3] {
        [
            ("yes", "Yes, I'll come", self.answer == "yes"),
            ("maybe", "Maybe", self.answer == "maybe"),
            ("no", "No, I can't come", self.answer == "no"),
        ]
    }
}

#[derive(Debug, Default)]
struct Counts {
    going: i64,
    maybe: i64,
    not_going: i64,
}

impl Counts {
    fn any(&self) -> bool {
        self.going + self.maybe + self.not_going > 0
    }
}

#[derive(Template)]
#[template(path = "pages/event.html")]
struct EventPage {
    event: EventView,
    counts: Counts,
    /// `None` for a cancelled event.
    form: Option<RsvpForm>,
    calendar: Option<CalendarLinks>,
}

pub async fn show(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
) -> Result<Response, PageError> {
    // `/e/{id}.ics` shares this route: axum cannot match a suffix beside `{id}`.
    if let Some(id) = raw_id.strip_suffix(".ics").and_then(EventId::parse) {
        return calendar_file(&state, &id).await;
    }
    let id = EventId::parse(&raw_id).ok_or_else(PageError::not_found)?;
    event_page(&state, &id, None, StatusCode::OK).await
}

/// The event as an `.ics` download (METHOD:PUBLISH) for "add to calendar".
async fn calendar_file(state: &AppState, id: &EventId) -> Result<Response, PageError> {
    let event = state.store.event(id).await.found("reading event failed")?;
    let page_url = format!("{}/e/{}", state.settings.base_url, event.id);
    let uid = format!("{}@{}", event.id, state.settings.domain);
    let body = rollcall_mail::write_public_calendar(
        &event.details,
        rollcall_mail::Exceptions::of(&event),
        &uid,
        event.sequence,
        event.updated_at,
        &page_url,
        event.state == EventState::Cancelled,
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8; method=PUBLISH".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.ics\"", event.id),
            ),
            (header::CACHE_CONTROL, "no-cache".to_string()),
        ],
        body,
    )
        .into_response())
}

/// Renders the event page; with `typed`, the form shows those values and errors.
pub(super) async fn event_page(
    state: &AppState,
    id: &EventId,
    typed: Option<(&RsvpInput, FormErrors)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    // The plain page (not a re-render with typed values) comes from the page cache when it
    // can; only the form token differs between viewers.
    let plain = typed.is_none() && status == StatusCode::OK;
    let token = || forms::issue(&state.tokens, &rsvp_scope(id), Utc::now());
    if plain && let Some(page) = state.pages.get(id) {
        let page = page_cache::with_token(&page, &token());
        return Ok(render(StatusCode::OK, Ok(page)));
    }
    let event = state.store.event(id).await.found("reading event failed")?;
    let counters = state.store.counters(id).await;
    let counters = counters.or_unavailable("reading counters failed")?;
    let mut counts = Counts::default();
    for (track, value, count) in counters {
        match (track.as_str(), value.as_str()) {
            ("response", "accepted") => counts.going += count,
            ("response", "tentative") => counts.maybe += count,
            ("response", "declined") => counts.not_going += count,
            _ => {}
        }
    }
    let view = EventView::of(&event);
    let form = view.takes_answers().then(|| {
        let (name, email, answer, errors) = match typed {
            Some((input, errors)) => (
                input.name.clone(),
                input.email.clone(),
                parse_answer(&input.answer)
                    .map(|a| forms::answer_word(a.as_str()))
                    .unwrap_or(""),
                errors,
            ),
            None => Default::default(),
        };
        RsvpForm {
            action: format!("/e/{id}/rsvp"),
            token: if plain {
                page_cache::TOKEN_SLOT.to_string()
            } else {
                token()
            },
            name,
            email,
            answer,
            errors,
            max_name: MAX_NAME_CHARS,
            max_email: MAX_EMAIL_CHARS,
        }
    });
    let calendar = (!view.cancelled).then(|| calendar_links(&event, &state.settings.base_url));
    let page = EventPage {
        event: view,
        counts,
        form,
        calendar,
    };
    if !plain {
        return Ok(render(status, page.render()));
    }
    Ok(match page.render() {
        Ok(rendered) => {
            let rendered: std::sync::Arc<str> = rendered.into();
            state.pages.put(id, rendered.clone());
            render(
                StatusCode::OK,
                Ok(page_cache::with_token(&rendered, &token())),
            )
        }
        Err(error) => render(status, Err(error)),
    })
}
