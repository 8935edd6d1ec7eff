//! `POST /e/{event_id}/rsvp`: the public RSVP form's answer. A valid one records the guest
//! and mails them (a new invitee's invitation or a known one's link) without saying which; an
//! invalid one shows the event page again with the typed values and what to mend.

use super::event::event_page;
use super::{PageError, cancelled, over, render};
use crate::AppState;
use crate::forms::{ClientKey, MAX_EMAIL_CHARS, parse_answer, rsvp_scope};
use crate::pages::{TokenForm, checked_form};
use crate::text::clean;
use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use rollcall_core::event::EventId;
use rollcall_core::invitee::parse_email;
use rollcall_core::usecase::rsvp::{
    self, MAX_NAME_CHARS, RsvpError, RsvpRequest, RsvpSettings, Rsvped,
};
use serde::Deserialize;

/// What the RSVP form posts. Every field defaults, so a missing one is a message on the
/// page, not a bare 422 from the extractor.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RsvpInput {
    pub(super) name: String,
    pub(super) email: String,
    pub(super) answer: String,
    form_token: String,
}

impl TokenForm for RsvpInput {
    fn form_token(&self) -> &str {
        &self.form_token
    }
}

#[derive(Debug, Default)]
pub(super) struct FormErrors {
    pub(super) name: Option<String>,
    pub(super) email: Option<String>,
    pub(super) answer: Option<String>,
}

impl FormErrors {
    pub(super) fn any(&self) -> bool {
        self.name.is_some() || self.email.is_some() || self.answer.is_some()
    }

    pub(super) fn all(&self) -> Vec<&str> {
        [&self.name, &self.email, &self.answer]
            .into_iter()
            .filter_map(|e| e.as_deref())
            .collect()
    }
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

pub async fn submit(
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
