//! The store ports for events, invitees, credentials, reports, change records, webhook
//! endpoints, delegations, suppressions and quotas.

use super::*;

#[async_trait]
pub trait EventStore: Send + Sync {
    async fn event(&self, id: &EventId) -> Result<Option<Event>, StoreError>;
    async fn event_by_uid(
        &self,
        organizer_email: &str,
        uid: &str,
    ) -> Result<Option<Event>, StoreError>;
    /// Applies a [`Commit`] in one transaction: message outcome, events and invitees (each only
    /// if its expected version still holds), signals, counters, outbox messages.
    async fn commit(&self, commit: &Commit) -> Result<Committed, StoreError>;
    async fn message_record(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError>;
}

#[async_trait]
pub trait InviteeStore: Send + Sync {
    async fn invitee(&self, id: &InviteeId) -> Result<Option<Invitee>, StoreError>;
    /// The invitee of `event` with this normalized address, if any.
    async fn invitee_by_email(
        &self,
        event: &EventId,
        email: &str,
    ) -> Result<Option<Invitee>, StoreError>;
    /// Invitees of an event in id order, after `after`, at most `limit`: fan-out walks these.
    async fn invitees_of(
        &self,
        event: &EventId,
        after: Option<&InviteeId>,
        limit: usize,
    ) -> Result<Vec<Invitee>, StoreError>;
    /// An invitee's history, oldest first by the time each signal was received.
    async fn signals_of(&self, invitee: &InviteeId) -> Result<Vec<SignalRecord>, StoreError>;
    /// Per-event counters: (track, value, count), zero counts omitted, in no particular order.
    async fn counters(&self, event: &EventId) -> Result<Vec<(String, String, i64)>, StoreError>;
}

/// What a stored credential lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialKind {
    /// A sign-in link (`/o/<token>`): used once, to start a session.
    SignInLink,
    /// A dashboard session (the cookie).
    Session,
    /// An integration's API token (`Authorization: Bearer`).
    ApiToken,
    /// A sign-in link that was used, or ended by the use of another: kept for a while only so
    /// that opening it again offers to mail a fresh link to the same address. It lets nobody in.
    SpentSignInLink,
}

