//! The ports the use cases drive. Shaped by what DynamoDB can do atomically (conditional
//! writes, bounded transactions, key lookups), so every adapter can honour them exactly.

use crate::delegation::{Delegation, DelegationScope};
use crate::event::{Event, EventId};
use crate::imip::Mailbox;
use crate::invitee::{Invitee, InviteeId};
use crate::notice::OutboxMessage;
use crate::outcome::Outcome;
use crate::status::Signal;
use crate::suppression::Suppression;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// An expected version did not match: someone else wrote first. Re-read and retry.
    #[error("concurrent update; retry")]
    Conflict,
    /// The store could not be reached or failed; the caller retries later.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// One event written by an ingest, with the version it must replace (`None`: must be new).
#[derive(Debug, Clone)]
pub struct EventWrite {
    pub event: Event,
    pub expected_version: Option<u64>,
}

/// The record of one inbound message, as `rollcall inbox` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord {
    pub message_id: String,
    pub from: Option<Mailbox>,
    pub subject: Option<String>,
    pub outcome: Outcome,
    pub processed_at: DateTime<Utc>,
}

/// One invitee written by a commit, with the version it must replace (`None`: must be new,
/// and no other invitee of the event may have the same address).
#[derive(Debug, Clone)]
pub struct InviteeWrite {
    pub invitee: Invitee,
    pub expected_version: Option<u64>,
}

/// A signal as recorded in an invitee's history, with what it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalRecord {
    pub event_id: EventId,
    pub invitee_id: InviteeId,
    pub signal: Signal,
    /// What applying it did, in words: `response needs-action → accepted`, `no change ...`.
    pub effect: String,
}

/// A change to one per-event counter (track value), kept in the same transaction as the
/// status change that caused it, so reports never scan invitees. A positive delta is also
/// added to the counter's bucket for the hour of `at` (the time series reports draw).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterDelta {
    pub event_id: EventId,
    pub track: String,
    pub value: String,
    pub delta: i64,
    /// When the change happened (its hour bucket).
    pub at: DateTime<Utc>,
}

/// One hour bucket of one counter: the sum of the positive deltas whose `at` fell in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// The start of the hour (UTC, minutes and seconds zero).
    pub hour: DateTime<Utc>,
    pub value: String,
    pub count: i64,
}

/// The start of the UTC hour `at` falls in: the bucket a counter delta is added to.
pub fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::{DurationRound, TimeDelta};
    at.duration_trunc(TimeDelta::hours(1)).unwrap_or(at)
}

/// Everything one use-case step changes, committed atomically or not at all. It is a
/// redelivery, and nothing changes, if its message outcome or any of its signals
/// (by invitee and de-duplication key) is already recorded; that verdict is reached before
/// any version check, so a redelivery is `AlreadyRecorded`, never `Conflict`. A commit writes
/// each event and each invitee at most once (DynamoDB refuses two actions on one item in a
/// transaction); a signal (invitee, key) or outbox id repeated within one commit is kept once,
/// first copy. An invitee's (event, email) and an event's (organizer, UID) are fixed by their
/// first write. Adapters may bound a commit's size (DynamoDB: 100 items) and answer
/// `Unavailable` beyond it.
#[derive(Debug, Clone, Default)]
pub struct Commit {
    pub message: Option<MessageRecord>,
    pub events: Vec<EventWrite>,
    pub invitees: Vec<InviteeWrite>,
    pub signals: Vec<SignalRecord>,
    pub counters: Vec<CounterDelta>,
    pub outbox: Vec<OutboxMessage>,
    /// Addresses to mail no more, written (replacing one for the same address) with the
    /// signal that calls for it (see [`crate::suppression`]).
    pub suppressions: Vec<Suppression>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Committed {
    Applied,
    /// Already recorded: a redelivery. Nothing was changed.
    AlreadyRecorded,
}

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

/// Who may send an organizer's invitations for them (see [`crate::delegation`]).
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

/// An outbox message that is due, with its delivery attempts so far.
#[derive(Debug, Clone)]
pub struct DueMessage {
    pub message: OutboxMessage,
    pub attempts: u32,
    /// When its current run of attempts began: when it was queued (its `created_at`), or when
    /// an operator re-queued it after it failed. Its lifetime counts from here.
    pub since: DateTime<Utc>,
}

/// The outbox as a whole has stopped sending because the transport refuses everything (relay
/// down, SES sending paused, daily quota reached). Kept in the store, so every sender (several
/// Lambda workers) and `rollcall outbox` (another process) see the same state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxPause {
    /// When the first refusal was met.
    pub since: DateTime<Utc>,
    /// When one sender may try one message again (the probe).
    pub next_probe_at: DateTime<Utc>,
    /// Probes that failed so far; the wait between probes grows with it.
    pub probes: u32,
    /// The transport's last word, for the log and `rollcall outbox`.
    pub reason: String,
}

