//! Delegates: someone who sends an organizer's invitations for them (an assistant), named in
//! `ORGANIZER;SENT-BY=` (RFC 5545 §3.2.18). SENT-BY is text the sender wrote, so naming
//! oneself there proves nothing (DESIGN §6): a delegate acts for an organizer only after the
//! organizer allowed it, through the confirmation mail Rollcall sends to the ORGANIZER address.
//! The allowance is data (this module); the store keeps it ([`crate::ports::DelegationStore`]).

use crate::event::normalize_email;
use crate::ports::{DelegationStore, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What an allowance covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "kebab-case")]
pub enum DelegationScope {
    /// Every event of the organizer ("always allow").
    AllEvents,
    /// The one event with this UID ("allow for this event").
    Event { uid: String },
}

impl DelegationScope {
    /// The scope's part of a store key: `*` or `uid:<uid>`.
    pub fn key(&self) -> String {
        match self {
            DelegationScope::AllEvents => "*".to_string(),
            DelegationScope::Event { uid } => format!("uid:{uid}"),
        }
    }

    pub fn from_key(key: &str) -> Option<DelegationScope> {
        if key == "*" {
            return Some(DelegationScope::AllEvents);
        }
        key.strip_prefix("uid:").map(|uid| DelegationScope::Event {
            uid: uid.to_string(),
        })
    }
}

/// The organizer allowed `delegate` to send for them, within `scope`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    /// Normalized address of the organizer who allowed it.
    pub organizer: String,
    /// Normalized address of the delegate (the SENT-BY and the authenticated sender).
    pub delegate: String,
    pub scope: DelegationScope,
    pub granted_at: DateTime<Utc>,
}

impl Delegation {
    pub fn new(
        organizer: &str,
        delegate: &str,
        scope: DelegationScope,
        granted_at: DateTime<Utc>,
    ) -> Delegation {
        Delegation {
            organizer: normalize_email(organizer),
            delegate: normalize_email(delegate),
            scope,
            granted_at,
        }
    }

    /// Whether this allowance lets `delegate` act for `organizer` on the event `uid`.
    pub fn covers(&self, organizer: &str, delegate: &str, uid: &str) -> bool {
        self.organizer == normalize_email(organizer)
            && self.delegate == normalize_email(delegate)
            && match &self.scope {
                DelegationScope::AllEvents => true,
                DelegationScope::Event { uid: allowed } => allowed == uid,
            }
    }
}

/// Whether any of `delegations` lets `delegate` act for `organizer` on the event `uid`.
pub fn allowed(delegations: &[Delegation], organizer: &str, delegate: &str, uid: &str) -> bool {
    delegations
        .iter()
        .any(|d| d.covers(organizer, delegate, uid))
}

/// Most allowances one organizer may hold; more are refused, so the list read for every
/// delegated message stays small.
pub const MAX_PER_ORGANIZER: usize = 200;

/// Revokes every allowance `organizer` granted `delegate`; how many there were.
pub async fn revoke(
    store: &dyn DelegationStore,
    organizer: &str,
    delegate: &str,
) -> Result<usize, StoreError> {
    let (organizer, delegate) = (normalize_email(organizer), normalize_email(delegate));
    let mut revoked = 0;
    for allowance in store.delegations_of(&organizer).await? {
        if allowance.delegate == delegate {
            store
                .delete_delegation(&organizer, &delegate, &allowance.scope)
                .await?;
            revoked += 1;
        }
    }
    Ok(revoked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        DateTime::UNIX_EPOCH
    }

    #[test]
    fn an_allowance_covers_its_organizer_delegate_and_scope_only() {
        let event = Delegation::new(
            "Alice@Example.com",
            "Assistant@Example.com",
            DelegationScope::Event { uid: "u1".into() },
            at(),
        );
        assert!(event.covers("alice@example.com", "assistant@example.com", "u1"));
        assert!(!event.covers("alice@example.com", "assistant@example.com", "u2"));
        assert!(!event.covers("bob@example.com", "assistant@example.com", "u1"));
        assert!(!event.covers("alice@example.com", "other@example.com", "u1"));
        let always = Delegation {
            scope: DelegationScope::AllEvents,
            ..event
        };
        assert!(always.covers("ALICE@example.com", "assistant@example.com", "u2"));
        assert!(allowed(
            &[always],
            "alice@example.com",
            "assistant@example.com",
            "any"
        ));
    }

    #[test]
    fn scope_keys_round_trip() {
        for scope in [
            DelegationScope::AllEvents,
            DelegationScope::Event {
                uid: "040000@x:y".into(),
            },
        ] {
            assert_eq!(DelegationScope::from_key(&scope.key()), Some(scope));
        }
        assert_eq!(DelegationScope::from_key("nonsense"), None);
    }
}
