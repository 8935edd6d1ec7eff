//! The change stream: `GET /api/v1/changes`, an organizer's change records in commit order,
//! resumable from the cursor of the last one a consumer saw.

use super::{ApiError, Signed, private_json, visible_event};
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::Response;
use rollcall_core::change::{ChangeQuery, ChangeType};
use rollcall_core::event::normalize_email;
use serde::Deserialize;
use serde_json::{Value, json};

/// Records per page unless asked otherwise, and at most.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 500;

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ChangesQuery {
    after: Option<String>,
    types: Option<String>,
    event_id: Option<String>,
    limit: Option<usize>,
}

pub async fn list(
    State(state): State<AppState>,
    Signed(caller): Signed,
    query: Result<Query<ChangesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let after = match query.after.as_deref().filter(|a| !a.is_empty()) {
        None => None,
        Some(text) => Some(text.parse::<u64>().map_err(|_| {
            ApiError::BadRequest(format!(
                "after={text:?} is not a cursor: pass a next_cursor or cursor this API gave"
            ))
        })?),
    };
    let types = parse_types(query.types.as_deref().unwrap_or(""))?;
    // One event's changes are in its organizer's stream, which whoever may see the event
    // may read for it; without an event, the caller's own stream.
    let (stream, event) = match query.event_id.as_deref().filter(|e| !e.is_empty()) {
        Some(id) => {
            let event = visible_event(&state, &caller, id).await?;
            (normalize_email(&event.organizer_email), Some(event.id))
        }
        None => (caller.viewer.organizer.clone(), None),
    };
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let wanted = ChangeQuery {
        after,
        types,
        event,
        limit: limit + 1,
    };
    let mut found = state.store.changes_of(&stream, &wanted).await?;
    let has_more = found.len() > limit;
    found.truncate(limit);
    let next = found.last().map_or(after.unwrap_or(0), |c| c.seq);
    let changes: Vec<Value> = found
        .iter()
        .map(|stored| {
            let mut value = json!(stored.record.published());
            value["cursor"] = json!(stored.seq.to_string());
            value
        })
        .collect();
    Ok(private_json(json!({
        "changes": changes,
        "next_cursor": next.to_string(),
        "has_more": has_more,
    })))
}

/// `invitee.answered,event.cancelled` as types; empty is every type.
fn parse_types(text: &str) -> Result<Vec<ChangeType>, ApiError> {
    let mut types = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let kind = ChangeType::parse(name).ok_or_else(|| {
            let known: Vec<&str> = ChangeType::ALL.iter().map(|t| t.as_str()).collect();
            ApiError::BadRequest(format!(
                "{name:?} is not a change type; the types are {}",
                known.join(", ")
            ))
        })?;
        if !types.contains(&kind) {
            types.push(kind);
        }
    }
    Ok(types)
}
