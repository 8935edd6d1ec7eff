//! Who may see the dashboard. Organizers have no account: a sign-in link mailed to them
//! starts a session; integrations use API tokens. Every secret is ≥128 bits from a CSPRNG and
//! only its SHA-256 is stored, so a copy of the store lets nobody in.

use crate::event::{Event, EventId, EventState};
use crate::ical::CalendarEvent;
use crate::notice::{Notice, OutboxMessage, SignInLink};
use crate::ports::{Commit, Credential, CredentialKind, Store, StoreError};
use crate::tracking::email_domain;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// API tokens start with this, so secret scanners and people can tell what they are.
pub const API_TOKEN_PREFIX: &str = "rc_";

#[derive(Debug, Clone)]
pub struct AccessSettings {
    /// A sign-in link works this long after it is mailed.
    pub link_ttl: Duration,
    /// A session ends after this long unused...
    pub session_idle: Duration,
    /// ...and this long after it began, whatever happens.
    pub session_lifetime: Duration,
    /// Domain admins: normalized addresses that also see every event organized from their
    /// own email domain.
    pub admins: Vec<String>,
}

impl Default for AccessSettings {
    fn default() -> Self {
        AccessSettings {
            link_ttl: Duration::minutes(15),
            session_idle: Duration::hours(12),
            session_lifetime: Duration::days(7),
            admins: Vec::new(),
        }
    }
}

impl AccessSettings {
    pub fn viewer(&self, organizer: &str) -> Viewer {
        let organizer = organizer.to_ascii_lowercase();
        let domain_admin = self
            .admins
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&organizer))
            .then(|| email_domain(&organizer).to_string());
        Viewer {
            organizer,
            domain_admin,
        }
    }
}

/// The signed-in organizer, and the domain they administer, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub organizer: String,
    pub domain_admin: Option<String>,
}

impl Viewer {
    /// Their own events, and as a domain admin every event organized from their domain.
    pub fn may_see(&self, event: &Event) -> bool {
        event.organizer_email.eq_ignore_ascii_case(&self.organizer)
            || self
                .domain_admin
                .as_deref()
                .is_some_and(|d| email_domain(&event.organizer_email).eq_ignore_ascii_case(d))
    }
}

/// A fresh secret: 160 random bits in lowercase base32 (32 characters, URL- and cookie-safe).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    let alphabet = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(32);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(alphabet[((buffer >> bits) & 31) as usize] as char);
        }
    }
    out
}

/// What the store keeps of a secret: its SHA-256 in hex. Secrets are random and long, so no
/// salt or slow hash is needed; lookups by hash are constant-time in effect.
pub fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Sign-in links an organizer may hold unexpired at once. A request for a link beyond this
/// mails nothing: the links already mailed keep working until one is used or they expire.
/// Without the cap, anyone could fill an organizer's inbox (the per-address rate limit lives
/// in one process's memory); without keeping older links valid, anyone asking for a link in
/// the organizer's name would void the one they were about to use.
pub const MAX_LIVE_SIGN_IN_LINKS: usize = 3;

/// How long a used or ended sign-in link is remembered, so that the acknowledgement an
/// organizer opens again days later still gets them a fresh link in one click.
pub const SPENT_LINK_MEMORY: Duration = Duration::days(14);

