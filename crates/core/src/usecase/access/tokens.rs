//! API tokens for integrations: created, listed by a short id, revoked, and checked.

use super::*;

/// The short public name of an API token (the start of its hash): listed and revoked by it.
pub fn token_id(credential: &Credential) -> &str {
    &credential.hash[..12.min(credential.hash.len())]
}

/// Longest label kept for an API token.
pub const MAX_LABEL_CHARS: usize = 80;

/// A new API token for `organizer`; the token itself is returned only here.
pub async fn create_api_token(
    store: &dyn CredentialStore,
    organizer: &str,
    label: &str,
    now: DateTime<Utc>,
) -> Result<(Credential, String), StoreError> {
    let token = format!("{API_TOKEN_PREFIX}{}", new_secret());
    let label: String = label
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_LABEL_CHARS)
        .collect();
    let credential = Credential {
        hash: hash_secret(&token),
        kind: CredentialKind::ApiToken,
        organizer: organizer.to_ascii_lowercase(),
        label: label.trim().to_string(),
        created_at: now,
        expires_at: None,
        last_used_at: None,
    };
    store.put_credential(&credential).await?;
    Ok((credential, token))
}

/// Revokes the organizer's token with this id; `false` if they have none such.
pub async fn revoke_api_token(
    store: &dyn CredentialStore,
    organizer: &str,
    id: &str,
) -> Result<bool, StoreError> {
    let tokens = store
        .credentials_of(&organizer.to_ascii_lowercase(), CredentialKind::ApiToken)
        .await?;
    match tokens.iter().find(|c| token_id(c) == id) {
        Some(token) => {
            store.delete_credential(&token.hash).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// The organizer an API token speaks for.
pub async fn bearer(
    store: &dyn CredentialStore,
    token: &str,
    settings: &AccessSettings,
    now: DateTime<Utc>,
) -> Result<Option<Viewer>, StoreError> {
    if !token.starts_with(API_TOKEN_PREFIX) || token.len() > 64 {
        return Ok(None);
    }
    let hash = hash_secret(token);
    let Some(credential) = store
        .credential(&hash)
        .await?
        .filter(|c| c.kind == CredentialKind::ApiToken)
    else {
        return Ok(None);
    };
    if credential
        .last_used_at
        .is_none_or(|at| now - at >= Duration::minutes(1))
    {
        store.touch_credential(&hash, now).await?;
    }
    Ok(Some(settings.viewer(&credential.organizer)))
}
