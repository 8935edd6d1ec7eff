//! Dashboard sessions: who a cookie's secret is, and ending one.

use super::*;

/// A session still valid at `now`, with when it ends. Its last use is recorded at most once
/// a minute, so reading the dashboard does not turn every request into a write.
pub async fn session(
    store: &dyn CredentialStore,
    secret: &str,
    settings: &AccessSettings,
    now: DateTime<Utc>,
) -> Result<Option<(Viewer, DateTime<Utc>)>, StoreError> {
    let hash = hash_secret(secret);
    let Some(session) = store
        .credential(&hash)
        .await?
        .filter(|c| c.kind == CredentialKind::Session)
    else {
        return Ok(None);
    };
    let last_used = session.last_used_at.unwrap_or(session.created_at);
    let ends = session
        .expires_at
        .unwrap_or(session.created_at + settings.session_lifetime)
        .min(session.created_at + settings.session_lifetime);
    if ends <= now || last_used + settings.session_idle <= now {
        store.delete_credential(&hash).await?;
        return Ok(None);
    }
    if now - last_used >= Duration::minutes(1) {
        store.touch_credential(&hash, now).await?;
    }
    Ok(Some((settings.viewer(&session.organizer), ends)))
}

pub async fn sign_out(store: &dyn CredentialStore, secret: &str) -> Result<(), StoreError> {
    let hash = hash_secret(secret);
    if store
        .credential(&hash)
        .await?
        .is_some_and(|c| c.kind == CredentialKind::Session)
    {
        store.delete_credential(&hash).await?;
    }
    Ok(())
}
