//! `/c/{token}`: the organizer answers for a message that needed their word (DESIGN §6): its
//! sender could not be authenticated, or it was a delegate they had not allowed. GET only
//! shows what the message would do and who it says it is from, with the buttons (Confirm, or
//! for a delegate: allow for this event / always allow / refuse); the POST (form token and
//! Origin checked like every other form) records the answer. The
//! token in the URL is the capability; the router sends `Referrer-Policy: no-referrer` and
//! `Cache-Control: no-store` for every answer here.

use super::{PageError, checked_form, message, render};
use crate::AppState;
use crate::forms::{self, ClientKey};
use crate::pages::TokenForm;
use crate::text::{clean, clean_opt};
use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use rollcall_core::outcome::{EventResult, Outcome};
use rollcall_core::ports::{MessageRecord, RawMailSource};
use rollcall_core::usecase::confirm::{
    Choice, ConfirmError, Confirmation, confirm_sender, confirmation,
};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmInput {
    form_token: String,
    /// `confirm` (or empty), `allow-event`, `allow-always`, `refuse`.
    choice: String,
}

impl TokenForm for ConfirmInput {
    fn form_token(&self) -> &str {
        &self.form_token
    }
}

struct ChangeRow {
    would: String,
    title: String,
    when: String,
}

struct ResultRow {
    text: String,
    /// The public page of the event it concerns.
    link: Option<String>,
}

struct ConfirmForm {
    action: String,
    token: String,
    /// The delegate who sent it, when a delegate did: the form offers to allow them.
    delegate: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/confirm.html")]
struct ConfirmPage {
    heading: &'static str,
    lead: String,
    /// Who the message claims to be from, and its subject (untrusted text, cleaned).
    from: Option<String>,
    subject: Option<String>,
    reason: Option<String>,
    changes: Vec<ChangeRow>,
    form: Option<ConfirmForm>,
    results: Vec<ResultRow>,
}

impl ConfirmPage {
    fn new(heading: &'static str, lead: impl Into<String>) -> ConfirmPage {
        ConfirmPage {
            heading,
            lead: lead.into(),
            from: None,
            subject: None,
            reason: None,
            changes: Vec::new(),
            form: None,
            results: Vec::new(),
        }
    }

    /// What the stored message says about itself and what it would do.
    fn about(mut self, record: &MessageRecord) -> ConfirmPage {
        self.from = record.from.as_ref().map(|from| match &from.name {
            Some(name) => format!("{} <{}>", clean(name), clean(&from.email)),
            None => clean(&from.email),
        });
        self.subject = clean_opt(record.subject.as_deref());
        if let Outcome::Processed(results) = &record.outcome {
            for result in results {
                if let EventResult::AwaitingConfirmation { reason, change, .. } = result {
                    self.reason.get_or_insert_with(|| clean(reason));
                    self.changes.push(ChangeRow {
                        would: capitalized(&change.would),
                        title: clean(&change.title),
                        when: clean(&change.when),
                    });
                }
            }
        }
        self
    }

