//! Exports of an event's invitees and signals as CSV or JSON, streamed page by page so an
//! event of any size exports in bounded memory. CSV cells are formula-safe (`report::csv`).

use super::events::OccurrenceQuery;
use super::invitees::{invitee_json, value_of};
use super::occurrences::occurrence_filter;
use super::{ApiError, Signed, visible_event};
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rollcall_core::event::EventId;
use rollcall_core::invitee::Invitee;
use rollcall_core::ports::{Store, StoreError};
use rollcall_core::usecase::report::csv;
use rollcall_core::usecase::report::walk::InviteePages;
use std::sync::Arc;

/// Invitees per store read (and per chunk of the body).
const PAGE: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum What {
    Invitees,
    Signals,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
}

pub async fn file(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path((event_id, file)): Path<(String, String)>,
    query: Result<Query<OccurrenceQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let (what, format) = match file.as_str() {
        "invitees.csv" => (What::Invitees, Format::Csv),
        "invitees.json" => (What::Invitees, Format::Json),
        "signals.csv" => (What::Signals, Format::Csv),
        "signals.json" => (What::Signals, Format::Json),
        _ => return Err(ApiError::NotFound),
    };
    let event = visible_event(&state, &caller, &event_id).await?;
    // With an occurrence, each invitee's `response` is their answer for that occurrence.
    let occurrence = occurrence_filter(&event, query.occurrence.as_deref())?;
    let name = match &occurrence {
        Some(id) => format!("rollcall-{}-{}-{file}", event.id, id.replace(':', "")),
        None => format!("rollcall-{}-{file}", event.id),
    };
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Json => "application/json",
    };
    let stream = chunks(
        state.store.clone(),
        event.id.clone(),
        what,
        format,
        occurrence,
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

struct Cursor {
    store: Arc<dyn Store>,
    pages: InviteePages,
    what: What,
    format: Format,
    occurrence: Option<String>,
    started: bool,
    first_item: bool,
    done: bool,
}

fn chunks(
    store: Arc<dyn Store>,
    event: EventId,
    what: What,
    format: Format,
    occurrence: Option<String>,
) -> impl futures_util::Stream<Item = Result<Bytes, StoreError>> + Send {
    let cursor = Cursor {
        store,
        pages: InviteePages::new(event, PAGE),
        what,
        format,
        occurrence,
        started: false,
        first_item: true,
        done: false,
    };
    futures_util::stream::try_unfold(cursor, |mut cursor| async move {
        if cursor.done {
            return Ok(None);
        }
        let mut out = String::new();
        if !cursor.started {
            cursor.started = true;
            out.push_str(match (cursor.format, cursor.what) {
                (Format::Json, _) => "[",
                (Format::Csv, What::Invitees) => {
                    "id,name,email,joined_via,response,delivery,reachability,created_at,updated_at\r\n"
                }
                (Format::Csv, What::Signals) => {
                    "invitee_id,email,kind,value,channel,occurred_at,received_at,message_id,producer,sender_auth,effect\r\n"
                }
            });
        }
        let store = cursor.store.clone();
        let page = cursor.pages.next(store.as_ref()).await?;
        for invitee in page.iter().flatten() {
            match cursor.what {
                What::Invitees => cursor.invitee(invitee, &mut out),
                What::Signals => {
                    for record in store.signals_of(&invitee.id).await? {
                        cursor.signal(invitee, &record, &mut out);
                    }
                }
            }
        }
        if page.is_none() {
            cursor.done = true;
            if cursor.format == Format::Json {
                out.push_str("]\n");
            }
        }
        Ok(Some((Bytes::from(out), cursor)))
    })
}

impl Cursor {
    fn separator(&mut self, out: &mut String) {
        if !self.first_item {
            out.push(',');
        }
        self.first_item = false;
        out.push('\n');
    }

    fn invitee(&mut self, invitee: &Invitee, out: &mut String) {
        match self.format {
            Format::Json => {
                self.separator(out);
                let json = invitee_json(invitee, self.occurrence.as_deref());
                out.push_str(&json.to_string());
            }
            Format::Csv => {
                let status = |track| invitee.status.value(track).unwrap_or_default();
                let response = match &self.occurrence {
                    Some(id) => invitee.status.answer_for(id).answer.as_str(),
                    None => status("response"),
                };
                let (created, updated) = (
                    invitee.created_at.to_rfc3339(),
                    invitee.updated_at.to_rfc3339(),
                );
                out.push_str(&csv::row([
                    invitee.id.as_str(),
                    invitee.name.as_deref().unwrap_or_default(),
                    &invitee.email,
                    invitee.joined_via.as_str(),
                    response,
                    status("delivery"),
                    status("reachability"),
                    &created,
                    &updated,
                ]));
            }
        }
    }

    fn signal(
        &mut self,
        invitee: &Invitee,
        record: &rollcall_core::ports::SignalRecord,
        out: &mut String,
    ) {
        match self.format {
            Format::Json => {
                self.separator(out);
                let mut value = super::invitees::signal_json(record);
                value["invitee_id"] = serde_json::json!(invitee.id);
                value["email"] = serde_json::json!(invitee.email);
                out.push_str(&value.to_string());
            }
            Format::Csv => {
                let signal = &record.signal;
                let (occurred, received) = (
                    signal.occurred_at.to_rfc3339(),
                    signal.received_at.to_rfc3339(),
                );
                let value = value_of(&signal.kind).unwrap_or_default();
                let provenance = &signal.provenance;
                out.push_str(&csv::row([
                    invitee.id.as_str(),
                    &invitee.email,
                    signal.kind.name(),
                    &value,
                    signal.channel.as_str(),
                    &occurred,
                    &received,
                    provenance.message_id.as_deref().unwrap_or_default(),
                    provenance.producer.as_deref().unwrap_or_default(),
                    provenance.sender_auth.as_deref().unwrap_or_default(),
                    &record.effect,
                ]));
            }
        }
    }
}
