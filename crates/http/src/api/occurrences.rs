//! `GET /api/v1/events/{event_id}/occurrences`: the dates of a recurring event, each named by
//! its RECURRENCE-ID (the id replies and per-occurrence changes use), with the organizer's
//! cancellations and moves applied, as every copy Rollcall writes shows them.

use super::events::time_json;
use super::{ApiError, Signed, private_json, visible_event};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use rollcall_core::event::{Event, Exceptions};
use rollcall_core::present::occurrence_text;
use rollcall_core::recurrence::{self, OccurrenceState};
use rollcall_core::usecase::report::{counters_for, report};
use serde::Deserialize;
use serde_json::json;

/// Most occurrences one page lists.
const MAX_LIMIT: usize = 500;

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct OccurrencesQuery {
    /// Only occurrences that have not ended by then (RFC 3339); all of them by default.
    from: Option<String>,
    limit: Option<usize>,
}

pub async fn list(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(event_id): Path<String>,
    query: Result<Query<OccurrencesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let event = visible_event(&state, &caller, &event_id).await?;
    let from = match query.from.as_deref() {
        None => DateTime::<Utc>::MIN_UTC,
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map_err(|_| ApiError::BadRequest("from is an RFC 3339 time".into()))?
            .with_timezone(&Utc),
    };
    let limit = query.limit.unwrap_or(100).clamp(1, MAX_LIMIT);
    let coming = recurrence::upcoming(&event.details, Exceptions::of(&event), from, limit);
    let counters = state.store.counters(&event.id).await?;
    let occurrences: Vec<_> = coming
        .occurrences
        .iter()
        .map(|o| {
            json!({
                "id": o.id,
                "planned": time_json(Some(&o.planned)),
                "start": time_json(Some(&o.start)),
                "end": time_json(o.end.as_ref()),
                "state": match o.state {
                    OccurrenceState::Scheduled => "scheduled",
                    OccurrenceState::Moved => "moved",
                    OccurrenceState::Cancelled => "cancelled",
                },
                "text": occurrence_text(o),
                // Everyone's answer for it: their own for this date, else the series'.
                "answers": report(&counters_for(&counters, Some(&o.id))).counts.response,
            })
        })
        .collect();
    Ok(private_json(json!({
        "recurring": recurrence::is_recurring(&event.details),
        "repeats": recurrence::describe(&event.details),
        "occurrences": occurrences,
        "more": coming.more,
    })))
}

/// The `occurrence` filter of a report, a series, a list or an export: `None` for the whole
/// series, else one of the event's RECURRENCE-IDs as `/occurrences` names them. Anything else
/// is refused rather than answered with the series' numbers under a name that means nothing.
pub fn occurrence_filter(event: &Event, text: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    recurrence::expand(&event.details, Exceptions::of(event))
        .into_iter()
        .find(|o| o.id == text)
        .map(|o| Some(o.id))
        .ok_or_else(|| {
            ApiError::BadRequest(
                "occurrence is the id of one of this event's occurrences (see its /occurrences)"
                    .into(),
            )
        })
}
