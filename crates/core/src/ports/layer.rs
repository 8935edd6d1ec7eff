//! `Store`, everything at once, and `StoreLayer`, the one way to wrap a store.

use super::*;

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
    + ChangeStore
    + WebhookStore
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
        + SuppressionStore
        + ChangeStore
        + WebhookStore,
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
    async fn due_webhooks(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DueMessage>, StoreError> {
        self.inner().due_webhooks(now, limit).await
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

#[async_trait]
impl<T: StoreLayer> ChangeStore for T {
    async fn changes_of(
        &self,
        organizer: &str,
        query: &ChangeQuery,
    ) -> Result<Vec<StoredChange>, StoreError> {
        self.inner().changes_of(organizer, query).await
    }
}

#[async_trait]
impl<T: StoreLayer> WebhookStore for T {
    async fn put_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError> {
        self.inner().put_endpoint(endpoint).await
    }
    async fn endpoint(&self, id: &str) -> Result<Option<Endpoint>, StoreError> {
        self.inner().endpoint(id).await
    }
    async fn endpoints_of(&self, organizer: &str) -> Result<Vec<Endpoint>, StoreError> {
        self.inner().endpoints_of(organizer).await
    }
    async fn delete_endpoint(&self, id: &str) -> Result<bool, StoreError> {
        self.inner().delete_endpoint(id).await
    }
    async fn record_attempt(&self, attempt: &DeliveryAttempt) -> Result<(), StoreError> {
        self.inner().record_attempt(attempt).await
    }
    async fn attempts_of(
        &self,
        endpoint: &str,
        limit: usize,
    ) -> Result<Vec<DeliveryAttempt>, StoreError> {
        self.inner().attempts_of(endpoint, limit).await
    }
}
