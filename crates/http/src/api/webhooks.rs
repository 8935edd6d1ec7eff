//! Webhook endpoints: registered (the secret shown once), listed, changed, deleted, their
//! secret rotated, a test sent, their delivery log read and a failed delivery resent.

use super::{ApiError, Signed, private_json};
use crate::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rollcall_core::change::ChangeType;
use rollcall_core::usecase::endpoints::{self, EndpointChanges, EndpointError, UrlRules, owned};
use rollcall_core::webhook::endpoint::{DeliveryAttempt, Endpoint};
use serde::Deserialize;
use serde_json::{Value, json};

/// Attempts a delivery log page shows unless asked, and at most.
const LOG_DEFAULT: usize = 50;
const LOG_MAX: usize = 200;

impl From<EndpointError> for ApiError {
    fn from(error: EndpointError) -> Self {
        match error {
            EndpointError::Invalid(why) => ApiError::BadRequest(why),
            EndpointError::TooMany => ApiError::BadRequest(error.to_string()),
            EndpointError::NotFound => ApiError::NotFound,
            EndpointError::Store(error) => ApiError::Unavailable(error),
        }
    }
}

fn endpoint_json(endpoint: &Endpoint) -> Value {
    json!({
        "id": endpoint.id,
        "url": endpoint.url,
        "types": endpoint.types,
        "description": endpoint.description,
        "enabled": endpoint.disabled.is_none(),
        "disabled_reason": endpoint.disabled,
        "created_at": endpoint.created_at.to_rfc3339(),
        "rotating_until": endpoint.previous.as_ref().map(|(_, until)| until.to_rfc3339()),
    })
}

/// The endpoint with its secret: only in the answers that make a secret.
fn with_secret(endpoint: &Endpoint) -> Value {
    let mut value = endpoint_json(endpoint);
    value["secret"] = json!(endpoint.secret.to_string());
    value
}

fn attempt_json(attempt: &DeliveryAttempt) -> Value {
    json!({
        "delivery_id": attempt.delivery,
        "change_id": attempt.change_id,
        "type": attempt.change_type,
        "at": attempt.at.to_rfc3339(),
        "attempt": attempt.attempt,
        "status": attempt.status,
        "duration_ms": attempt.duration_ms,
        "outcome": attempt.outcome,
    })
}

fn rules(state: &AppState) -> UrlRules<'_> {
    UrlRules {
        policy: state.webhooks.policy,
        lookup: state.webhooks.lookup.as_ref(),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct EndpointBody {
    url: Option<String>,
    types: Option<Vec<String>>,
    description: Option<String>,
    enabled: Option<bool>,
}

impl EndpointBody {
    fn changes(self) -> Result<EndpointChanges, ApiError> {
        let types = match self.types {
            None => None,
            Some(names) => Some(
                names
                    .iter()
                    .map(|name| {
                        ChangeType::parse(name)
                            .filter(|t| *t != ChangeType::WebhookTest)
                            .ok_or_else(|| {
                                ApiError::BadRequest(format!("{name:?} is not a change type"))
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        Ok(EndpointChanges {
            url: self.url,
            types,
            description: self.description,
            enabled: self.enabled,
        })
    }
}

type Body = Result<Json<EndpointBody>, axum::extract::rejection::JsonRejection>;

fn body(body: Body) -> Result<EndpointChanges, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    body.changes()
}

pub async fn list(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Response, ApiError> {
    let endpoints = state.store.endpoints_of(&caller.viewer.organizer).await?;
    Ok(private_json(json!({
        "webhooks": endpoints.iter().map(endpoint_json).collect::<Vec<_>>()
    })))
}

pub async fn create(
    State(state): State<AppState>,
    Signed(caller): Signed,
    changes: Body,
) -> Result<Response, ApiError> {
    let changes = body(changes)?;
    let organizer = &caller.viewer.organizer;
    let endpoint = endpoints::register(
        state.store.as_ref(),
        rules(&state),
        organizer,
        changes,
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, private_json(with_secret(&endpoint))).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<String>,
    changes: Body,
) -> Result<Response, ApiError> {
    let changes = body(changes)?;
    let organizer = &caller.viewer.organizer;
    let endpoint =
        endpoints::update(state.store.as_ref(), rules(&state), organizer, &id, changes).await?;
    Ok(private_json(endpoint_json(&endpoint)))
}

pub async fn delete(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    owned(state.store.as_ref(), &caller.viewer.organizer, &id).await?;
    state.store.delete_endpoint(&id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn rotate(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let organizer = &caller.viewer.organizer;
    let endpoint = endpoints::rotate(state.store.as_ref(), organizer, &id, Utc::now()).await?;
    Ok(private_json(with_secret(&endpoint)))
}

pub async fn test(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let organizer = &caller.viewer.organizer;
    let delivery = endpoints::send_test(state.store.as_ref(), organizer, &id, Utc::now()).await?;
    let answer = json!({ "delivery_id": delivery });
    Ok((StatusCode::ACCEPTED, private_json(answer)).into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct LogQuery {
    limit: Option<usize>,
}

pub async fn deliveries(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<String>,
    query: Result<Query<LogQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    owned(state.store.as_ref(), &caller.viewer.organizer, &id).await?;
    let limit = query.limit.unwrap_or(LOG_DEFAULT).clamp(1, LOG_MAX);
    let log = state.store.attempts_of(&id, limit).await?;
    Ok(private_json(json!({
        "deliveries": log.iter().map(attempt_json).collect::<Vec<_>>()
    })))
}

pub async fn resend(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path((id, delivery)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let organizer = &caller.viewer.organizer;
    let store = state.store.as_ref();
    if endpoints::resend(store, organizer, &id, &delivery, Utc::now()).await? {
        let answer = json!({ "delivery_id": delivery });
        Ok((StatusCode::ACCEPTED, private_json(answer)).into_response())
    } else {
        Err(ApiError::BadRequest(
            "only a delivery that failed can be resent; this one is pending or delivered".into(),
        ))
    }
}

pub async fn resend_failed(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let organizer = &caller.viewer.organizer;
    let resent = endpoints::resend_failed(state.store.as_ref(), organizer, &id, Utc::now()).await?;
    Ok((
        StatusCode::ACCEPTED,
        private_json(json!({ "resent": resent })),
    )
        .into_response())
}
