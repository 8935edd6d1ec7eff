//! Webhook deliveries: fanned out from a dispatch of change records (one outbox item per
//! record and endpoint that wants it), then posted, signed, with the Standard Webhooks
//! schedule of retries. Every attempt goes to the endpoint's delivery log.
//!
//! Deliveries are listed apart from the rest of the outbox ([`crate::ports::OutboxStore::due_webhooks`])
//! and worked off by a loop of their own ([`deliver_webhooks_due`]), beside the mail's: an
//! endpoint that hangs until the timeout holds up no mail. The deliveries one pass takes are
//! posted side by side, so it holds up no other endpoint either.

use crate::change::ChangeRecord;
use crate::event::Event;
use crate::imip::Mailbox;
use crate::notice::{Notice, OutboxMessage};
use crate::ports::{Commit, DueMessage, Store, StoreError, WebhookPost, WebhookSender};
use crate::usecase::deliver::retry::Jitter;
use crate::webhook::attempts::{self, Answer, Next};
use crate::webhook::endpoint::DeliveryAttempt;
use crate::webhook::signature::signature_header;
use chrono::{DateTime, Duration, Utc};

/// Outbox items per commit when fanning out (DynamoDB takes 100 items per transaction).
const PER_COMMIT: usize = 50;

/// How the id of every webhook delivery, and of no other outbox item, begins: stores list
/// the two kinds apart by it (other ids begin with a kind of their own, `inv-`, `dispatch-`,
/// or an inbound message id, which is digits or hex).
pub const DELIVERY_PREFIX: &str = "wh-";

/// The delivery of `change` to endpoint `endpoint`: its id is the `webhook-id`.
pub fn delivery_id(endpoint: &str, change: &str) -> String {
    format!("{DELIVERY_PREFIX}{endpoint}-{change}")
}

/// Whether outbox item `id` is a webhook delivery.
pub fn is_delivery(id: &str) -> bool {
    id.starts_with(DELIVERY_PREFIX)
}

/// Queues one delivery per record and endpoint of its organizer that wants its type. Ids are
/// derived from both, so a dispatch worked off twice queues each delivery once. How many
/// deliveries it queued (or found queued).
pub(super) async fn fan_out(
    changes: &[ChangeRecord],
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut organizers: Vec<&str> = changes.iter().map(|c| c.organizer.as_str()).collect();
    organizers.dedup();
    let mut queued = Vec::new();
    for organizer in organizers {
        let endpoints = store.endpoints_of(organizer).await?;
        for change in changes.iter().filter(|c| c.organizer == organizer) {
            for endpoint in endpoints.iter().filter(|e| e.wants(change.kind)) {
                queued.push(OutboxMessage {
                    id: delivery_id(&endpoint.id, &change.id),
                    to: Mailbox {
                        email: organizer.to_string(),
                        name: None,
                    },
                    notice: Notice::Webhook {
                        endpoint: endpoint.id.clone(),
                        change: Box::new(change.clone()),
                    },
                    event: Event::none(now),
                    created_at: now,
                });
            }
        }
    }
    for chunk in queued.chunks(PER_COMMIT) {
        let commit = Commit {
            outbox: chunk.to_vec(),
            ..Commit::default()
        };
        store.commit(&commit).await?;
    }
    Ok(queued.len())
}

/// How one delivery went, for the pass's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posted {
    Delivered,
    Retrying,
    Failed,
}

