//! `/e/{event_id}`: the public event page with its RSVP form, and the form's POST.

use super::{EventView, Found, OrUnavailable, PageError, cancelled, over, render};
use crate::AppState;
use crate::calendar_links::{CalendarLinks, calendar_links};
use crate::forms::{self, ClientKey, MAX_EMAIL_CHARS, parse_answer, rsvp_scope};
use crate::page_cache;
use crate::pages::{TokenForm, checked_form};
use crate::text::clean;
use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rollcall_core::event::{EventId, EventState};
use rollcall_core::invitee::parse_email;
use rollcall_core::rsvp::{self, MAX_NAME_CHARS, RsvpError, RsvpRequest, RsvpSettings, Rsvped};
use serde::Deserialize;

/// What the RSVP form posts. Every field defaults, so a missing one is a message on the
/// page, not a bare 422 from the extractor.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RsvpInput {
    name: String,
    email: String,
    answer: String,
    form_token: String,
}

impl TokenForm for RsvpInput {
    fn form_token(&self) -> &str {
        &self.form_token
    }
}

#[derive(Debug, Default)]
struct FormErrors {
    name: Option<String>,
    email: Option<String>,
    answer: Option<String>,
}

impl FormErrors {
    fn any(&self) -> bool {
        self.name.is_some() || self.email.is_some() || self.answer.is_some()
    }

    fn all(&self) -> Vec<&str> {
        [&self.name, &self.email, &self.answer]
            .into_iter()
            .filter_map(|e| e.as_deref())
            .collect()
    }
}

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
async fn event_page(
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

fn validate(input: &RsvpInput) -> FormErrors {
    let email = input.email.trim();
    FormErrors {
        name: (input.name.trim().chars().count() > MAX_NAME_CHARS)
            .then(|| format!("Please enter a name of at most {MAX_NAME_CHARS} characters.")),
        email: if email.is_empty() {
            Some("Please enter your email address.".into())
        } else if email.chars().count() > MAX_EMAIL_CHARS {
            Some(format!(
                "An email address has at most {MAX_EMAIL_CHARS} characters."
            ))
        } else if parse_email(email).is_none() {
            Some("Please enter a valid email address, like name@example.com.".into())
        } else {
            None
        },
        answer: parse_answer(&input.answer)
            .is_none()
            .then(|| "Please choose yes, maybe or no.".into()),
    }
}

pub async fn rsvp(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
    client: ClientKey,
    headers: HeaderMap,
    form: Result<Form<RsvpInput>, FormRejection>,
) -> Result<Response, PageError> {
    let id = EventId::parse(&raw_id).ok_or_else(PageError::not_found)?;
    let now = Utc::now();
    let reload = format!("/e/{id}");
    let scope = rsvp_scope(&id);
    let (input, nonce) = checked_form(
        &state,
        &client,
        &headers,
        form,
        Some(&id),
        &scope,
        &reload,
        now,
    )?;
    let nonce = nonce.as_str();
    let errors = validate(&input);
    let Some(answer) = parse_answer(&input.answer).filter(|_| !errors.any()) else {
        return event_page(
            &state,
            &id,
            Some((&input, errors)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let request = RsvpRequest {
        event_id: &id,
        name: &input.name,
        email: &input.email,
        answer,
        nonce,
    };
    let settings = RsvpSettings {
        domain: state.settings.domain.clone(),
        quotas: state.ingest.quotas.clone(),
    };
    let result = rsvp::rsvp(
        &request,
        &settings,
        state.store.as_ref(),
        state.ids.as_ref(),
        now,
    )
    .await;
    let field_error = |errors: FormErrors| {
        event_page(
            &state,
            &id,
            Some((&input, errors)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    match result {
        // The same page whether the address was new or already on the list: the form hands
        // nobody another invitee's page, nor says whose address is known.
        Ok(rsvped) => {
            if matches!(rsvped, Rsvped::Invited(_)) {
                // The counts changed: the next view renders afresh.
                state.pages.forget(&id);
            }
            Ok(check_your_email(&id, &input.email))
        }
        Err(RsvpError::UnknownEvent) => Err(PageError::not_found()),
        Err(RsvpError::Cancelled) => Err(cancelled().into()),
        Err(RsvpError::Over) => Err(over().into()),
        Err(RsvpError::QuotaReached) => Err(PageError::message(
            StatusCode::TOO_MANY_REQUESTS,
            "Please try again tomorrow",
            "This event has sent as many invitations as it may today. Please answer again \
             tomorrow; nothing was recorded.",
        )),
        Err(error @ (RsvpError::InvalidEmail | RsvpError::OwnAddress)) => {
            field_error(FormErrors {
                email: Some(format!("{}.", capitalized(&error))),
                ..FormErrors::default()
            })
            .await
        }
        Err(error @ RsvpError::InvalidName) => {
            field_error(FormErrors {
                name: Some(format!("{}.", capitalized(&error))),
                ..FormErrors::default()
            })
            .await
        }
        // The public form answers for the series; it never names an occurrence.
        Err(
            error @ (RsvpError::UnknownInvitee | RsvpError::NotAnOccurrence | RsvpError::Store(_)),
        ) => Err(PageError::unavailable("recording an RSVP failed", error)),
    }
}

/// "Check your email": a new invitee's invitation, or an known invitee's link, is on its way.
fn check_your_email(id: &EventId, typed: &str) -> Response {
    let page = CheckEmailPage {
        email: clean(typed.trim()),
        back: format!("/e/{id}"),
    };
    render(StatusCode::OK, page.render())
}

#[derive(Template)]
#[template(path = "pages/check_email.html")]
struct CheckEmailPage {
    email: String,
    back: String,
}

fn capitalized(error: &RsvpError) -> String {
    let text = error.to_string();
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