impl CredentialKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::SignInLink => "sign-in-link",
            CredentialKind::Session => "session",
            CredentialKind::ApiToken => "api-token",
            CredentialKind::SpentSignInLink => "spent-sign-in-link",
        }
    }

    pub fn parse(text: &str) -> Option<CredentialKind> {
        [
            CredentialKind::SignInLink,
            CredentialKind::Session,
            CredentialKind::ApiToken,
            CredentialKind::SpentSignInLink,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// A secret an organizer holds, stored only as the SHA-256 of the secret (`hash`, hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub hash: String,
    pub kind: CredentialKind,
    /// The organizer's normalized email address.
    pub organizer: String,
    /// What the organizer called it (API tokens); empty otherwise.
    pub label: String,
    pub created_at: DateTime<Utc>,
    /// It stops working then (links, sessions); `None`: until deleted.
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Sign-in links, sessions and API tokens, by the hash of their secret.
#[async_trait]
pub trait CredentialStore: Send + Sync {
    /// Stores a new credential; `Conflict` if one with the same hash exists.
    async fn put_credential(&self, credential: &Credential) -> Result<(), StoreError>;
    async fn credential(&self, hash: &str) -> Result<Option<Credential>, StoreError>;
    /// Removes the credential and returns it; of callers racing for one credential, exactly
    /// one gets it (a sign-in link works once).
    async fn take_credential(&self, hash: &str) -> Result<Option<Credential>, StoreError>;
    /// Records a use; nothing if the credential is gone.
    async fn touch_credential(&self, hash: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Nothing if it is already gone.
    async fn delete_credential(&self, hash: &str) -> Result<(), StoreError>;
    /// An organizer's credentials of one kind, oldest first.
    async fn credentials_of(
        &self,
        organizer: &str,
        kind: CredentialKind,
    ) -> Result<Vec<Credential>, StoreError>;
}

/// What the dashboard reads beyond single items: who organizes what, and counters per hour.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Every event whose organizer has this normalized address, in no particular order.
    async fn events_of_organizer(&self, email: &str) -> Result<Vec<Event>, StoreError>;
    /// Every event whose organizer's address is at this domain (lowercase), in no order.
    async fn events_of_domain(&self, domain: &str) -> Result<Vec<Event>, StoreError>;
    /// The hour buckets of `event`'s counters of `track` from `from` (inclusive) to `until`
    /// (exclusive), empty buckets omitted, in no particular order.
    async fn series(
        &self,
        event: &EventId,
        track: &str,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<SeriesPoint>, StoreError>;
}

/// Who may send an organizer's invitations for them (see [`crate::usecase::delegation`]).
#[async_trait]
pub trait DelegationStore: Send + Sync {
    /// Every allowance `organizer` (normalized) has granted, in no particular order.
    async fn delegations_of(&self, organizer: &str) -> Result<Vec<Delegation>, StoreError>;
    /// Stores an allowance, replacing one with the same organizer, delegate and scope.
    async fn put_delegation(&self, delegation: &Delegation) -> Result<(), StoreError>;
    /// Removes an allowance; nothing if there is none.
    async fn delete_delegation(
        &self,
        organizer: &str,
        delegate: &str,
        scope: &DelegationScope,
    ) -> Result<(), StoreError>;
}

/// The deployment-wide list of addresses Rollcall mails no more (see [`crate::suppression`]).
/// Entries are written by [`EventStore::commit`]; this reads and lifts them.
#[async_trait]
pub trait SuppressionStore: Send + Sync {
    /// The suppression of this normalized address, if any.
    async fn suppression(&self, address: &str) -> Result<Option<Suppression>, StoreError>;
    /// Suppressions in address order, after `after`, at most `limit`.
    async fn suppressions(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Suppression>, StoreError>;
    /// Removes the suppression of this address; whether there was one.
    async fn lift_suppression(&self, address: &str) -> Result<bool, StoreError>;
}

/// Daily counters behind the quotas (see [`crate::quota`]).
#[async_trait]
pub trait QuotaStore: Send + Sync {
    /// Adds `amount` to the counter `key` of the window starting at `window` if the total
    /// stays at or below `limit`, atomically (callers in several processes race for one
    /// counter); `false`, adding nothing, if it would not.
    async fn take_quota(
        &self,
        key: &str,
        window: DateTime<Utc>,
        amount: u64,
        limit: u64,
    ) -> Result<bool, StoreError>;
}

/// The organizers' change streams (see [`crate::change`]). Records are written by
/// [`EventStore::commit`]; this reads them.
#[async_trait]
pub trait ChangeStore: Send + Sync {
    /// `organizer`'s (normalized) records that `query` asks for, in commit order (growing
    /// `seq`), at most `query.limit`. A record committed after another is never placed before
    /// it, so a consumer that resumes after the last `seq` it saw misses nothing.
    async fn changes_of(
        &self,
        organizer: &str,
        query: &ChangeQuery,
    ) -> Result<Vec<StoredChange>, StoreError>;
}

/// Webhook endpoints and their delivery logs (see [`crate::webhook`]).
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Stores `endpoint`, replacing one with the same id.
    async fn put_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError>;
    async fn endpoint(&self, id: &str) -> Result<Option<Endpoint>, StoreError>;
    /// The endpoints of `organizer` (normalized), oldest first.
    async fn endpoints_of(&self, organizer: &str) -> Result<Vec<Endpoint>, StoreError>;
    /// Removes an endpoint and its delivery log; whether there was one.
    async fn delete_endpoint(&self, id: &str) -> Result<bool, StoreError>;
    /// Adds one attempt to its endpoint's delivery log.
    async fn record_attempt(&self, attempt: &DeliveryAttempt) -> Result<(), StoreError>;
    /// The endpoint's latest attempts, newest first (by `at`, then as recorded), at most
    /// `limit`.
    async fn attempts_of(
        &self,
        endpoint: &str,
        limit: usize,
    ) -> Result<Vec<DeliveryAttempt>, StoreError>;
}