    /// What confirming did; the page then shows that instead of what it would do.
    fn results(mut self, state: &AppState, outcome: &Outcome) -> ConfirmPage {
        self.changes.clear();
        self.results = match outcome {
            Outcome::Rejected { reason } => vec![ResultRow {
                text: format!("Rejected: {}", clean(reason)),
                link: None,
            }],
            Outcome::Processed(results) => results
                .iter()
                .map(|result| ResultRow {
                    text: capitalized(&clean(&result.to_string())),
                    link: event_of(result).map(|id| format!("{}/e/{id}", state.settings.base_url)),
                })
                .collect(),
        };
        self
    }
}

fn event_of(result: &EventResult) -> Option<&rollcall_core::event::EventId> {
    match result {
        EventResult::Created { event_id }
        | EventResult::Updated { event_id, .. }
        | EventResult::UpdatedOccurrence { event_id, .. }
        | EventResult::Cancelled { event_id }
        | EventResult::CancelledOccurrence { event_id, .. } => Some(event_id),
        // A placeholder has no page worth visiting.
        _ => None,
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%A %-d %B %Y, %H:%M UTC").to_string()
}

fn scope(message_id: &str) -> String {
    format!("confirm:{message_id}")
}

/// 503 when this deployment cannot read stored mail back (no raw-mail source wired).
fn no_raw_mail() -> PageError {
    PageError::message(
        StatusCode::SERVICE_UNAVAILABLE,
        "Confirmation is not available here",
        "This Rollcall server cannot read stored mail back, so it cannot confirm invitations. \
         Nothing was changed. Please tell the server's operator.",
    )
}

fn unknown() -> PageError {
    PageError::message(
        StatusCode::NOT_FOUND,
        "Nothing to confirm",
        "Rollcall has no invitation waiting for this link. Check that the link from your email \
         is complete: some mail programs cut long links in two.",
    )
}

fn not_awaiting() -> PageError {
    PageError::message(
        StatusCode::CONFLICT,
        "Nothing to confirm",
        "This invitation does not need confirming: Rollcall has already dealt with it.",
    )
}

fn expired(expired_at: DateTime<Utc>) -> PageError {
    PageError::message(
        StatusCode::GONE,
        "This confirmation link has expired",
        &format!(
            "This link stopped working on {}. Nothing was changed. To have Rollcall track \
             the event, send the invitation to it again from your calendar (for example by \
             changing the event, or removing and adding Rollcall as a guest).",
            day(expired_at)
        ),
    )
}

fn raw_mail(state: &AppState) -> Option<&dyn RawMailSource> {
    state.raw_mail.as_deref()
}

pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let Some(message_id) = state.tokens.verify_confirm_token(&token) else {
        return Err(PageError::not_found());
    };
    if raw_mail(&state).is_none() {
        return Err(no_raw_mail());
    }
    let now = Utc::now();
    let page = match confirmation(&message_id, &state.ingest, state.store.as_ref(), now).await {
        Ok(Confirmation::Unknown) => return Err(unknown()),
        Ok(Confirmation::NotAwaiting { .. }) => return Err(not_awaiting()),
        Ok(Confirmation::Expired { expired_at, .. }) => return Err(expired(expired_at)),
        Ok(Confirmation::Confirmed { record, outcome }) => ConfirmPage::new(
            "Already confirmed",
            "You have confirmed this invitation; this is what Rollcall did with it.",
        )
        .about(&record)
        .results(&state, &outcome),
        Ok(Confirmation::Refused { record }) => ConfirmPage::new(
            "Refused",
            "You refused this invitation: Rollcall has done nothing with it, and never will.",
        )
        .about(&record),
        Ok(Confirmation::Awaiting {
            record,
            expires_at,
            delegate,
        }) => {
            let lead = match &delegate {
                Some(delegate) => format!(
                    "{} sent this invitation on your behalf. Rollcall acts on a delegate's \
                     invitations only once you allow it, so it has done nothing yet. Choose \
                     before {}.",
                    clean(delegate),
                    day(expires_at)
                ),
                None => format!(
                    "Rollcall received this invitation but could not confirm who sent it, so \
                     it has done nothing with it yet. If you sent it, press Confirm before {}.",
                    day(expires_at)
                ),
            };
            let mut page = ConfirmPage::new("Did you send this invitation?", lead).about(&record);
            if delegate.is_some() {
                page.heading = "Did you ask for this invitation?";
            }
            page.form = Some(ConfirmForm {
                action: format!("/c/{}", state.tokens.confirm_token(&message_id)),
                token: forms::issue(&state.tokens, &scope(&message_id), now),
                delegate: delegate.as_deref().map(clean),
            });
            page
        }
        Err(error) => {
            return Err(PageError::unavailable(
                "reading a message record failed",
                error,
            ));
        }
    };
    Ok(render(StatusCode::OK, page.render()))
}

pub async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
    client: ClientKey,
    headers: HeaderMap,
    form: Result<Form<ConfirmInput>, FormRejection>,
) -> Result<Response, PageError> {
    let Some(message_id) = state.tokens.verify_confirm_token(&token) else {
        return Err(PageError::not_found());
    };
    let Some(raw_mail) = raw_mail(&state) else {
        return Err(no_raw_mail());
    };
    let now = Utc::now();
    let reload = format!("/c/{}", state.tokens.confirm_token(&message_id));
    let input = match checked_form(
        &state,
        &client,
        &headers,
        form,
        None,
        &scope(&message_id),
        &reload,
        now,
    ) {
        Ok((input, _)) => input,
        Err(refused) => return Err(refused.into()),
    };
    let Some(choice) = Choice::parse(&input.choice) else {
        return Err(PageError::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The form could not be read",
            "Go back to the page and press one of its buttons.",
        ));
    };
    let confirmed = confirm_sender(
        &message_id,
        choice,
        &state.ingest,
        state.store.as_ref(),
        raw_mail,
        state.ids.as_ref(),
        now,
    )
    .await;
    let outcome = match confirmed {
        Ok(outcome) => outcome,
        Err(ConfirmError::Unknown) => return Err(unknown()),
        Err(ConfirmError::NotAwaiting) => return Err(not_awaiting()),
        Err(ConfirmError::Expired(at)) => return Err(expired(at)),
        Err(ConfirmError::Refused) => {
            return Err(PageError::message(
                StatusCode::CONFLICT,
                "Refused",
                "You refused this invitation: Rollcall has done nothing with it.",
            ));
        }
        Err(error @ ConfirmError::TooManyDelegates) => {
            return Err(PageError::message(
                StatusCode::CONFLICT,
                "Too many delegates",
                &format!(
                    "Nothing was changed: {error}. Revoke some in your dashboard, then come back."
                ),
            ));
        }
        Err(ConfirmError::NoDelegate) => {
            return Err(PageError::message(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Nothing to allow",
                "This invitation was not sent by a delegate. Go back and press Confirm.",
            ));
        }
        Err(ConfirmError::RawMissing(id)) => {
            tracing::error!(message = %id, "confirmation: the stored message is missing");
            return Err(PageError::message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The invitation could not be found",
                "Rollcall no longer has the invitation this link is about, so nothing was \
                 changed. Please send it again from your calendar.",
            ));
        }
        Err(ConfirmError::Store(error)) => {
            return Err(PageError::unavailable("confirming failed", error));
        }
    };
    // The events it changed render afresh.
    for event in outcome.event_ids() {
        state.pages.forget(event);
    }
    let record = match state.store.message_record(&message_id).await {
        Ok(record) => record,
        Err(error) => {
            return Err(PageError::unavailable(
                "reading a message record failed",
                error,
            ));
        }
    };
    if choice == Choice::Refuse {
        return Ok(message(
            StatusCode::OK,
            "Refused",
            "Rollcall will do nothing with this invitation. If someone keeps sending \
             invitations in your name, tell the operator of this Rollcall server.",
        ));
    }
    let lead = match choice {
        Choice::AllowForEvent => {
            "Thank you. The delegate may now send this event's invitations for you, and \
             Rollcall has applied this one:"
        }
        Choice::AllowAlways => {
            "Thank you. The delegate may now send all your invitations for you (you can \
             revoke this from your dashboard), and Rollcall has applied this one:"
        }
        _ => "Thank you. Rollcall has now applied your invitation:",
    };
    let mut page = ConfirmPage::new("Confirmed", lead);
    if let Some(record) = &record {
        page = page.about(record);
    }
    Ok(render(
        StatusCode::OK,
        page.results(&state, &outcome).render(),
    ))
}
