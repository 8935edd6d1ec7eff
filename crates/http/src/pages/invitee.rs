//! `/r/{token}`: an invitee's own page (their answer, its history, buttons to change it), and
//! the POST that changes it. The token in the URL is the capability; the router sends
//! `Referrer-Policy: no-referrer` and `Cache-Control: no-store` for every answer here.

use super::{
    EventView, Found, OCCURRENCES_SHOWN, OrUnavailable, PageError, cancelled, over, render,
};
use crate::AppState;
use crate::forms::{self, ClientKey, answer_scope, answer_word, parse_answer};
use crate::pages::{TokenForm, checked_form};
use crate::text::{clean, clean_opt};
use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use rollcall_core::event::{Exceptions, normalize_email};
use rollcall_core::invitee::InviteeId;
use rollcall_core::ports::SignalRecord;
use rollcall_core::present::{occurrence_id_text, occurrence_text};
use rollcall_core::recurrence::{self, OccurrenceState};
use rollcall_core::status::{Answer, Channel, MailKind, Signal, SignalKind};
use rollcall_core::tokens::Purpose;
use rollcall_core::usecase::rsvp::{self, RsvpError};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AnswerInput {
    answer: String,
    /// Set by a date's own form: the answer is for that occurrence only.
    occurrence: String,
    form_token: String,
}

impl TokenForm for AnswerInput {
    fn form_token(&self) -> &str {
        &self.form_token
    }
}

struct AnswerForm {
    action: String,
    token: String,
    /// The current answer's form word (`yes`, `maybe`, `no`), or `""`.
    current: &'static str,
}

impl AnswerForm {
    /// (value, button text, is the current answer).
    fn choices(&self) -> [(&'static str, &'static str, bool); 3] {
        [
            ("yes", "Yes, I'll come", self.current == "yes"),
            ("maybe", "Maybe", self.current == "maybe"),
            ("no", "No, I can't come", self.current == "no"),
        ]
    }

    /// The same, in the few words a row of dates has room for.
    fn short_choices(&self) -> [(&'static str, &'static str, bool); 3] {
        [
            ("yes", "Yes", self.current == "yes"),
            ("maybe", "Maybe", self.current == "maybe"),
            ("no", "No", self.current == "no"),
        ]
    }
}

/// One coming date of a series, with the invitee's answer for it and a form to change it.
struct DateAnswer {
    /// Its RECURRENCE-ID, which the form posts back.
    id: String,
    text: String,
    answer: String,
    form: Option<AnswerForm>,
}