/// Posts one claimed delivery ([`claim_due`]) and records what came of it.
pub async fn post(
    due: &DueMessage,
    sender: Option<&dyn WebhookSender>,
    store: &dyn Store,
    jitter: Jitter,
    now: DateTime<Utc>,
) -> Result<Posted, StoreError> {
    let message = &due.message;
    let Notice::Webhook { endpoint, change } = &message.notice else {
        return Ok(Posted::Failed);
    };
    let Some(mut endpoint) = store.endpoint(endpoint).await? else {
        store
            .mark_failed(&message.id, "not sent: the endpoint was deleted")
            .await?;
        return Ok(Posted::Failed);
    };
    if let Some(why) = &endpoint.disabled {
        let error = format!("not sent: the endpoint is disabled ({why})");
        store.mark_failed(&message.id, &error).await?;
        return Ok(Posted::Failed);
    }
    let Some(sender) = sender else {
        let error = "waiting: this runtime has no webhook sender";
        let later = now + Duration::minutes(1);
        store
            .mark_retry(&message.id, due.attempts, later, error)
            .await?;
        return Ok(Posted::Retrying);
    };
    let body = serde_json::to_vec(&change.published())
        .map_err(|e| StoreError::Unavailable(format!("a change record did not serialize: {e}")))?;
    let timestamp = now.timestamp();
    let signature = signature_header(
        &endpoint.signing_secrets(now),
        &message.id,
        timestamp,
        &body,
    );
    let post = WebhookPost {
        url: endpoint.url.clone(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("webhook-id".into(), message.id.clone()),
            ("webhook-timestamp".into(), timestamp.to_string()),
            ("webhook-signature".into(), signature),
        ],
        body,
    };
    let answered = sender.post(&post).await;
    let attempt = due.attempts + 1;
    let next = attempts::next(attempt, answered.answer, jitter);
    let status = match answered.answer {
        Answer::Status { code, .. } => Some(code),
        Answer::NoAnswer => None,
    };
    let what = match (status, answered.detail.is_empty()) {
        (Some(code), _) => format!("answered {code}"),
        (None, false) => answered.detail.clone(),
        (None, true) => "no answer".to_string(),
    };
    let (posted, outcome) = match next {
        Next::Delivered => {
            store.mark_sent(&message.id, now).await?;
            (Posted::Delivered, "delivered".to_string())
        }
        Next::RetryAfter(wait) => {
            let outcome = format!("{what}; trying again in {}", words(wait));
            store
                .mark_retry(&message.id, attempt, now + wait, &outcome)
                .await?;
            (Posted::Retrying, outcome)
        }
        Next::GiveUp => {
            // Three days of failures: the endpoint is not taking deliveries. It is disabled
            // so its other deliveries stop too, until the organizer enables it again.
            let why = format!("every attempt failed for three days; the last {what}");
            disable(&mut endpoint, &why, store, now).await?;
            store.mark_failed(&message.id, &why).await?;
            (Posted::Failed, why)
        }
        Next::DisableEndpoint => {
            let why = format!(
                "the endpoint answered 410 Gone on {}",
                now.format("%Y-%m-%d %H:%M UTC")
            );
            disable(&mut endpoint, &why, store, now).await?;
            store.mark_failed(&message.id, &why).await?;
            (Posted::Failed, why)
        }
    };
    store
        .record_attempt(&DeliveryAttempt {
            endpoint: endpoint.id.clone(),
            delivery: message.id.clone(),
            change_id: change.id.clone(),
            change_type: change.kind,
            at: now,
            attempt,
            status,
            duration_ms: u64::try_from(answered.duration.as_millis()).unwrap_or(u64::MAX),
            outcome,
        })
        .await?;
    Ok(posted)
}

/// Disables `endpoint` for `why` and mails its organizer, once: deliveries posted side by side
/// may all meet the end, and only the first to find it still enabled disables and mails (the
/// mail's id, by endpoint and hour, keeps even a race to one mail).
async fn disable(
    endpoint: &mut crate::webhook::endpoint::Endpoint,
    why: &str,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let still_on = store
        .endpoint(&endpoint.id)
        .await?
        .is_some_and(|e| e.disabled.is_none());
    if !still_on {
        return Ok(());
    }
    endpoint.disabled = Some(why.to_string());
    store.put_endpoint(endpoint).await?;
    let mail = OutboxMessage {
        id: format!("webhook-off-{}-{}", endpoint.id, now.format("%Y%m%d%H")),
        to: Mailbox {
            email: endpoint.organizer.clone(),
            name: None,
        },
        notice: Notice::WebhookDisabled {
            endpoint: endpoint.id.clone(),
            url: endpoint.url.clone(),
            reason: why.to_string(),
        },
        event: Event::none(now),
        created_at: now,
    };
    let commit = Commit {
        outbox: vec![mail],
        ..Commit::default()
    };
    store.commit(&commit).await?;
    Ok(())
}

/// A wait in words: `5s`, `5m`, `2h`.
fn words(wait: Duration) -> String {
    let seconds = wait.num_seconds();
    match seconds {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s => format!("{}h", s / 3600),
    }
}

/// Claims the webhook deliveries due at `now` (up to one batch) for longer than one post can
/// take, so no other sender, and no later look of this one, takes them meanwhile. A runtime
/// posts each ([`post`]) as a task of its own, so a delivery that hangs holds up no other.
pub async fn claim_due(
    store: &dyn Store,
    settings: &super::DeliverySettings,
    now: DateTime<Utc>,
) -> Result<Vec<DueMessage>, StoreError> {
    let lease = Duration::from_std(attempts::TIMEOUT * 4).unwrap_or(Duration::minutes(1));
    let until = now + settings.lease.max(lease);
    let mut claimed = Vec::new();
    for due in store.due_webhooks(now, settings.batch).await? {
        if store.claim(&due.message.id, now, until).await? {
            claimed.push(due);
        }
    }
    Ok(claimed)
}

/// Claims and posts every webhook delivery due at `now` (up to one batch), side by side, and
/// waits for them all: one pass, for a runtime that runs passes (and for tests).
pub async fn deliver_webhooks_due(
    store: &dyn Store,
    sender: Option<&dyn WebhookSender>,
    settings: &super::DeliverySettings,
    now: DateTime<Utc>,
) -> Result<super::DeliveryReport, StoreError> {
    let claimed = claim_due(store, settings, now).await?;
    let posts = claimed
        .iter()
        .map(|due| post(due, sender, store, settings.jitter, now));
    let mut report = super::DeliveryReport::default();
    for posted in futures_util::future::join_all(posts).await {
        match posted? {
            Posted::Delivered => report.sent += 1,
            Posted::Retrying => report.retrying += 1,
            Posted::Failed => report.failed += 1,
        }
    }
    Ok(report)
}
