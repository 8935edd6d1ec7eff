//! The outbox ports, and the edges mail leaves and arrives through: the transport, the
//! composer, stored raw mail, fresh ids.

use super::*;

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
    /// Pending items due at `now`, oldest due first, at most `limit`: every kind but webhook
    /// deliveries (ids starting with [`crate::usecase::deliver::webhooks::DELIVERY_PREFIX`]),
    /// which [`OutboxStore::due_webhooks`] lists, so that neither kind waits behind the other.
    async fn due_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DueMessage>, StoreError>;
    /// The webhook deliveries among the pending items due at `now`, as [`OutboxStore::due_outbox`]
    /// lists the others.
    async fn due_webhooks(
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

/// Where change records are told besides the store: on AWS, the event stream's SNS topic
/// (one message per record, its type as an attribute subscriptions filter on). Told at least
/// once: a record is told again if the sender dies before the dispatch is marked done, so
/// listeners de-duplicate by the record's id.
#[async_trait]
pub trait ChangeSink: Send + Sync {
    async fn publish(&self, records: &[ChangeRecord]) -> Result<(), SendError>;
}

/// How a host name becomes addresses (the system's resolver; a test's).
#[async_trait]
pub trait Lookup: Send + Sync {
    async fn lookup(&self, host: &str) -> std::io::Result<Vec<std::net::IpAddr>>;
}

/// One webhook delivery, signed, ready to post.
#[derive(Debug, Clone)]
pub struct WebhookPost {
    pub url: String,
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature`, the content type.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What posting a delivery got.
#[derive(Debug, Clone)]
pub struct WebhookAnswer {
    pub answer: Answer,
    /// The connection error or refusal, for the delivery log; empty when it answered.
    pub detail: String,
    pub duration: std::time::Duration,
}

/// Posts webhook deliveries. An adapter resolves the URL's host, checks every address it
/// resolves to against the operator's [`crate::webhook::target::Policy`], connects only to
/// an address it checked, follows no redirect and gives up after
/// [`crate::webhook::attempts::TIMEOUT`].
#[async_trait]
pub trait WebhookSender: Send + Sync {
    async fn post(&self, post: &WebhookPost) -> WebhookAnswer;
}

/// Turns an outbox message into MIME. Implemented by `rollcall-mail`.
pub trait Composer: Send + Sync {
    fn compose(&self, message: &OutboxMessage) -> Result<ComposedMail, String>;
}