/// Makes the sign-in link a mail to `organizer` carries. Their other links stay valid (using
/// any one ends the rest, [`sign_in`]); expired ones are cleared away here.
pub async fn mint_sign_in_link(
    store: &dyn Store,
    organizer: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<SignInLink, StoreError> {
    let organizer = organizer.to_ascii_lowercase();
    for kind in [CredentialKind::SignInLink, CredentialKind::SpentSignInLink] {
        for expired in store
            .credentials_of(&organizer, kind)
            .await?
            .into_iter()
            .filter(|c| c.expires_at.is_some_and(|at| at <= now))
        {
            store.delete_credential(&expired.hash).await?;
        }
    }
    let token = new_secret();
    let expires_at = now + ttl;
    store
        .put_credential(&Credential {
            hash: hash_secret(&token),
            kind: CredentialKind::SignInLink,
            organizer,
            label: String::new(),
            created_at: now,
            expires_at: Some(expires_at),
            last_used_at: None,
        })
        .await?;
    Ok(SignInLink { token, expires_at })
}

/// How many of the organizer's sign-in links still work at `now`.
pub async fn live_sign_in_links(
    store: &dyn Store,
    organizer: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    Ok(store
        .credentials_of(&organizer.to_ascii_lowercase(), CredentialKind::SignInLink)
        .await?
        .iter()
        .filter(|c| c.expires_at.is_none_or(|at| at > now))
        .count())
}

/// Fills in the sign-in link of a notice that carries one, as it is about to be sent.
pub async fn with_sign_in_link(
    message: &OutboxMessage,
    store: &dyn Store,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<Option<OutboxMessage>, StoreError> {
    let notice = match &message.notice {
        Notice::EventCreated { .. } => Notice::EventCreated {
            sign_in: Some(mint_sign_in_link(store, &message.to.email, ttl, now).await?),
        },
        Notice::SignIn { .. } => Notice::SignIn {
            sign_in: Some(mint_sign_in_link(store, &message.to.email, ttl, now).await?),
        },
        _ => return Ok(None),
    };
    Ok(Some(OutboxMessage {
        notice,
        ..message.clone()
    }))
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("this sign-in link is not valid: it or another of the organizer's was used already")]
    Unknown,
    #[error("this sign-in link has expired")]
    Expired,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new session, as its cookie carries it.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub viewer: Viewer,
    pub expires_at: DateTime<Utc>,
}

/// Uses up a sign-in link and starts a session (a new id every time). The organizer's other
/// sign-in links stop working too: once they are in, links still lying in their mailbox would
/// only be more ways in for whoever reads it next.
pub async fn sign_in(
    store: &dyn Store,
    link_token: &str,
    settings: &AccessSettings,
    now: DateTime<Utc>,
) -> Result<NewSession, SignInError> {
    let hash = hash_secret(link_token);
    let link = match store.take_credential(&hash).await? {
        Some(link) if link.kind == CredentialKind::SignInLink => link,
        // Taking it used a remembered link up: remember it again.
        Some(spent) => {
            store.put_credential(&spent).await?;
            return Err(SignInError::Unknown);
        }
        None => return Err(SignInError::Unknown),
    };
    if link.expires_at.is_some_and(|at| at <= now) {
        store.put_credential(&spent(&link, now)).await?;
        return Err(SignInError::Expired);
    }
    store.put_credential(&spent(&link, now)).await?;
    for other in store
        .credentials_of(&link.organizer, CredentialKind::SignInLink)
        .await?
    {
        store.delete_credential(&other.hash).await?;
        store.put_credential(&spent(&other, now)).await?;
    }
    let secret = new_secret();
    let expires_at = now + settings.session_lifetime;
    store
        .put_credential(&Credential {
            hash: hash_secret(&secret),
            kind: CredentialKind::Session,
            organizer: link.organizer.clone(),
            label: String::new(),
            created_at: now,
            expires_at: Some(expires_at),
            last_used_at: Some(now),
        })
        .await?;
    Ok(NewSession {
        secret,
        viewer: settings.viewer(&link.organizer),
        expires_at,
    })
}

/// The marker a used or ended sign-in link leaves (same hash, another kind).
fn spent(link: &Credential, now: DateTime<Utc>) -> Credential {
    Credential {
        kind: CredentialKind::SpentSignInLink,
        expires_at: Some(now + SPENT_LINK_MEMORY),
        last_used_at: Some(now),
        ..link.clone()
    }
}

/// Whom a sign-in link that no longer works was for, while it is remembered (expired, or
/// used or ended within [`SPENT_LINK_MEMORY`]): its page offers to mail them a fresh link.
/// The address is only ever mailed, never shown to whoever holds the old link.
pub async fn renewal_address(
    store: &dyn Store,
    link_token: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let found = store.credential(&hash_secret(link_token)).await?;
    Ok(found.and_then(|c| match c.kind {
        CredentialKind::SignInLink => Some(c.organizer),
        CredentialKind::SpentSignInLink if c.expires_at.is_none_or(|at| at > now) => {
            Some(c.organizer)
        }
        _ => None,
    }))
}

/// A session still valid at `now`, with when it ends. Its last use is recorded at most once
/// a minute, so reading the dashboard does not turn every request into a write.
pub async fn session(
    store: &dyn Store,
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

pub async fn sign_out(store: &dyn Store, secret: &str) -> Result<(), StoreError> {
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

/// The short public name of an API token (the start of its hash): listed and revoked by it.
pub fn token_id(credential: &Credential) -> &str {
    &credential.hash[..12.min(credential.hash.len())]
}

/// Longest label kept for an API token.
pub const MAX_LABEL_CHARS: usize = 80;

/// A new API token for `organizer`; the token itself is returned only here.
pub async fn create_api_token(
    store: &dyn Store,
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
    store: &dyn Store,
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
    store: &dyn Store,
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

/// Events `viewer` may see: their own, or with `domain` (admins only) all of their domain.
pub async fn visible_events(
    store: &dyn Store,
    viewer: &Viewer,
    domain: bool,
) -> Result<Vec<Event>, StoreError> {
    match (&viewer.domain_admin, domain) {
        (Some(domain), true) => store.events_of_domain(domain).await,
        _ => store.events_of_organizer(&viewer.organizer).await,
    }
}

/// Queues a sign-in request for `email` (a [`Notice::SignInRequest`] job) and says whether
/// the address was well-formed. The same work for every address, organizer or not: one
/// commit and nothing read, so neither the answer nor its timing tells whether the address
/// has events. The sender answers the request ([`answer_sign_in_request`]).
pub async fn request_sign_in_link(
    store: &dyn Store,
    email: &str,
    settings: &AccessSettings,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some(email) = crate::invitee::parse_email(email) else {
        return Ok(false);
    };
    let viewer = settings.viewer(&email);
    let message = OutboxMessage {
        // Random beside the time: two requests in one millisecond (a double click, an old
        // link renewed beside another) are two requests, not one recorded twice.
        id: format!(
            "signin-{}-{}-{:08x}",
            &hash_secret(&email)[..16],
            now.timestamp_millis(),
            rand::random::<u32>()
        ),
        to: crate::imip::Mailbox {
            email: email.clone(),
            name: None,
        },
        notice: Notice::SignInRequest {
            domain_admin: viewer.domain_admin,
        },
        event: no_event(now),
        created_at: now,
    };
    store
        .commit(&Commit {
            outbox: vec![message],
            ..Commit::default()
        })
        .await?;
    Ok(true)
}

/// The sign-in mail that answers `request` (a [`Notice::SignInRequest`] job), its link
/// minted; `None` when none is due: the address has nothing to see (its own events, or for a
/// domain admin their domain's), or already holds [`MAX_LIVE_SIGN_IN_LINKS`] working links.
/// The mail is about the address's latest event and keeps the request's id.
pub async fn answer_sign_in_request(
    store: &dyn Store,
    request: &OutboxMessage,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<Option<OutboxMessage>, StoreError> {
    let Notice::SignInRequest { domain_admin } = &request.notice else {
        return Ok(None);
    };
    let viewer = Viewer {
        organizer: request.to.email.to_ascii_lowercase(),
        domain_admin: domain_admin.clone(),
    };
    let events = visible_events(store, &viewer, viewer.domain_admin.is_some()).await?;
    let Some(latest) = events.into_iter().max_by_key(|e| e.updated_at) else {
        return Ok(None);
    };
    if live_sign_in_links(store, &viewer.organizer, now).await? >= MAX_LIVE_SIGN_IN_LINKS {
        return Ok(None);
    }
    let link = mint_sign_in_link(store, &viewer.organizer, ttl, now).await?;
    Ok(Some(OutboxMessage {
        notice: Notice::SignIn {
            sign_in: Some(link),
        },
        event: latest,
        ..request.clone()
    }))
}

/// The event of a job that is about no event: empty, with an id no stored event has
/// ([`EventId::NONE`]). The outbox keeps one event per item, and a sign-in request must not
/// read the address's events to fill it in (that is the work it leaves to the sender).
fn no_event(now: DateTime<Utc>) -> Event {
    Event {
        id: EventId::NONE,
        organizer_email: String::new(),
        organizer_name: None,
        uid: String::new(),
        sequence: 0,
        dtstamp: None,
        state: EventState::Active,
        details: CalendarEvent::default(),
        overrides: Vec::new(),
        cancelled_occurrences: Vec::new(),
        producer: None,
        created_at: now,
        updated_at: now,
        version: 0,
        placeholder: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_distinct_and_hashed_to_hex() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        let hash = hash_secret(&a);
        assert_eq!(hash.len(), 64);
        assert_ne!(hash, hash_secret(&b));
        assert_eq!(hash, hash_secret(&format!(" {a}\n")));
    }

    #[test]
    fn admins_see_their_own_domain_only() {
        let settings = AccessSettings {
            admins: vec!["boss@example.com".into()],
            ..AccessSettings::default()
        };
        assert_eq!(
            settings.viewer("Boss@Example.com").domain_admin.as_deref(),
            Some("example.com")
        );
        assert_eq!(settings.viewer("ann@example.com").domain_admin, None);
    }
}
