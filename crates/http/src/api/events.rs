//! Events: the list, one event, its report and its time series. Counts come from the
//! per-event counters, never from reading invitees.

use super::occurrences::occurrence_filter;
use super::{ApiError, Signed, private_json, visible_event};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;
use rollcall_core::event::Event;
use rollcall_core::ical::TimeValue;
use rollcall_core::ports::SeriesPoint;
use rollcall_core::present::rsvp_button_html;
use rollcall_core::status::{INVITEE_MODEL, RESPONSE};
use rollcall_core::tracking::{
    ANSWERS_BY_CHANNEL, ANSWERS_BY_DOMAIN, INVITEES_BY_DOMAIN, OCCURRENCE_ANSWERS, PROPOSALS,
    for_occurrence,
};
use rollcall_core::usecase::access::visible_events;
use rollcall_core::usecase::report::listing::{EventSort, When, page, select_events};
use rollcall_core::usecase::report::series::{
    Granularity, buckets, default_from, fill, is_activity, previous,
};
use rollcall_core::usecase::report::{counters_for, report as report_of};

/// Counters beside the status tracks that have time series too.
const REPORT_TRACKS: [&str; 4] = [
    ANSWERS_BY_CHANNEL,
    ANSWERS_BY_DOMAIN,
    INVITEES_BY_DOMAIN,
    PROPOSALS,
];
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) fn time_json(time: Option<&TimeValue>) -> Value {
    match time {
        None => Value::Null,
        Some(TimeValue::Date(d)) => json!(d.format("%Y-%m-%d").to_string()),
        Some(TimeValue::Zoned { utc, .. }) => json!(utc.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        Some(TimeValue::Floating(t)) | Some(TimeValue::UnknownZone { local: t, .. }) => {
            json!(t.format("%Y-%m-%dT%H:%M:%S").to_string())
        }
    }
}

fn zone(event: &Event) -> Option<String> {
    match event.start() {
        Some(TimeValue::Zoned { tzid, .. }) if tzid.parse::<Tz>().is_ok() => Some(tzid.clone()),
        _ => None,
    }
}

/// An event as lists show it, with its headline counts.
pub fn summary(state: &AppState, event: &Event, counters: &[(String, String, i64)]) -> Value {
    let count =
        |track: &str, value: &str| rollcall_core::usecase::report::count(counters, track, value);
    let invitees: i64 = counters
        .iter()
        .filter(|(t, _, _)| t == "reachability")
        .map(|(_, _, n)| *n)
        .sum();
    json!({
        "id": event.id,
        "title": event.title(),
        "status": event.state.as_str(),
        "start": time_json(event.details.start.as_ref()),
        "end": time_json(event.details.end.as_ref()),
        "all_day": event.details.start.as_ref().is_some_and(TimeValue::is_date),
        "time_zone": zone(event),
        "location": event.details.location,
        "sequence": event.sequence,
        "organizer": {"email": event.organizer_email, "name": event.organizer_name},
        "public_url": format!("{}/e/{}", state.settings.base_url, event.id),
        "updated_at": event.updated_at.to_rfc3339(),
        "counts": {
            "invitees": invitees,
            "accepted": count("response", "accepted"),
            "tentative": count("response", "tentative"),
            "declined": count("response", "declined"),
            "needs_action": count("response", "needs-action"),
            "bounced": count("reachability", "bounced"),
        },
    })
}

/// Everything the event page shows about the event itself.
pub fn detail(state: &AppState, event: &Event, counters: &[(String, String, i64)]) -> Value {
    let mut value = summary(state, event, counters);
    let public_url = format!("{}/e/{}", state.settings.base_url, event.id);
    value["description"] = json!(event.details.description);
    value["created_at"] = json!(event.created_at.to_rfc3339());
    value["ics_url"] = json!(format!("{public_url}.ics"));
    value["embed_html"] = json!(rsvp_button_html(&public_url, event.title()));
    value
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    when: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    page: Option<usize>,
    per_page: Option<usize>,
    scope: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    Signed(caller): Signed,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let when = match query.when.as_deref() {
        None => When::All,
        Some(text) => When::parse(text).ok_or_else(|| {
            ApiError::BadRequest("when is one of upcoming, past, cancelled, all".into())
        })?,
    };
    let sort = query
        .sort
        .as_deref()
        .map(|s| {
            EventSort::parse(s).ok_or_else(|| {
                ApiError::BadRequest("sort is one of start, -start, title, -updated".into())
            })
        })
        .transpose()?;
    let domain = match query.scope.as_deref() {
        None | Some("mine") => false,
        Some("domain") if caller.viewer.domain_admin.is_some() => true,
        Some("domain") => {
            return Err(ApiError::Forbidden(
                "Only domain admins see every event of their domain.",
            ));
        }
        Some(_) => return Err(ApiError::BadRequest("scope is mine or domain".into())),
    };
    let per_page = query.per_page.unwrap_or(20).clamp(1, 100);
    let page_number = query.page.unwrap_or(1).max(1);
    let events = visible_events(state.store.as_ref(), &caller.viewer, domain).await?;
    let selected = select_events(events, when, query.q.as_deref(), sort, Utc::now());
    let (shown, total) = page(selected, page_number, per_page);
    let mut list = Vec::with_capacity(shown.len());
    for event in &shown {
        let counters = state.store.counters(&event.id).await?;
        list.push(summary(&state, event, &counters));
    }
    Ok(private_json(json!({
        "events": list,
        "page": page_number,
        "per_page": per_page,
        "total": total,
    })))
}

pub async fn show(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(event_id): Path<String>,
) -> Result<Response, ApiError> {
    let event = visible_event(&state, &caller, &event_id).await?;
    let counters = state.store.counters(&event.id).await?;
    Ok(private_json(detail(&state, &event, &counters)))
}

/// Narrows a report, a series, a list or an export to one occurrence of a series.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct OccurrenceQuery {
    pub occurrence: Option<String>,
}

