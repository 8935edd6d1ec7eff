//! An event's invitees: filtered and searched lists, one invitee's timeline, and adding
//! people from a pasted list or CSV.

use super::occurrences::occurrence_filter;
use super::{ApiError, Signed, private_json, visible_event};
use crate::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use rollcall_core::event::normalize_email;
use rollcall_core::invitee::{Invitee, InviteeId};
use rollcall_core::ports::SignalRecord;
use rollcall_core::status::{INVITEE_MODEL, SignalKind};
use rollcall_core::usecase::invite::add_invitees;
use rollcall_core::usecase::report::listing::{InviteeFilter, filtered_invitees};
use rollcall_core::usecase::report::pasted::read_pasted;
use rollcall_core::usecase::rsvp::{RsvpError, RsvpSettings};
use serde::Deserialize;
use serde_json::{Value, json};

/// Largest body of an add-invitees request, not the 16 KB every other request is held to: a
/// list of [`MAX_LIST_BYTES`] inside JSON, whose escaping can double a CSV made of quotes.
pub const MAX_ADD_BYTES: usize = 2 * MAX_LIST_BYTES + 4096;

/// One invitee as the API shows them; with `occurrence`, also their answer for it.
pub fn invitee_json(invitee: &Invitee, occurrence: Option<&str>) -> Value {
    let own: serde_json::Map<String, Value> = invitee
        .status
        .own_occurrence_answers()
        .map(|(id, answer)| (id.to_string(), json!(answer.answer)))
        .collect();
    let mut value = json!({
        "id": invitee.id,
        "name": invitee.name,
        "email": invitee.email,
        "joined_via": invitee.joined_via,
        "status": {
            "response": invitee.status.value("response"),
            "delivery": invitee.status.value("delivery"),
            "reachability": invitee.status.value("reachability"),
        },
        "proposal": invitee.status.proposal().map(|p| json!({
            "start": p.proposed_start,
            "end": p.proposed_end,
            "comment": p.comment,
        })),
        // Answers given for single occurrences that stand over the series answer.
        "occurrence_answers": own,
        "created_at": invitee.created_at.to_rfc3339(),
        "updated_at": invitee.updated_at.to_rfc3339(),
    });
    if let Some(id) = occurrence {
        let answer = invitee.status.answer_for(id);
        value["occurrence"] = json!({
            "id": id,
            "response": answer.answer,
            "own": answer.own,
        });
    }
    value
}

/// What a signal was and said, for timelines and exports.
pub fn value_of(kind: &SignalKind) -> Option<String> {
    match kind {
        SignalKind::Answer(answer) => Some(answer.as_str().to_string()),
        SignalKind::OccurrenceAnswer { occurrence, answer } => {
            Some(format!("{answer} for {occurrence}"))
        }
        SignalKind::Counter {
            proposed_start,
            proposed_end,
            ..
        } => Some(format!(
            "{} – {}",
            proposed_start.as_deref().unwrap_or("?"),
            proposed_end.as_deref().unwrap_or("?")
        )),
        _ => None,
    }
}

pub fn signal_json(record: &SignalRecord) -> Value {
    let signal = &record.signal;
    json!({
        "kind": signal.kind.name(),
        "value": value_of(&signal.kind),
        "channel": signal.channel,
        "occurred_at": signal.occurred_at.to_rfc3339(),
        "received_at": signal.received_at.to_rfc3339(),
        "provenance": signal.provenance,
        "comment": signal.comment,
        "effect": record.effect,
        "applied": !record.effect.starts_with("no change"),
    })
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    response: Option<String>,
    delivery: Option<String>,
    reachability: Option<String>,
    q: Option<String>,
    proposed: Option<bool>,
    occurrence: Option<String>,
    page: Option<usize>,
    per_page: Option<usize>,
}

