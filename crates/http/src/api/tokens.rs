//! API tokens for integrations: listed, created (shown once) and revoked by their owner.

use super::{ApiError, Signed, private_json};
use crate::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rollcall_core::ports::{Credential, CredentialKind};
use rollcall_core::usecase::access::{create_api_token, revoke_api_token, token_id};
use serde::Deserialize;
use serde_json::{Value, json};

fn token_json(credential: &Credential) -> Value {
    json!({
        "id": token_id(credential),
        "label": credential.label,
        "created_at": credential.created_at.to_rfc3339(),
        "last_used_at": credential.last_used_at.map(|t| t.to_rfc3339()),
    })
}

pub async fn list(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Response, ApiError> {
    let tokens = state
        .store
        .credentials_of(&caller.viewer.organizer, CredentialKind::ApiToken)
        .await?;
    Ok(private_json(json!({
        "tokens": tokens.iter().map(token_json).collect::<Vec<_>>()
    })))
}

#[derive(Debug, Deserialize)]
pub struct CreateRequest {
    #[serde(default)]
    label: String,
}

pub async fn create(
    State(state): State<AppState>,
    Signed(caller): Signed,
    body: Result<Json<CreateRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if caller.session.is_none() {
        return Err(ApiError::Forbidden(
            "API tokens are made in the dashboard, not with another token.",
        ));
    }
    let (credential, token) = create_api_token(
        state.store.as_ref(),
        &caller.viewer.organizer,
        &body.label,
        Utc::now(),
    )
    .await?;
    let mut value = token_json(&credential);
    value["token"] = json!(token);
    Ok((StatusCode::CREATED, private_json(value)).into_response())
}

pub async fn revoke(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if revoke_api_token(state.store.as_ref(), &caller.viewer.organizer, &id).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::NotFound)
    }
}
