//! Delivery events from the mail provider (DESIGN §2 flow 8): a provider reports something
//! about one message Rollcall sent (delivered, bounced, opened...), named by the Message-ID we
//! gave it. The message id says which invitee it was for; the signal is applied to them in one
//! commit with its history entry and counter deltas. The status engine makes the order of
//! events and their repeats irrelevant; the store's de-duplication makes a redelivery a no-op.

use crate::invitee::InviteeId;
use crate::ports::{Committed, Store, StoreError};
use crate::retry::{Attempt, retrying};
use crate::status::Signal;
use crate::tracking::{Tracked, track};
use chrono::{DateTime, Utc};

/// The history entry's effect for [`ProviderAction::Record`].
pub const RECORDED_ONLY: &str = "recorded only; no status change";

/// What a provider event asks of the invitee its message was for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderAction {
    /// Merge the signal into the invitee's status (a delivery, a permanent bounce...).
    Apply(Signal),
    /// Keep the signal in the invitee's history without merging it: the provider reported a
    /// problem with this one message that must not change any track (a transient bounce, a
    /// message the provider refused to send). Its provenance note says what happened.
    Record(Signal),
}

impl ProviderAction {
    pub fn signal(&self) -> &Signal {
        match self {
            ProviderAction::Apply(signal) | ProviderAction::Record(signal) => signal,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderOutcome {
    /// Committed: the invitee's history has a new entry. `effect` is that entry's effect
    /// (`reachability ok → bounced`, `no change (...)`, [`RECORDED_ONLY`]).
    Applied { invitee: InviteeId, effect: String },
    /// The same event was already recorded for this invitee; nothing changed.
    Duplicate { invitee: InviteeId },
    /// The message is not a personal message of ours (an organizer notice, another system's
    /// mail) or its invitee no longer exists. Nothing to do, and nothing to retry.
    NotOurs { reason: String },
}

/// The invitee a Message-ID of ours was sent to, if it is one of our personal messages:
/// `inv-<invitee>-<n>@<domain>` (the first invitation) or `<fan-out job>-<invitee>@<domain>`
/// (updates and cancellations), with or without angle brackets. Organizer notices
/// (`<inbound id>-<n>@<domain>`) and other domains give `None`.
pub fn invitee_of_message_id(message_id: &str, domain: &str) -> Option<InviteeId> {
    let id = message_id.trim();
    let id = id.strip_prefix('<').unwrap_or(id);
    let id = id.strip_suffix('>').unwrap_or(id);
    let (local, host) = id.rsplit_once('@')?;
    if domain.is_empty() || !host.eq_ignore_ascii_case(domain) {
        return None;
    }
    if let Some(rest) = local.strip_prefix("inv-") {
        let (invitee, n) = rest.rsplit_once('-')?;
        let numbered = !n.is_empty() && n.len() <= 9 && n.bytes().all(|b| b.is_ascii_digit());
        return numbered.then(|| InviteeId::parse(invitee)).flatten();
    }
    let (job, invitee) = local.rsplit_once('-')?;
    (!job.is_empty())
        .then(|| InviteeId::parse(invitee))
        .flatten()
}

/// Applies a provider's signal about the message `message_id` to the invitee it was sent to.
/// `Err` only for store failures (retry later); every verdict on the event is an `Ok`.
pub async fn apply_provider_signal(
    message_id: &str,
    signal: Signal,
    domain: &str,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<ProviderOutcome, StoreError> {
    apply_provider_action(
        message_id,
        ProviderAction::Apply(signal),
        domain,
        store,
        now,
    )
    .await
}

/// [`apply_provider_signal`] for either kind of [`ProviderAction`]. The signal's
/// `provenance.message_id` is filled in with `message_id` (without brackets) when empty.
pub async fn apply_provider_action(
    message_id: &str,
    action: ProviderAction,
    domain: &str,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<ProviderOutcome, StoreError> {
    let Some(invitee_id) = invitee_of_message_id(message_id, domain) else {
        return Ok(ProviderOutcome::NotOurs {
            reason: format!("{message_id:?} is not a personal message sent from {domain}"),
        });
    };
    let (record_only, mut signal) = match action {
        ProviderAction::Apply(signal) => (false, signal),
        ProviderAction::Record(signal) => (true, signal),
    };
    if signal.provenance.message_id.is_none() {
        let bare = message_id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        signal.provenance.message_id = Some(bare.to_string());
    }
    let (invitee_id, signal) = (&invitee_id, &signal);
    retrying(|| async move {
        let Some(mut invitee) = store.invitee(invitee_id).await? else {
            return Ok(Attempt::Done(ProviderOutcome::NotOurs {
                reason: format!("invitee {invitee_id} of {message_id:?} no longer exists"),
            }));
        };
        let expected = invitee.version;
        let tracked = if record_only {
            Tracked::recorded_only(&invitee, signal.clone())
        } else {
            track(&mut invitee, vec![signal.clone()])
        };
        let effect = tracked
            .records
            .first()
            .map(|r| r.effect.clone())
            .unwrap_or_default();
        let commit = tracked
            .into_commit_reading_event(store, invitee, expected, now)
            .await?;
        Attempt::of(store.commit(&commit).await, |committed| match committed {
            Committed::Applied => ProviderOutcome::Applied {
                invitee: invitee_id.clone(),
                effect,
            },
            Committed::AlreadyRecorded => ProviderOutcome::Duplicate {
                invitee: invitee_id.clone(),
            },
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "k7q2m4x6r3t5v2wa";

    #[test]
    fn our_message_ids_name_their_invitee() {
        let expected = InviteeId::parse(ID);
        assert!(expected.is_some());
        for text in [
            format!("inv-{ID}-1@rollcall.example"),
            format!("<inv-{ID}-1@rollcall.example>"),
            format!(" <inv-{ID}-1@Rollcall.Example> "),
            format!("msg-7f3a-0-{ID}@rollcall.example"),
            format!("<0100018e-abc-2-{ID}@rollcall.example>"),
        ] {
            assert_eq!(
                invitee_of_message_id(&text, "rollcall.example"),
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn other_message_ids_name_nobody() {
        for text in [
            format!("inv-{ID}-1@elsewhere.example"),
            format!("inv-{ID}-1@rollcall.example.evil"),
            format!("inv-{ID}-x@rollcall.example"),
            format!("inv-{ID}@rollcall.example"),
            format!("-{ID}@rollcall.example"),
            format!("{ID}@rollcall.example"),
            "msg-7f3a-0@rollcall.example".to_string(),
            "inv-K7Q2M4X6R3T5V2WA-1@rollcall.example".to_string(),
            "0100018e0f7a3b21-6c1d2e3f-000000@email.amazonses.com".to_string(),
            String::new(),
            "<>".to_string(),
        ] {
            assert_eq!(
                invitee_of_message_id(&text, "rollcall.example"),
                None,
                "{text}"
            );
        }
        assert_eq!(invitee_of_message_id(&format!("inv-{ID}-1@"), ""), None);
    }
}