pub async fn list(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(event_id): Path<String>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let event = visible_event(&state, &caller, &event_id).await?;
    let mut filter = InviteeFilter {
        tracks: Vec::new(),
        query: query.q.filter(|q| !q.trim().is_empty()),
        proposed: query.proposed.unwrap_or(false),
        occurrence: occurrence_filter(&event, query.occurrence.as_deref())?,
    };
    for (track, value) in [
        ("response", query.response),
        ("delivery", query.delivery),
        ("reachability", query.reachability),
    ] {
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            continue;
        };
        let known = INVITEE_MODEL
            .track(track)
            .is_some_and(|t| t.values.contains(&value.as_str()));
        if !known {
            return Err(ApiError::BadRequest(format!(
                "{value:?} is not a {track} value"
            )));
        }
        filter.tracks.push((track.to_string(), value));
    }
    let per_page = query.per_page.unwrap_or(50).clamp(1, 200);
    let page = query.page.unwrap_or(1).max(1);
    let (found, total) =
        filtered_invitees(state.store.as_ref(), &event.id, &filter, page, per_page).await?;
    let shown: Vec<Value> = found
        .iter()
        .map(|i| invitee_json(i, filter.occurrence.as_deref()))
        .collect();
    Ok(private_json(json!({
        "invitees": shown,
        "page": page,
        "per_page": per_page,
        "total": total,
    })))
}

pub async fn timeline(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path((event_id, invitee_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let event = visible_event(&state, &caller, &event_id).await?;
    let id = InviteeId::parse(&invitee_id).ok_or(ApiError::NotFound)?;
    let invitee = state
        .store
        .invitee(&id)
        .await?
        .filter(|i| i.event_id == event.id)
        .ok_or(ApiError::NotFound)?;
    let history = state.store.signals_of(&id).await?;
    // Deployment-wide: a bounce or complaint at any event, or "unsubscribe from everything".
    let suppression = state
        .store
        .suppression(&normalize_email(&invitee.email))
        .await?;
    Ok(private_json(json!({
        "invitee": invitee_json(&invitee, None),
        "signals": history.iter().map(signal_json).collect::<Vec<_>>(),
        "suppression": suppression.map(|s| json!({
            "reason": s.reason.as_str(),
            "since": s.since.to_rfc3339(),
            "event_id": s.event_id,
            "detail": s.detail,
            "text": s.describe(),
        })),
    })))
}

#[derive(Debug, Deserialize)]
pub struct AddRequest {
    text: String,
}

/// Largest pasted list or CSV accepted, in bytes: room for a contacts export of the most lines
/// one request may add (an Outlook row with its ninety mostly empty columns runs to 500 bytes
/// and more).
pub const MAX_LIST_BYTES: usize = 1024 * 1024;

pub async fn add(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(event_id): Path<String>,
    body: Result<Json<AddRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let event = visible_event(&state, &caller, &event_id).await?;
    let too_long = || ApiError::TooLarge("The list is too long (1 MB at most).".into());
    let Json(body) = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => too_long(),
        _ => ApiError::BadRequest(e.body_text()),
    })?;
    if body.text.len() > MAX_LIST_BYTES {
        return Err(too_long());
    }
    let lines = read_pasted(&body.text).ok_or_else(|| {
        ApiError::BadRequest("At most 1,000 people at a time; split the list.".into())
    })?;
    let settings = RsvpSettings {
        domain: state.settings.domain.clone(),
        quotas: state.ingest.quotas.clone(),
    };
    let results = add_invitees(
        &event.id,
        lines,
        &settings,
        state.store.as_ref(),
        state.ids.as_ref(),
        Utc::now(),
    )
    .await
    .map_err(|error| match error {
        RsvpError::Store(error) => ApiError::Unavailable(error),
        RsvpError::Cancelled => {
            ApiError::BadRequest("This event is cancelled; nobody can be added.".into())
        }
        RsvpError::Over => ApiError::BadRequest("This event is over; nobody can be added.".into()),
        other => ApiError::BadRequest(other.to_string()),
    })?;
    let added = results
        .iter()
        .filter(|r| r.result == rollcall_core::usecase::invite::AddResult::Added)
        .count();
    Ok(private_json(json!({"results": results, "added": added})))
}
