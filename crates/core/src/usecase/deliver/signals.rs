//! The signals the sender records about its own mail: queued, delayed, sent, and the
//! suppression a listed address meets, each committed with a retry on a conflict.

use super::*;

/// An invitation that could not leave yet shows its invitee as `delayed` (once per message).
pub(super) async fn record_delayed(
    message: &OutboxMessage,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    match &message.notice {
        Notice::Invitation { invitee, .. } => {
            let mail = message.notice.mail_kind();
            record_delivery(
                &invitee.id,
                &message.id,
                SignalKind::Delayed,
                mail,
                store,
                now,
            )
            .await
        }
        _ => Ok(()),
    }
}

/// The delivery track moves to `sent` once the transport took the message, or to `delayed`
/// when it could not take it yet; each once per message (`sent:<id>`, `delayed:<id>`).
pub(super) async fn record_delivery(
    invitee_id: &InviteeId,
    outbox_id: &str,
    kind: SignalKind,
    mail: Option<MailKind>,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut signal = system_signal(format!("{}:{outbox_id}", kind.name()), kind, now);
    signal.provenance.mail = mail;
    record_signal(invitee_id, signal, Apply::Track, store, now).await
}

/// Why `message` must not go: its invitee's address is on the deployment's suppression list
/// (a hard bounce or complaint at any event, or "unsubscribe from everything"). Their history
/// at this event says so, in the same words, as a record only: the list can be lifted, after
/// which this event mails them again without anything to undo.
pub(super) async fn suppressed(
    message: &OutboxMessage,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let invitee = match &message.notice {
        Notice::Invitation { invitee, .. } | Notice::OwnLink { invitee } => invitee,
        _ => return Ok(None),
    };
    let Some(suppression) = store.suppression(&normalize_email(&invitee.email)).await? else {
        return Ok(None);
    };
    let why = format!(
        "not sent: {} is suppressed for every event, {}",
        invitee.email,
        suppression.describe()
    );
    let mut signal = Signal::now(
        format!("{SUPPRESSED_PREFIX}{}", message.id),
        suppression.reason.signal_kind(),
        Channel::Provider,
        now,
    );
    signal.provenance.note = Some(why.clone());
    record_signal(&invitee.id, signal, Apply::RecordOnly, store, now).await?;
    Ok(Some(why))
}

/// Whether a signal moves the invitee's status or is only kept in their history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Apply {
    Track,
    RecordOnly,
}

/// Applies one signal to an invitee (or only records it) and commits it, retrying on a
/// concurrent write.
pub(super) async fn record_signal(
    invitee_id: &InviteeId,
    signal: Signal,
    apply: Apply,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let signal = &signal;
    crate::retry::retrying(|| async move {
        let Some(mut invitee) = store.invitee(invitee_id).await? else {
            return Ok(Attempt::Done(()));
        };
        let expected = invitee.version;
        let tracked = match apply {
            Apply::Track => track(&mut invitee, vec![signal.clone()]),
            Apply::RecordOnly => Tracked::recorded_only(&invitee, signal.clone()),
        };
        let commit = tracked
            .into_commit_reading_event(store, invitee, expected, now)
            .await?;
        Attempt::of(store.commit(&commit).await, |_| ())
    })
    .await
}

/// The dedupe-key prefix of a signal that applies an existing suppression to another event:
/// it repeats the list's verdict and must not rewrite the list's entry.
pub const SUPPRESSED_PREFIX: &str = "suppressed:";

/// A signal Rollcall itself produces. `sent` and `delayed` are the mail transport's word (the
/// provider channel, like bounces later); fan-out steps happen because the organizer's
/// calendar sent a change, the one channel they come from.
pub(super) fn system_signal(dedupe_key: String, kind: SignalKind, now: DateTime<Utc>) -> Signal {
    let channel = if matches!(kind, SignalKind::Sent | SignalKind::Delayed) {
        Channel::Provider
    } else {
        Channel::OrganizerList
    };
    let mut signal = Signal::now(dedupe_key, kind, channel, now);
    signal.provenance.note = Some("Rollcall's own delivery".to_string());
    signal
}