struct Stopped {
    why: String,
    action: String,
    token: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResubscribeInput {
    form_token: String,
}

impl TokenForm for ResubscribeInput {
    fn form_token(&self) -> &str {
        &self.form_token
    }
}

/// The form scope of one invitee's "email me again" button.
fn resubscribe_scope(id: &InviteeId) -> String {
    format!("resubscribe:{id}")
}

struct HistoryRow {
    iso: String,
    time: String,
    channel: &'static str,
    what: String,
    effect: String,
}

struct ProposalView {
    when: String,
    comment: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/invitee.html")]
struct InviteePage {
    event: EventView,
    name: Option<String>,
    email: String,
    answer_text: &'static str,
    previous: Option<String>,
    proposal: Option<ProposalView>,
    /// Why Rollcall mails them nothing (this event, or every event), with a button for mail
    /// again; `None` while they get mail.
    stopped: Option<Stopped>,
    form: Option<AnswerForm>,
    /// A series' coming dates, each answerable on its own; empty for a one-off event.
    dates: Vec<DateAnswer>,
    history: Vec<HistoryRow>,
    unsubscribe_href: String,
}

pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let id = state
        .tokens
        .verify(Purpose::Page, &token)
        .ok_or_else(PageError::not_found)?;
    let invitee = state
        .store
        .invitee(&id)
        .await
        .found("reading invitee failed")?;
    let event = state
        .store
        .event(&invitee.event_id)
        .await
        .found("reading event failed")?;
    let history = state
        .store
        .signals_of(&id)
        .await
        .or_unavailable("reading history failed")?
        .iter()
        .map(history_row)
        .collect();
    let view = EventView::of(&event);
    let status = &invitee.status;
    let response = status.value("response").unwrap_or("needs-action");
    let previous = status
        .previous_answer()
        .filter(|_| response == "needs-action")
        .map(|(answer, _)| {
            format!(
                "You had said {} before the time changed.",
                answer_in_words(answer)
            )
        });
    let proposal = status.proposal().map(|p| ProposalView {
        when: match (&p.proposed_start, &p.proposed_end) {
            (Some(start), Some(end)) => format!("from {start} to {end}"),
            (Some(start), None) => format!("starting {start}"),
            _ => "(no time given)".to_string(),
        },
        comment: clean_opt(p.comment.as_deref()),
    });
    let suppression = state
        .store
        .suppression(&normalize_email(&invitee.email))
        .await
        .or_unavailable("reading the suppression list failed")?;
    let reachability = status.value("reachability").unwrap_or("ok");
    let why = match (&suppression, reachability) {
        (Some(s), _) => Some(format!(
            "Rollcall sends this address no email, for any event: {}.",
            s.describe()
        )),
        (None, "ok") => None,
        (None, "unsubscribed") => Some("You get no more email about this event.".to_string()),
        (None, other) => Some(format!(
            "Rollcall sends you no more email about this event: your address {other}."
        )),
    };
    let page_token = state.tokens.token(Purpose::Page, &id);
    let stopped = why.map(|why| Stopped {
        why,
        action: format!("/r/{page_token}/resubscribe"),
        token: forms::issue(&state.tokens, &resubscribe_scope(&id), Utc::now()),
    });
    let answer_form = |current: &str| AnswerForm {
        action: format!("/r/{page_token}"),
        token: forms::issue(&state.tokens, &answer_scope(&id), Utc::now()),
        current: answer_word(current),
    };
    let form = view.takes_answers().then(|| answer_form(response));
    let now = Utc::now();
    let dates = recurrence::upcoming(
        &event.details,
        Exceptions::of(&event),
        now,
        OCCURRENCES_SHOWN,
    )
    .occurrences
    .into_iter()
    .filter(|o| o.state != OccurrenceState::Cancelled)
    .map(|o| {
        let answer = status.answer_for(&o.id);
        DateAnswer {
            text: clean(&occurrence_text(&o)),
            answer: date_answer_text(answer.answer, answer.own),
            form: view
                .takes_answers()
                .then(|| answer_form(answer.answer.as_str())),
            id: o.id,
        }
    })
    .collect();
    let page = InviteePage {
        name: clean_opt(invitee.name.as_deref()),
        email: invitee.email.clone(),
        answer_text: answer_text(response, previous.is_some(), &view),
        previous,
        proposal,
        stopped,
        form,
        dates,
        history,
        unsubscribe_href: format!("/u/{}", state.tokens.token(Purpose::Unsubscribe, &id)),
        event: view,
    };
    Ok(render(StatusCode::OK, page.render()))
}

pub async fn change(
    State(state): State<AppState>,
    Path(token): Path<String>,
    client: ClientKey,
    headers: HeaderMap,
    form: Result<Form<AnswerInput>, FormRejection>,
) -> Result<Response, PageError> {
    let id = state
        .tokens
        .verify(Purpose::Page, &token)
        .ok_or_else(PageError::not_found)?;
    let now = Utc::now();
    let reload = format!("/r/{}", state.tokens.token(Purpose::Page, &id));
    let scope = answer_scope(&id);
    let (input, nonce) = checked_form(&state, &client, &headers, form, None, &scope, &reload, now)?;
    let nonce = nonce.as_str();
    let answer = parse_answer(&input.answer).ok_or_else(|| {
        PageError::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Please choose an answer",
            "Please go back and choose yes, maybe or no.",
        )
    })?;
    let store = state.store.as_ref();
    let changed = match input.occurrence.trim() {
        "" => rsvp::change_answer(&id, answer, nonce, store, now).await,
        occurrence => rsvp::answer_occurrence(&id, occurrence, answer, nonce, store, now).await,
    };
    match changed {
        Ok(invitee) => {
            // The event's counts changed: its public page renders afresh.
            state.pages.forget(&invitee.event_id);
            Ok(page_redirect(&state, &id))
        }
        Err(RsvpError::UnknownInvitee | RsvpError::UnknownEvent) => Err(PageError::not_found()),
        Err(RsvpError::Cancelled) => Err(cancelled().into()),
        Err(RsvpError::Over) => Err(over().into()),
        Err(RsvpError::NotAnOccurrence) => Err(PageError::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "That date cannot be answered",
            "It is not one of this event's coming dates: it may have been cancelled or be over. \
             Please go back and reload the page.",
        )),
        Err(error) => Err(PageError::unavailable("changing an answer failed", error)),
    }
}

/// `POST /r/{token}/resubscribe`: the owner of the page asks for mail again (this event, and
/// any event if the address was suppressed).
pub async fn resubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
    client: ClientKey,
    headers: HeaderMap,
    form: Result<Form<ResubscribeInput>, FormRejection>,
) -> Result<Response, PageError> {
    let id = state
        .tokens
        .verify(Purpose::Page, &token)
        .ok_or_else(PageError::not_found)?;
    let now = Utc::now();
    let reload = format!("/r/{}", state.tokens.token(Purpose::Page, &id));
    let scope = resubscribe_scope(&id);
    let (_, nonce) = checked_form(&state, &client, &headers, form, None, &scope, &reload, now)?;
    match rsvp::resubscribe(&id, &nonce, state.store.as_ref(), now).await {
        Ok(_) => Ok(page_redirect(&state, &id)),
        Err(RsvpError::UnknownInvitee | RsvpError::UnknownEvent) => Err(PageError::not_found()),
        Err(error) => Err(PageError::unavailable("resubscribing failed", error)),
    }
}