pub async fn report(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(event_id): Path<String>,
    query: Result<Query<OccurrenceQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let event = visible_event(&state, &caller, &event_id).await?;
    let occurrence = occurrence_filter(&event, query.occurrence.as_deref())?;
    let counters = state.store.counters(&event.id).await?;
    let report = report_of(&counters_for(&counters, occurrence.as_deref()));
    let mut value = serde_json::to_value(&report).unwrap_or_default();
    value["occurrence"] = json!(occurrence);
    value["event"] = detail(&state, &event, &counters);
    Ok(private_json(value))
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct SeriesQuery {
    track: Option<String>,
    granularity: Option<String>,
    tz: Option<String>,
    from: Option<String>,
    to: Option<String>,
    compare: Option<String>,
    occurrence: Option<String>,
}

fn date(text: Option<&str>, name: &str) -> Result<Option<NaiveDate>, ApiError> {
    text.map(|t| {
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| ApiError::BadRequest(format!("{name} is a date, YYYY-MM-DD")))
    })
    .transpose()
}

pub async fn series(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(event_id): Path<String>,
    query: Result<Query<SeriesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let event = visible_event(&state, &caller, &event_id).await?;
    let track = query.track.unwrap_or_else(|| "response".to_string());
    let model_values = INVITEE_MODEL.track(&track).map(|t| t.values);
    if model_values.is_none() && !REPORT_TRACKS.contains(&track.as_str()) {
        return Err(ApiError::BadRequest(format!(
            "track is one of response, delivery, reachability, {}",
            REPORT_TRACKS.join(", ")
        )));
    }
    let occurrence = occurrence_filter(&event, query.occurrence.as_deref())?;
    if occurrence.is_some() && track != RESPONSE {
        return Err(ApiError::BadRequest(
            "occurrence narrows the response track only".into(),
        ));
    }
    // One occurrence's answers are the series' answers plus those given for it alone.
    let tracks: Vec<String> = std::iter::once(track.clone())
        .chain(
            occurrence
                .as_deref()
                .map(|o| for_occurrence(OCCURRENCE_ANSWERS, o)),
        )
        .collect();
    let granularity = Granularity::parse(query.granularity.as_deref().unwrap_or("day"))
        .ok_or_else(|| {
            ApiError::BadRequest("granularity is hour, day, week, month, quarter or year".into())
        })?;
    let tz: Tz = query
        .tz
        .as_deref()
        .unwrap_or("UTC")
        .parse()
        .map_err(|_| ApiError::BadRequest("tz is an IANA time zone name".into()))?;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let to = date(query.to.as_deref(), "to")?.unwrap_or(today);
    let from = date(query.from.as_deref(), "from")?.unwrap_or_else(|| default_from(to));
    let compare = match query.compare.as_deref() {
        None | Some("none") => false,
        Some("previous") => true,
        Some(_) => return Err(ApiError::BadRequest("compare is none or previous".into())),
    };
    let bad = |e: rollcall_core::usecase::report::series::SeriesError| {
        ApiError::BadRequest(e.to_string())
    };
    let (mut current, end) = buckets(granularity, tz, from, to).map_err(bad)?;
    let Some(first) = current.first().cloned() else {
        return Err(ApiError::BadRequest("the span is empty".into()));
    };
    let activity = |points: Vec<SeriesPoint>| -> Vec<SeriesPoint> {
        points
            .into_iter()
            .filter(|p| is_activity(&track, &p.value))
            .collect()
    };
    let read = async |from, until| -> Result<Vec<SeriesPoint>, ApiError> {
        let mut points = Vec::new();
        for track in &tracks {
            points.extend(state.store.series(&event.id, track, from, until).await?);
        }
        Ok(activity(points))
    };
    fill(&mut current, end, &read(first.start_utc(), end).await?);
    let previous_buckets = if compare {
        let (mut before, before_end) =
            previous(granularity, tz, &first, current.len()).map_err(bad)?;
        if let Some(start) = before.first().map(|b| b.start_utc()) {
            fill(&mut before, before_end, &read(start, before_end).await?);
        }
        Some(before)
    } else {
        None
    };
    // A status track lists all its values; a report counter the ones it has seen.
    let values: Vec<String> = match model_values {
        Some(values) => values
            .iter()
            .filter(|v| is_activity(&track, v))
            .map(|v| v.to_string())
            .collect(),
        None => {
            let seen: std::collections::BTreeSet<&String> =
                current.iter().flat_map(|b| b.counts.keys()).collect();
            seen.into_iter().cloned().collect()
        }
    };
    Ok(private_json(json!({
        "track": track,
        "occurrence": occurrence,
        "granularity": granularity,
        "time_zone": tz.name(),
        "values": values,
        "buckets": current,
        "previous": previous_buckets,
    })))
}