#[async_trait]
pub trait OutboxStore: Send + Sync {
    async fn due_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DueMessage>, StoreError>;
    /// Takes message `id` for one sender: if it is pending and due at `now`, its next attempt
    /// moves to `until` (a lease: no other sender is handed it meanwhile) and the answer is
    /// `true`; `false` if another sender took it first, or it was sent or failed. Senders
    /// that may run side by side (Lambda workers) claim before sending, so each message is
    /// sent once; one that dies holding a lease is retried when the lease ends.
    async fn claim(
        &self,
        id: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    async fn mark_sent(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
    async fn mark_retry(
        &self,
        id: &str,
        attempts: u32,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError>;
    async fn mark_failed(&self, id: &str, error: &str) -> Result<(), StoreError>;
}

/// The outbox as a whole: whether it is paused, and what an operator re-queues; apart from
/// [`OutboxStore`], which marks single messages.
#[async_trait]
pub trait OutboxControl: Send + Sync {
    /// The recorded pause, if the outbox is paused.
    async fn outbox_pause(&self) -> Result<Option<OutboxPause>, StoreError>;
    /// Records `pause`, replacing any pause recorded before.
    async fn pause_outbox(&self, pause: &OutboxPause) -> Result<(), StoreError>;
    /// Takes the probe of a recorded pause for one sender: if its `next_probe_at` is at or
    /// before `now`, it moves to `until` (so a prober that dies is replaced then) and the
    /// answer is `true`; `false` if no pause is recorded or another sender took the probe.
    async fn claim_outbox_probe(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Ends the pause; nothing if none is recorded.
    async fn resume_outbox(&self) -> Result<(), StoreError>;
    /// Ids of failed messages greater than `after` (all if `None`), in id order, at most
    /// `limit`.
    async fn failed_outbox(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError>;
    /// Puts failed message `id` back in the queue: pending, due at `now`, no attempts, its
    /// lifetime starting again at `now`; its last error is kept until the next attempt. `true`
    /// if it was failed; `false` (and nothing changes) if it is pending, sent or unknown, so
    /// re-queueing twice, or racing, queues it once.
    async fn requeue_failed(&self, id: &str, now: DateTime<Utc>) -> Result<bool, StoreError>;
}

/// The raw bytes of stored inbound mail, by our message id (local: the inbox file its queue
/// row names; AWS: the S3 object). Confirming an unauthenticated message reads it again.
#[async_trait]
pub trait RawMailSource: Send + Sync {
    /// `None` when no message with that id is stored.
    async fn raw_message(&self, message_id: &str) -> Result<Option<Vec<u8>>, StoreError>;
}

/// Fresh identifiers. Adapters use a CSPRNG; tests may use a sequence.
pub trait IdSource: Send + Sync {
    fn event_id(&self) -> EventId;
    fn invitee_id(&self) -> InviteeId;
}

/// A message ready to hand to a transport.
#[derive(Debug, Clone)]
pub struct ComposedMail {
    pub outbox_id: String,
    pub from: String,
    pub to: String,
    pub message_id: String,
    pub raw: Vec<u8>,
}

#[derive(Debug, Error)]
pub enum SendError {
    /// Worth trying this message again later (a 4xx for it, throttling).
    #[error("temporary send failure: {0}")]
    Transient(String),
    /// Will never succeed for this message (5xx on the recipient, rejected content).
    #[error("permanent send failure: {0}")]
    Permanent(String),
    /// The transport as a whole refuses or cannot be reached (relay down or answering 421,
    /// SES sending paused, account suspended, daily quota reached): no message would go now.
    /// The outbox pauses and probes; the message is not charged for it.
    #[error("mail transport unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: &ComposedMail) -> Result<(), SendError>;
}

/// Turns an outbox message into MIME. Implemented by `rollcall-mail`.
pub trait Composer: Send + Sync {
    fn compose(&self, message: &OutboxMessage) -> Result<ComposedMail, String>;
}

/// Everything a use case may need from storage, for adapters that provide it all.
pub trait Store:
    EventStore
    + InviteeStore
    + OutboxStore
    + OutboxControl
    + CredentialStore
    + ReportStore
    + DelegationStore
    + QuotaStore
    + SuppressionStore
{
}

impl<
    T: EventStore
        + InviteeStore
        + OutboxStore
        + OutboxControl
        + CredentialStore
        + ReportStore
        + DelegationStore
        + QuotaStore
        + SuppressionStore,
> Store for T
{
}

/// One way to wrap a store: a layer names the store it wraps and overrides only what it
/// changes (a test's lost commit or lost `mark_sent`, the functions' side effects after a
/// commit); every store port is implemented for it once, here, by passing the call through.
/// A port method added to a store is added here once, not to every wrapper.
#[async_trait]
pub trait StoreLayer: Send + Sync {
    fn inner(&self) -> &dyn Store;

    /// What [`EventStore::commit`] does through this layer; the inner store's by default.
    async fn layered_commit(&self, commit: &Commit) -> Result<Committed, StoreError> {
        self.inner().commit(commit).await
    }

    /// What [`OutboxStore::mark_sent`] does through this layer; the inner store's by default.
    async fn layered_mark_sent(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.inner().mark_sent(id, at).await
    }
}

#[async_trait]
impl<T: StoreLayer> EventStore for T {
    async fn event(&self, id: &EventId) -> Result<Option<Event>, StoreError> {
        self.inner().event(id).await
    }
    async fn event_by_uid(
        &self,
        organizer_email: &str,
        uid: &str,
    ) -> Result<Option<Event>, StoreError> {
        self.inner().event_by_uid(organizer_email, uid).await
    }
    async fn commit(&self, commit: &Commit) -> Result<Committed, StoreError> {
        self.layered_commit(commit).await
    }
    async fn message_record(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError> {
        self.inner().message_record(message_id).await
    }
}

#[async_trait]
impl<T: StoreLayer> InviteeStore for T {
    async fn invitee(&self, id: &InviteeId) -> Result<Option<Invitee>, StoreError> {
        self.inner().invitee(id).await
    }
    async fn invitee_by_email(
        &self,
        event: &EventId,
        email: &str,
    ) -> Result<Option<Invitee>, StoreError> {
        self.inner().invitee_by_email(event, email).await
    }
    async fn invitees_of(
        &self,
        event: &EventId,
        after: Option<&InviteeId>,
        limit: usize,
    ) -> Result<Vec<Invitee>, StoreError> {
        self.inner().invitees_of(event, after, limit).await
    }
    async fn signals_of(&self, invitee: &InviteeId) -> Result<Vec<SignalRecord>, StoreError> {
        self.inner().signals_of(invitee).await
    }
    async fn counters(&self, event: &EventId) -> Result<Vec<(String, String, i64)>, StoreError> {
        self.inner().counters(event).await
    }
}

#[async_trait]
impl<T: StoreLayer> OutboxStore for T {
    async fn due_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DueMessage>, StoreError> {
        self.inner().due_outbox(now, limit).await
    }
    async fn claim(
        &self,
        id: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.inner().claim(id, now, until).await
    }
    async fn mark_sent(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.layered_mark_sent(id, at).await
    }
    async fn mark_retry(
        &self,
        id: &str,
        attempts: u32,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.inner().mark_retry(id, attempts, next_at, error).await
    }
    async fn mark_failed(&self, id: &str, error: &str) -> Result<(), StoreError> {
        self.inner().mark_failed(id, error).await
    }
}

#[async_trait]
impl<T: StoreLayer> CredentialStore for T {
    async fn put_credential(&self, credential: &Credential) -> Result<(), StoreError> {
        self.inner().put_credential(credential).await
    }
    async fn credential(&self, hash: &str) -> Result<Option<Credential>, StoreError> {
        self.inner().credential(hash).await
    }
    async fn take_credential(&self, hash: &str) -> Result<Option<Credential>, StoreError> {
        self.inner().take_credential(hash).await
    }
    async fn touch_credential(&self, hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.inner().touch_credential(hash, at).await
    }
    async fn delete_credential(&self, hash: &str) -> Result<(), StoreError> {
        self.inner().delete_credential(hash).await
    }
    async fn credentials_of(
        &self,
        organizer: &str,
        kind: CredentialKind,
    ) -> Result<Vec<Credential>, StoreError> {
        self.inner().credentials_of(organizer, kind).await
    }
}

#[async_trait]
impl<T: StoreLayer> OutboxControl for T {
    async fn outbox_pause(&self) -> Result<Option<OutboxPause>, StoreError> {
        self.inner().outbox_pause().await
    }
    async fn pause_outbox(&self, pause: &OutboxPause) -> Result<(), StoreError> {
        self.inner().pause_outbox(pause).await
    }
    async fn claim_outbox_probe(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.inner().claim_outbox_probe(now, until).await
    }
    async fn resume_outbox(&self) -> Result<(), StoreError> {
        self.inner().resume_outbox().await
    }
    async fn failed_outbox(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        self.inner().failed_outbox(after, limit).await
    }
    async fn requeue_failed(&self, id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.inner().requeue_failed(id, now).await
    }
}

#[async_trait]
impl<T: StoreLayer> ReportStore for T {
    async fn events_of_organizer(&self, email: &str) -> Result<Vec<Event>, StoreError> {
        self.inner().events_of_organizer(email).await
    }
    async fn events_of_domain(&self, domain: &str) -> Result<Vec<Event>, StoreError> {
        self.inner().events_of_domain(domain).await
    }
    async fn series(
        &self,
        event: &EventId,
        track: &str,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<SeriesPoint>, StoreError> {
        self.inner().series(event, track, from, until).await
    }
}

#[async_trait]
impl<T: StoreLayer> DelegationStore for T {
    async fn delegations_of(&self, organizer: &str) -> Result<Vec<Delegation>, StoreError> {
        self.inner().delegations_of(organizer).await
    }
    async fn put_delegation(&self, delegation: &Delegation) -> Result<(), StoreError> {
        self.inner().put_delegation(delegation).await
    }
    async fn delete_delegation(
        &self,
        organizer: &str,
        delegate: &str,
        scope: &DelegationScope,
    ) -> Result<(), StoreError> {
        self.inner()
            .delete_delegation(organizer, delegate, scope)
            .await
    }
}

#[async_trait]
impl<T: StoreLayer> SuppressionStore for T {
    async fn suppression(&self, address: &str) -> Result<Option<Suppression>, StoreError> {
        self.inner().suppression(address).await
    }

    async fn suppressions(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Suppression>, StoreError> {
        self.inner().suppressions(after, limit).await
    }

    async fn lift_suppression(&self, address: &str) -> Result<bool, StoreError> {
        self.inner().lift_suppression(address).await
    }
}

#[async_trait]
impl<T: StoreLayer> QuotaStore for T {
    async fn take_quota(
        &self,
        key: &str,
        window: DateTime<Utc>,
        amount: u64,
        limit: u64,
    ) -> Result<bool, StoreError> {
        self.inner().take_quota(key, window, amount, limit).await
    }
}
