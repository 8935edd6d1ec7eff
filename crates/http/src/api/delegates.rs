//! The delegates an organizer has allowed to send their invitations (SENT-BY): listed, and
//! revoked. Allowing happens only through the confirmation link mailed to the organizer.

use super::{ApiError, Signed, private_json};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rollcall_core::usecase::delegation::{DelegationScope, revoke};
use serde_json::json;

pub async fn list(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Response, ApiError> {
    let mut delegations = state.store.delegations_of(&caller.viewer.organizer).await?;
    delegations.sort_by(|a, b| (&a.delegate, a.scope.key()).cmp(&(&b.delegate, b.scope.key())));
    let rows: Vec<_> = delegations
        .iter()
        .map(|d| {
            let (scope, uid) = match &d.scope {
                DelegationScope::AllEvents => ("all-events", None),
                DelegationScope::Event { uid } => ("event", Some(uid)),
            };
            json!({
                "delegate": d.delegate,
                "scope": scope,
                "uid": uid,
                "granted_at": d.granted_at.to_rfc3339(),
            })
        })
        .collect();
    Ok(private_json(json!({ "delegates": rows })))
}

/// Revokes every allowance of one delegate; 404 when there is none.
pub async fn revoke_all(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(delegate): Path<String>,
) -> Result<Response, ApiError> {
    match revoke(state.store.as_ref(), &caller.viewer.organizer, &delegate).await? {
        0 => Err(ApiError::NotFound),
        _ => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}
