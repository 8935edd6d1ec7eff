//! Who may see the dashboard. Organizers have no account: a sign-in link mailed to them
//! starts a session; integrations use API tokens. Every secret is ≥128 bits from a CSPRNG and
//! only its SHA-256 is stored, so a copy of the store lets nobody in.

use crate::event::Event;
use crate::notice::{Notice, OutboxMessage, SignInLink};
use crate::ports::{Commit, Credential, CredentialKind, CredentialStore, Store, StoreError};
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

mod links;
mod sessions;
mod tokens;

pub use links::*;
pub use sessions::*;
pub use tokens::*;

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