fn page_redirect(state: &AppState, id: &InviteeId) -> Response {
    let token = state.tokens.token(Purpose::Page, id);
    Redirect::to(&format!("/r/{token}")).into_response()
}

fn answer_in_words(answer: Answer) -> &'static str {
    match answer {
        Answer::Accepted => "yes",
        Answer::Tentative => "maybe",
        Answer::Declined => "no",
        Answer::Delegated => "you delegated it",
        Answer::NeedsAction => "nothing",
    }
}

/// The invitee's answer in words, as it stands for the event as it is now: a cancelled or past
/// event asks for no answer, and "you are going" is no longer true of either.
fn answer_text(response: &str, time_changed: bool, event: &EventView) -> &'static str {
    if event.cancelled {
        return match response {
            "accepted" => "The organizer cancelled this event. You had said yes.",
            "tentative" => "The organizer cancelled this event. You had said maybe.",
            "declined" => "The organizer cancelled this event. You had said no.",
            _ => "The organizer cancelled this event.",
        };
    }
    if event.over {
        return match response {
            "accepted" => "This event is over. You had said yes.",
            "tentative" => "This event is over. You had said maybe.",
            "declined" => "This event is over. You had said no.",
            _ => "This event is over. You did not answer.",
        };
    }
    match response {
        "accepted" => "You said yes: you are going.",
        "tentative" => "You said maybe.",
        "declined" => "You said no: you can't go.",
        "delegated" => "You passed your invitation on to someone else.",
        _ if time_changed => "The organizer changed the time. Please answer again.",
        _ => "You have not answered yet.",
    }
}

/// One date's answer in words: given for it alone, or the series answer it follows.
fn date_answer_text(answer: Answer, own: bool) -> String {
    match (answer, own) {
        (Answer::NeedsAction, _) => "Not answered".to_string(),
        (answer, true) => format!("You said {} for this date", answer_in_words(answer)),
        (answer, false) => format!("{} (your answer for every date)", capitalized(answer)),
    }
}

fn capitalized(answer: Answer) -> &'static str {
    match answer {
        Answer::Accepted => "Yes",
        Answer::Tentative => "Maybe",
        Answer::Declined => "No",
        Answer::Delegated => "Delegated",
        Answer::NeedsAction => "Not answered",
    }
}

fn channel_in_words(channel: Channel) -> &'static str {
    match channel {
        Channel::Web => "this web site",
        Channel::CalendarReply => "your calendar",
        Channel::OrganizerList => "the organizer's calendar",
        Channel::Provider => "the mail service",
        Channel::Api => "the API",
    }
}

fn what_happened(signal: &Signal) -> String {
    let kind = &signal.kind;
    // A later mail is named for what it is: "update sent", "cancellation queued".
    if let Some(mail) = signal.provenance.mail
        && mail != MailKind::Invitation
    {
        match kind {
            SignalKind::Queued => return format!("{} queued", mail.words()),
            SignalKind::Delayed => return format!("{} delayed (retrying)", mail.words()),
            SignalKind::Sent => return format!("{} sent", mail.words()),
            _ => {}
        }
    }
    match kind {
        SignalKind::Listed => "added to the guest list".into(),
        SignalKind::Queued => "invitation queued".into(),
        SignalKind::Delayed => "invitation delayed (retrying)".into(),
        SignalKind::Sent => "invitation sent".into(),
        SignalKind::Delivered => "invitation delivered".into(),
        SignalKind::Opened => "invitation opened".into(),
        SignalKind::Clicked => "link in the invitation opened".into(),
        SignalKind::Answer(answer) => format!("answered {}", answer_in_words(*answer)),
        SignalKind::OccurrenceAnswer { occurrence, answer } => {
            let date = occurrence_id_text(occurrence);
            format!("answered {} for {date} only", answer_in_words(*answer))
        }
        SignalKind::Reconfirm => "the organizer changed the time".into(),
        SignalKind::Counter { .. } => "proposed another time".into(),
        SignalKind::Bounced => "mail to you bounced".into(),
        SignalKind::Complained => "mail marked as spam".into(),
        SignalKind::Unsubscribed => "unsubscribed from email".into(),
        SignalKind::Resubscribed => "asked for email again".into(),
    }
}

fn history_row(record: &SignalRecord) -> HistoryRow {
    let signal = &record.signal;
    HistoryRow {
        iso: signal.occurred_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        time: signal.occurred_at.format("%Y-%m-%d %H:%M").to_string(),
        channel: channel_in_words(signal.channel),
        what: what_happened(signal),
        effect: clean_opt(Some(&record.effect)).unwrap_or_default(),
    }
}
